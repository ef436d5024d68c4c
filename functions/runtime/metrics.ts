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
  // Single-metric entries so each outcome carries its own dimensions.
  const single = metrics(service).singleMetric();
  single.addDimension('outcome', o.outcome);
  single.addDimension('action', o.action);
  single.addMetadata('playbook', o.playbook);
  single.addMetric('RemediationDuration', MetricUnit.Milliseconds, o.durationMs);
  single.addMetric('Remediations', MetricUnit.Count, 1);
  single.publishStoredMetrics();
}
