import * as z from 'zod/mini';

const upTo = (max: number) => z.string().check(z.maxLength(max));

/**
 * Alertmanager's webhook payload, version 4 (prometheus/alertmanager
 * notify/webhook: Message{ *template.Data, Version, GroupKey, TruncatedAlerts }),
 * and the normalized fault event the webhook puts on the recovery bus
 * (source `recovery-stack`, detail-type `Alertmanager Alert`), one per alert.
 * A playbook's rule matches it on `detail.playbook` and `detail.status =
 * firing`, exactly as alarm rules match alarm names.
 */
const Labels = z.record(upTo(256), upTo(4096));

export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels.check(z.refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, { message: 'labels.alertname is required' })),
  annotations: z._default(Labels, {}),
  startsAt: z.iso.datetime({ offset: true }),
  /** `0001-01-01T00:00:00Z` while firing with no end known. */
  endsAt: z.optional(upTo(64)),
  generatorURL: z.optional(upTo(2048)),
  fingerprint: z.string().check(z.regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit alert fingerprint')),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

export const AlertmanagerWebhook = z.object({
  version: z.literal('4'),
  groupKey: upTo(4096),
  truncatedAlerts: z._default(z.int().check(z.minimum(0)), 0),
  status: z.enum(['firing', 'resolved']),
  receiver: upTo(256),
  groupLabels: Labels,
  commonLabels: Labels,
  commonAnnotations: Labels,
  externalURL: upTo(2048),
  alerts: z.array(AlertmanagerAlert).check(z.minLength(1), z.maxLength(500)),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

export const ALERT_DETAIL_TYPE = 'Alertmanager Alert';

/** Labels the stack's PrometheusRule puts on its alerts (infra/kubernetes/prometheus-rule.ts); generic alerts may use cluster/namespace/deployment. */
export const ALERT_LABELS = { playbook: 'recovery_playbook', cluster: 'recovery_cluster', namespace: 'namespace', deployment: 'deployment' } as const;

export const AlertDetail = z.object({
  version: z.literal(1),
  status: z.enum(['firing', 'resolved']),
  alertName: z.string().check(z.minLength(1), z.maxLength(256)),
  fingerprint: z.string().check(z.regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit alert fingerprint')),
  startsAt: z.string().check(z.maxLength(64)),
  endsAt: z.optional(z.string()),
  playbook: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'a playbook name: lowercase letters, digits, dots and dashes, at most 63')),
  /** The protected Deployment: `<cluster>/<namespace>/<name>`. */
  deployment: z.object({ cluster: z.string(), namespace: z.string(), name: z.string(), id: z.string() }),
  labels: Labels,
  annotations: Labels,
  generatorURL: z.optional(z.string()),
  receiver: z.string(),
});
export type AlertDetail = z.infer<typeof AlertDetail>;

/** The normalized fault event as EventBridge delivers it (what a playbook rule's `<aws.events.event.json>` holds). */
export const AlertFaultEvent = z.object({
  version: z.optional(z.string()),
  id: z.string(),
  'detail-type': z.literal(ALERT_DETAIL_TYPE),
  source: z.literal('recovery-stack'),
  /** Always set by EventBridge (the drill fills it in where moto's bus->SQS delivery omits it). */
  account: z.string().check(z.regex(/^\d{12}$/, 'a 12-digit account id')),
  time: z.string().check(z.maxLength(64)),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')),
  resources: z._default(z.array(z.string()), []),
  detail: AlertDetail,
});
export type AlertFaultEvent = z.infer<typeof AlertFaultEvent>;
