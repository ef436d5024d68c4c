import * as sdk from '../../functions/runtime/sdk';

/**
 * Observing and disturbing the functions' own SDK clients (the ones
 * functions/runtime/sdk.ts builds) with middleware: counting mutating calls
 * independently of what the handler reports, and making one command fail.
 */
const READ = /^(Describe|Get|List)/;
/** Services whose mutating calls change the fleet (ledger/bus/queue writes are bookkeeping). */
const FLEET = ['ec2', 'autoscaling', 'ssm', 'rds', 'lambda', 'ecs'] as const;

type Mw = (next: (a: any) => Promise<any>, ctx: { commandName?: string }) => (a: any) => Promise<any>;

async function clients(keys: readonly string[]) {
  // Build them now so the middleware is in place before the handler's first call.
  await Promise.all([sdk.ec2(), sdk.autoscaling(), sdk.ssm(), sdk.rds(), sdk.lambda(), sdk.ecs(), sdk.dynamodb(), sdk.events(), sdk.sqs(), sdk.sns(), sdk.cloudwatch(), sdk.health()]);
  const all = await sdk.builtClients();
  return keys.map((k) => [k, all[k]] as const).filter(([, c]) => c) as Array<readonly [string, any]>;
}

export interface MutationCounter {
  /** Mutating commands sent to fleet services (EC2, Auto Scaling, SSM), e.g. `ec2:StopInstancesCommand`. */
  fleet: string[];
  /** Mutating commands sent anywhere (including ledger, bus, queues, topic). */
  all: string[];
  detach(): Promise<void>;
}

export async function countMutations(): Promise<MutationCounter> {
  const counter: MutationCounter = { fleet: [], all: [], detach: async () => undefined };
  const name = `count-${Math.random().toString(36).slice(2)}`;
  const cs = await clients(['ec2', 'autoscaling', 'ssm', 'rds', 'lambda', 'ecs', 'dynamodb', 'events', 'sqs', 'sns', 'cloudwatch', 'health']);
  for (const [key, c] of cs) {
    const mw: Mw = (next, ctx) => async (args) => {
      const cmd = ctx.commandName ?? '?';
      if (!READ.test(cmd)) {
        counter.all.push(`${key}:${cmd}`);
        if ((FLEET as readonly string[]).includes(key)) counter.fleet.push(`${key}:${cmd}`);
      }
      return next(args);
    };
    c.middlewareStack.add(mw, { step: 'initialize', name });
  }
  counter.detach = async () => {
    for (const [, c] of cs) c.middlewareStack.remove(name);
  };
  return counter;
}

/**
 * Makes `commandName` on `service` fail once, as AWS would refuse it
 * (stand-in: moto cannot be told to fail one call). The error is not
 * retryable, so it reaches the action as-is.
 */
export async function failOnce(
  service: 'ec2' | 'autoscaling' | 'rds' | 'lambda',
  commandName: string,
  /** `tookEffect`: the call reaches moto and then fails, as a timed-out call AWS had already applied. */
  opts: { skip?: number; tookEffect?: boolean } = {},
): Promise<{ fired: () => boolean; detach: () => void }> {
  const [[, c]] = await clients([service]);
  let fired = false;
  // `skip`: let the first N calls of the command through (e.g. fail the second rename, not the first).
  let skip = opts.skip ?? 0;
  const name = `fail-${commandName}-${Math.random().toString(36).slice(2)}`;
  const mw: Mw = (next, ctx) => async (args) => {
    if (!fired && ctx.commandName === commandName && skip-- <= 0) {
      fired = true;
      if (opts.tookEffect) await next(args);
      throw Object.assign(new Error(`injected failure of ${commandName}`), { name: 'InjectedFailure', $fault: 'client' });
    }
    return next(args);
  };
  c.middlewareStack.add(mw, { step: 'initialize', name });
  return { fired: () => fired, detach: () => c.middlewareStack.remove(name) };
}

/**
 * Stand-in for SSM Automation executions, which moto does not implement:
 * StartAutomationExecution and GetAutomationExecution on the functions' SSM
 * client answer from aws-sdk-client-mock; every other SSM command (the kill
 * switch's GetParameter) still goes to moto through the real send.
 */
export async function stubAutomation(
  finalStatus: 'Success' | 'Failed' | 'TimedOut' = 'Success',
  /** One state for every read, or one answer per read in turn (the last repeats); `unreadable` fails the read. */
  opts: { calendarState?: 'OPEN' | 'CLOSED' | Array<'OPEN' | 'CLOSED' | 'unreadable'> } = {},
) {
  const { mockClient } = await import('aws-sdk-client-mock');
  const ssmSdk = await import('@aws-sdk/client-ssm');
  const { client } = await sdk.ssm();
  const realSend = ssmSdk.SSMClient.prototype.send;
  const mock = mockClient(client);
  const started: Array<Record<string, any>> = [];
  let n = 0;
  mock.on(ssmSdk.StartAutomationExecutionCommand).callsFake((input) => {
    started.push(input);
    return { AutomationExecutionId: `exec-${++n}` };
  });
  const polls = new Map<string, number>();
  mock.on(ssmSdk.GetAutomationExecutionCommand).callsFake((input) => {
    // One InProgress answer first, so the action really polls.
    const seen = (polls.get(input.AutomationExecutionId) ?? 0) + 1;
    polls.set(input.AutomationExecutionId, seen);
    return { AutomationExecution: { AutomationExecutionId: input.AutomationExecutionId, AutomationExecutionStatus: seen === 1 ? 'InProgress' : finalStatus } };
  });
  // GetCalendarState: moto lacks Change Calendar too.
  const answers = typeof opts.calendarState === 'string' ? [opts.calendarState] : (opts.calendarState ?? []);
  let reads = 0;
  if (answers.length)
    mock.on(ssmSdk.GetCalendarStateCommand).callsFake(async () => {
      const state = answers[Math.min(reads++, answers.length - 1)];
      if (state === 'unreadable') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
      return { State: state };
    });
  mock.on(ssmSdk.GetParameterCommand).callsFake((input) => (realSend as (c: unknown) => Promise<unknown>).call(client, new ssmSdk.GetParameterCommand(input)));
  return { started, calendarReads: () => reads, restore: () => mock.restore() };
}

/**
 * The JSON lines a function's logger writes while `run` runs (its level raised to INFO for the while, SILENT
 * after: test/support/quiet-logs.ts); jest's own console output, which shares stdout, is left out.
 */
export async function capturedLogs<T>(service: string, run: () => Promise<T>): Promise<{ result: T; lines: Array<Record<string, any>> }> {
  const { logger } = await import('../../functions/runtime/logger');
  const log = logger(service);
  log.setLogLevel('INFO');
  const raw: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    raw.push(String(chunk));
    return true;
  });
  try {
    const result = await run();
    return { result, lines: raw.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) };
  } finally {
    spy.mockRestore();
    log.setLogLevel('SILENT');
  }
}
