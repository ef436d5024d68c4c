import { openSandbox } from '../scripts/drill/sandbox';

/**
 * The drill's sandbox for a bench section: moto_server plus the gap proxy that
 * answers what moto lacks (EC2 instance/volume status, AWS Health, SSM
 * Automation, Change Calendar; scripts/sandbox/aws-gaps.ts). Without the proxy
 * those calls fail against moto and the SDK's retries add seconds of backoff
 * that AWS would not. The test helpers (test/functions/stack.ts) find moto
 * through MOTO_ENDPOINTS, as under jest, so the bench seeds the stack exactly
 * the way the handler tests do; the functions' clients use `proxy`
 * (call `useProxy()` after the helpers set AWS_ENDPOINT_URL).
 */
export interface BenchSandbox {
  moto: string;
  proxy: string;
  /** Points AWS_ENDPOINT_URL (the functions' clients) at the gap proxy. */
  useProxy(): void;
}

/**
 * Services the gap proxy has no stand-in for, by the SDK's service id
 * (AWS_ENDPOINT_URL_<ID>). EC2, SSM, Health and CloudWatch (ListAlarmMuteRules)
 * stay behind the proxy.
 */
const DIRECT_TO_MOTO = ['DYNAMODB', 'EVENTBRIDGE', 'SQS', 'SNS', 'AUTO_SCALING'];

/** `endpoint`: a running moto_server to use (it is reset) instead of starting one, e.g. jest's. */
export async function withSandbox<T>(fn: (s: BenchSandbox) => Promise<T>, endpoint?: string): Promise<T> {
  const sandbox = await openSandbox({ endpoint, log: () => undefined });
  process.env.MOTO_ENDPOINTS = sandbox.motoEndpoint;
  const s: BenchSandbox = {
    moto: sandbox.motoEndpoint,
    proxy: sandbox.proxy.endpoint,
    useProxy: () => {
      process.env.AWS_ENDPOINT_URL = sandbox.proxy.endpoint;
      // The proxy only forwards these to moto: send them there directly (the SDK's per-service
      // endpoint variables), so the sandbox's extra hop is not counted as the handler's overhead.
      for (const service of DIRECT_TO_MOTO) process.env[`AWS_ENDPOINT_URL_${service}`] = sandbox.motoEndpoint;
    },
  };
  try {
    return await fn(s);
  } finally {
    for (const service of DIRECT_TO_MOTO) delete process.env[`AWS_ENDPOINT_URL_${service}`];
    await sandbox.close();
  }
}

/**
 * The handler tests route every recovery-bus event to an SQS queue to observe
 * it. moto delivers to that target synchronously inside PutEvents (~200 ms per
 * call here); EventBridge does not make the caller wait for delivery. The
 * bench observes outcomes through the handler's results and the fleet, so it
 * removes that observer rule to keep moto's delivery cost out of the numbers.
 */
export async function dropBusObserver(): Promise<void> {
  const { RemoveTargetsCommand, DeleteRuleCommand } = await import('@aws-sdk/client-eventbridge');
  const { aws, BUS } = await import('../test/functions/stack');
  const events = aws().events;
  await events.send(new RemoveTargetsCommand({ Rule: 'all-recovery-events', EventBusName: BUS, Ids: ['q'] }));
  await events.send(new DeleteRuleCommand({ Name: 'all-recovery-events', EventBusName: BUS }));
}

/**
 * `count` Auto Scaling groups of `size` members, each made by the tests'
 * createAsg, four at a time, with the image and subnet looked up once.
 * Returns every member with its group.
 */
export async function seedGroups(prefix: string, count: number, size: number): Promise<Array<{ id: string; group: string }>> {
  const { DescribeAutoScalingGroupsCommand } = await import('@aws-sdk/client-auto-scaling');
  const { aws, createAsg, imageId, subnet } = await import('../test/functions/stack');
  const a = aws();
  const [image, { subnetId }] = await Promise.all([imageId(), subnet()]);
  const out: Array<{ id: string; group: string }> = [];
  // One group at a time: moto once answered an Auto Scaling call with a 500 while four groups were
  // being created at once (a --full storm run lost its seeding), and a retry could not tell whether
  // the group was made. moto serves one call at a time anyway, so lanes saved little.
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    await createAsg(name, size, { imageId: image, subnetId });
    const g = (await a.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];
    out.push(...g.Instances!.map((m) => ({ id: m.InstanceId!, group: name })));
  }
  return out;
}

/** Alarms for many instances, a few at a time; returns instance id -> alarm name. */
export async function seedAlarms(ids: string[]): Promise<Map<string, string>> {
  const { putAlarm } = await import('../test/functions/stack');
  const out = new Map<string, string>();
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      out.set(id, await putAlarm('status', id, 'InstanceId'));
    }
  };
  await Promise.all(Array.from({ length: 4 }, lane));
  return out;
}
