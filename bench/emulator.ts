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

/** `endpoint`: a running moto_server to use (it is reset) instead of starting one, e.g. jest's. */
export async function withSandbox<T>(fn: (s: BenchSandbox) => Promise<T>, endpoint?: string): Promise<T> {
  const sandbox = await openSandbox({ endpoint, log: () => undefined });
  process.env.MOTO_ENDPOINTS = sandbox.motoEndpoint;
  const s: BenchSandbox = {
    moto: sandbox.motoEndpoint,
    proxy: sandbox.proxy.endpoint,
    useProxy: () => {
      process.env.AWS_ENDPOINT_URL = sandbox.proxy.endpoint;
    },
  };
  try {
    return await fn(s);
  } finally {
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
