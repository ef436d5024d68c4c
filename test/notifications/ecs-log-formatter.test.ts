import { logger } from '../../functions/runtime/logger';
import { ECS_VERSION } from '../../functions/runtime/ecs-log-formatter';

/** The functions' real Logger (functions/runtime/logger.ts) writes ECS field names. */
function capture(run: () => void): Record<string, any>[] {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  // Powertools writes through its own Console on stdout/stderr.
  const out = (['stdout', 'stderr'] as const).map((s) =>
    jest.spyOn(process[s], 'write').mockImplementation((chunk: any) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    run();
  } finally {
    spies.forEach((s) => s.mockRestore());
    out.forEach((s) => s.mockRestore());
  }
  return lines.filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
}

describe('ECS log formatter on the real Powertools Logger', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('info line: @timestamp, log.level, message, ecs.version, service.name, trace.id, event.action, custom keys kept', () => {
    // Prepare
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    process.env.AWS_REGION = 'eu-west-1';
    const log = logger(`ecs-test-${Date.now()}`);
    log.setLogLevel('INFO');
    // Act
    const [line] = capture(() => log.info('remediation acted', { action: 'ssm-automation', incidentId: 'inc-0123456789abcdef' }));
    // Assess
    expect(line['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line['log.level']).toBe('info');
    expect(line.message).toBe('remediation acted');
    expect(line['ecs.version']).toBe(ECS_VERSION);
    expect(line.service.name).toMatch(/^recovery-ecs-test-/);
    expect(line.trace.id).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(line.event.action).toBe('ssm-automation');
    expect(line.cloud).toEqual({ provider: 'aws', region: 'eu-west-1' });
    expect(line.incidentId).toBe('inc-0123456789abcdef');
    // Powertools' own names are gone.
    for (const k of ['level', 'timestamp', 'xray_trace_id', 'cold_start']) expect(line).not.toHaveProperty([k]);
    expect(typeof line.service).toBe('object');
  });

  it('errors: error.type, error.message, error.stack_trace', () => {
    // Prepare
    const log = logger(`ecs-err-${Date.now()}`);
    log.setLogLevel('INFO');
    // Act
    const [line] = capture(() => log.error('verification failed', new TypeError('alarm vanished')));
    // Assess
    expect(line['log.level']).toBe('error');
    expect(line.error.type).toBe('TypeError');
    expect(line.error.message).toBe('alarm vanished');
    expect(line.error.stack_trace).toMatch(/TypeError: alarm vanished/);
  });

  it('Lambda context becomes faas.* (name, id, execution, coldstart)', () => {
    // Prepare
    const log = logger(`ecs-ctx-${Date.now()}`);
    log.setLogLevel('INFO');
    log.addContext({
      functionName: 'recovery-dev-notifier',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:recovery-dev-notifier',
      memoryLimitInMB: '256',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      callbackWaitsForEmptyEventLoop: true,
      logGroupName: '/aws/lambda/recovery-dev-notifier',
      logStreamName: 's',
      getRemainingTimeInMillis: () => 1000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    });
    // Act
    const [line] = capture(() => log.info('notified'));
    // Assess
    expect(line.faas).toMatchObject({
      name: 'recovery-dev-notifier',
      id: 'arn:aws:lambda:us-east-1:123456789012:function:recovery-dev-notifier',
      execution: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    });
    expect(typeof line.faas.coldstart).toBe('boolean');
  });
});
