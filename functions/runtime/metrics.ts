import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * EMF metrics (Powertools Metrics): `Remediations` counted by outcome and
 * action, and `RemediationDuration` in milliseconds. Flushed at the end of each
 * invocation (EMF lines on stdout, which CloudWatch Logs turns into metrics).
 */
export const METRICS_NAMESPACE = 'RecoveryStack';

export type Outcome = 'succeeded' | 'failed' | 'skipped' | 'planned' | 'verified' | 'escalated' | 'requested';

const instances = new Map<string, Metrics>();

function metrics(service: string): Metrics {
  let m = instances.get(service);
  if (!m) {
    m = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: `recovery-${service}` });
    instances.set(service, m);
  }
  return m;
}

export function recordOutcome(service: string, o: { outcome: Outcome; action: string; playbook: string; durationMs: number }): void {
  // One EMF line per outcome with its own dimensions. Synchronous from add to publish, so
  // concurrent in-process invocations cannot interleave (publish clears the dimensions).
  const m = metrics(service);
  m.addDimension('outcome', o.outcome);
  m.addDimension('action', o.action);
  m.addMetadata('playbook', o.playbook);
  m.addMetric('RemediationDuration', MetricUnit.Milliseconds, o.durationMs);
  m.addMetric('Remediations', MetricUnit.Count, 1);
  m.publishStoredMetrics();
}

/**
 * One input rejected as malformed, foreign or not this stack's (functions/runtime/rejection.ts):
 * `Rejections` by function. Nobody is paged for these; an alarm on a rising count may be.
 */
export function recordRejection(service: string): void {
  const m = metrics(service);
  m.addDimension('function', service);
  m.addMetric('Rejections', MetricUnit.Count, 1);
  m.publishStoredMetrics();
}
