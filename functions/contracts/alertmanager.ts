import * as z from 'zod';

/**
 * Alertmanager's webhook payload, version 4 (prometheus/alertmanager
 * notify/webhook: Message{ *template.Data, Version, GroupKey, TruncatedAlerts }),
 * and the normalized fault event the webhook puts on the recovery bus
 * (source `recovery-stack`, detail-type `Alertmanager Alert`), one per alert.
 * A playbook's rule matches it on `detail.playbook` and `detail.status =
 * firing`, exactly as alarm rules match alarm names.
 */
const Labels = z.record(z.string().max(256), z.string().max(4096));

export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels.refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, { message: 'labels.alertname is required' }),
  annotations: Labels.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  /** `0001-01-01T00:00:00Z` while firing with no end known. */
  endsAt: z.string().max(64).optional(),
  generatorURL: z.string().max(2048).optional(),
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit alert fingerprint'),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

export const AlertmanagerWebhook = z.object({
  version: z.literal('4'),
  groupKey: z.string().max(4096),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(256),
  groupLabels: Labels,
  commonLabels: Labels,
  commonAnnotations: Labels,
  externalURL: z.string().max(2048),
  alerts: z.array(AlertmanagerAlert).min(1).max(500),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

export const ALERT_DETAIL_TYPE = 'Alertmanager Alert';

/** Labels the stack's PrometheusRule puts on its alerts (infra/kubernetes/prometheus-rule.ts); generic alerts may use cluster/namespace/deployment. */
export const ALERT_LABELS = { playbook: 'recovery_playbook', cluster: 'recovery_cluster', namespace: 'namespace', deployment: 'deployment' } as const;

export const AlertDetail = z.object({
  version: z.literal(1),
  status: z.enum(['firing', 'resolved']),
  alertName: z.string().min(1).max(256),
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  playbook: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/),
  /** The protected Deployment: `<cluster>/<namespace>/<name>`. */
  deployment: z.object({ cluster: z.string(), namespace: z.string(), name: z.string(), id: z.string() }),
  labels: Labels,
  annotations: Labels,
  generatorURL: z.string().optional(),
  receiver: z.string(),
});
export type AlertDetail = z.infer<typeof AlertDetail>;

/** The normalized fault event as EventBridge delivers it (what a playbook rule's `<aws.events.event.json>` holds). */
export const AlertFaultEvent = z.object({
  version: z.string().optional(),
  id: z.string(),
  'detail-type': z.literal(ALERT_DETAIL_TYPE),
  source: z.literal('recovery-stack'),
  /** Always set by EventBridge; moto's bus->SQS delivery omits it. */
  account: z.string().optional(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()).default([]),
  detail: AlertDetail,
});
export type AlertFaultEvent = z.infer<typeof AlertFaultEvent>;
