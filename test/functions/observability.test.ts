import { handler } from '../../functions/handlers/ssm-automation';
import { capturedLogs, countMutations } from './sdk-probes';
import { alarmEvent, createStack, playbook, putAlarm, request, runInstances } from './stack';

/** Environment validation and the EMF metrics the action functions emit. */
describe('environment and metrics', () => {
  async function offRequest() {
    await createStack({}, 'off');
    const [id] = await runInstances(1);
    const name = await putAlarm('status', id, 'InstanceId');
    return request(playbook('status', ['reboot']), alarmEvent(name, { InstanceId: id }));
  }

  it('refuses to run with a missing or invalid environment variable, naming it, with no AWS call', async () => {
    // Prepare
    const req = await offRequest();
    delete process.env.LEDGER_TABLE;
    process.env.GUARDRAILS = '{"cooldownMinutes": -5}';
    const counter = await countMutations();
    // Act
    const result = handler(req);
    // Assess
    await expect(result).rejects.toThrow(/LEDGER_TABLE is not set.*GUARDRAILS: expected guardrails JSON \(cooldownMinutes: expected at least 0, got -5\), got "\{\\"cooldownMinutes\\": -5\}"/);
    await counter.detach();
    expect(counter.all).toEqual([]);
  });

  it('emits EMF metrics: Remediations by outcome and action, and RemediationDuration', async () => {
    // Prepare
    const req = await offRequest();
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      lines.push(String(chunk));
      return true;
    });
    // Act
    await handler(req).finally(() => spy.mockRestore());
    // Assess
    const emf = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((l) => l._aws);
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('RecoveryStack');
    expect(emf._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['outcome', 'action']));
    expect(emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name).sort()).toEqual(['RemediationDuration', 'Remediations']);
    expect(emf).toMatchObject({ outcome: 'skipped', action: 'ssm-automation', Remediations: 1, playbook: 'status' });
    expect(typeof emf.RemediationDuration).toBe('number');
  });

  it('logs carry the invocation\'s Lambda context as ECS faas fields, child loggers\' lines included', async () => {
    // Prepare: a context shaped as the Lambda Node.js runtime passes it (docs: "Using the Lambda context object
    // to retrieve Node.js function information").
    const req = await offRequest();
    const context = {
      functionName: 'recovery-test-ssm-automation',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:recovery-test-ssm-automation',
      memoryLimitInMB: '256',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      logGroupName: '/aws/lambda/recovery-test-ssm-automation',
      logStreamName: '2026/12/08/[$LATEST]abcdef',
      getRemainingTimeInMillis: () => 60_000,
    };
    // Act
    const { lines } = await capturedLogs('ssm-automation', () => handler(req, context));
    // Assess
    const logged = lines.filter((l) => l['log.level']);
    expect(logged.length).toBeGreaterThan(0);
    for (const l of logged) {
      expect(l.faas).toMatchObject({ name: context.functionName, id: context.invokedFunctionArn, version: '$LATEST', execution: context.awsRequestId });
    }
    // A line from the decision's child logger (it has the incident's keys) carries it too.
    expect(logged.some((l) => l.incidentId)).toBe(true);
  });
});
