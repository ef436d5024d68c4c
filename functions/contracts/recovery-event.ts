import * as z from 'zod/mini';

/** Events recovery-stack puts on its own bus (source `recovery-stack`). */
export const RECOVERY_SOURCE = 'recovery-stack';

export const DETAIL_TYPES = {
  requested: 'Remediation Requested',
  started: 'Remediation Started',
  succeeded: 'Remediation Succeeded',
  failed: 'Remediation Failed',
  skipped: 'Remediation Skipped',
  escalated: 'Remediation Escalated',
  verified: 'Remediation Verified',
  /**
   * The alarm of an incident escalated to humans (ladder exhausted, destructive
   * rung handed over, notify-only playbook) is OK again: paging channels resolve
   * / close what the escalation opened (same incident id = dedup key / alias).
   */
  resolved: 'Remediation Resolved',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/** Detail-types the notifier turns into messages (Requested is internal routing). */
export const NOTIFY_DETAIL_TYPES: DetailType[] = [
  DETAIL_TYPES.succeeded,
  DETAIL_TYPES.failed,
  DETAIL_TYPES.skipped,
  DETAIL_TYPES.escalated,
  DETAIL_TYPES.verified,
  DETAIL_TYPES.resolved,
];

export const ResourceRef = z.object({
  /** `alarm`: a notify-only alarm that names no resource we act on (log detectors); id = the alarm name. */
  type: z.enum(['instance', 'autoscaling-group', 'volume', 'rds-instance', 'lambda-alias', 'ecs-service', 'kubernetes-deployment', 'alarm']),
  /** Instance/volume id, ASG name, DB instance identifier, `function:alias`, `cluster/service`, `<eks-cluster>/<namespace>/<deployment>`. */
  id: z.string().check(z.minLength(1), z.maxLength(511)),
  /** Blast-radius group: ASG name, `recovery-group` tag, or `standalone`. */
  group: z.optional(z.string().check(z.maxLength(255))),
});
export type ResourceRef = z.infer<typeof ResourceRef>;

export const RecoveryEventDetail = z.object({
  incidentId: z.string(),
  stage: z.string(),
  playbook: z.string(),
  rung: z.int(),
  action: z.string(),
  resource: ResourceRef,
  mode: z.enum(['auto', 'dry-run', 'off']),
  /** Why: skip reason, failure message, escalation cause. */
  reason: z.optional(z.string()),
  evidence: z.optional(z.record(z.string(), z.unknown())),
  at: z.string(),
});
export type RecoveryEventDetail = z.infer<typeof RecoveryEventDetail>;
