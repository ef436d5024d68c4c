import { ALERT_DETAIL_TYPE } from '../../functions/contracts/alertmanager';
import { alarmNamePrefix } from '../../functions/contracts/naming';
import { DETAIL_TYPES, NOTIFY_DETAIL_TYPES, RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import type { ActionKind } from '../../functions/contracts/rungs';

/** EventBridge event patterns, as plain objects (tests and the drill evaluate the same JSON). */
export type EventPattern = Record<string, unknown>;

/** ALARM transitions of one playbook's alarms (CloudWatch docs, "Alarm events and EventBridge"). */
export function alarmPattern(stage: string, playbook: string): EventPattern {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: {
      alarmName: [{ prefix: alarmNamePrefix(stage, playbook) }],
      state: { value: ['ALARM'] },
    },
  };
}

/**
 * OK transitions of the stack's alarms (every playbook's prefix, one rule):
 * the notifier resolves incidents of that alarm escalated to humans.
 */
export function alarmOkPattern(stage: string, playbooks: string[]): EventPattern {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: {
      alarmName: [...new Set(playbooks)].sort().map((p) => ({ prefix: alarmNamePrefix(stage, p) })),
      state: { value: ['OK'] },
    },
  };
}

/**
 * Resolved Alertmanager alerts of the stack's Kubernetes playbooks (one rule):
 * the notifier resolves incidents of that alert escalated to humans.
 */
export function alertResolvedPattern(playbooks: string[]): EventPattern {
  return { source: [RECOVERY_SOURCE], 'detail-type': [ALERT_DETAIL_TYPE], detail: { playbook: [...new Set(playbooks)].sort(), status: ['resolved'] } };
}

/** Escalations to the next rung, for one action kind. */
export function remediationRequestedPattern(action: ActionKind): EventPattern {
  return { source: [RECOVERY_SOURCE], 'detail-type': [DETAIL_TYPES.requested], detail: { action: [action] } };
}

/** Everything people should hear about. */
export function notifyPattern(): EventPattern {
  return { source: [RECOVERY_SOURCE], 'detail-type': [...NOTIFY_DETAIL_TYPES] };
}
