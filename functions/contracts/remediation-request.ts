import * as z from 'zod/mini';
import { AlarmStateChangeEvent } from './alarm-event';
import { AlertFaultEvent } from './alertmanager';
import { ACTION_KINDS, RUNG_NAMES } from './rungs';

/**
 * What every action function receives. The per-playbook EventBridge rule builds
 * it with an input transformer whose template is
 *   {"version":1,"playbook":<static JSON>,"rung":0,"event":<aws.events.event.json>}
 * and escalations (verifier -> next rung) put the same shape, with rung + 1 and
 * the incidentId, as the detail of a `Remediation Requested` event on the
 * recovery bus; the bus rule passes `$.detail` through unchanged.
 */
/** A playbook's name, part of its alarms' names: recovery-<stage>-<playbook>-<resource>. */
export const PlaybookName = z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'a playbook name: lowercase letters, digits, dots and dashes, at most 63'));

export const PlaybookParams = z.object({
  name: PlaybookName,
  /**
   * Rungs in order. Empty = notify-only playbook (no automated recovery for this
   * detector yet): its rule targets the notifier, which pages with the alarm.
   */
  ladder: z.array(z.enum(RUNG_NAMES as [string, ...string[]])).check(z.maxLength(5)),
  verifyAfterSeconds: z.int().check(z.minimum(0), z.maximum(900)),
});
export type PlaybookParams = z.infer<typeof PlaybookParams>;

/**
 * The fault that opened the incident: a CloudWatch alarm transition (alarm
 * rules), or an Alertmanager alert the webhook normalized onto the recovery
 * bus (Kubernetes playbook rules; functions/contracts/alertmanager.ts). Both
 * arrive with the same envelope and run through the same guards.
 */
export const FaultEvent = z.discriminatedUnion('detail-type', [AlarmStateChangeEvent, AlertFaultEvent]);
export type FaultEvent = z.infer<typeof FaultEvent>;

export const RemediationRequest = z.object({
  version: z.literal(1),
  playbook: PlaybookParams,
  rung: z.int().check(z.minimum(0), z.maximum(4)),
  incidentId: z.optional(z.string().check(z.regex(/^inc-[a-f0-9]{16}$/, 'an incident id like inc-0123456789abcdef'))),
  /**
   * Set on escalations so the recovery bus rule of each action kind can match
   * `detail.action`; when present it must equal RUNGS[ladder[rung]].action.
   */
  action: z.optional(z.enum(ACTION_KINDS)),
  /**
   * Set on escalations (functions/runtime/ladder.ts): when the next rung was
   * requested. Bounds an escalation's age as `event.time` bounds a first
   * delivery's (functions/runtime/provenance.ts); the event it carries is
   * older by the rungs before it.
   */
  requestedAt: z.optional(z.string().check(z.maxLength(64))),
  event: FaultEvent,
});
export type RemediationRequest = z.infer<typeof RemediationRequest>;

/** Builds the input transformer template for a playbook's alarm rule. */
export function alarmRuleInputTemplate(playbook: PlaybookParams): string {
  return `{"version":1,"playbook":${JSON.stringify(playbook)},"rung":0,"event":<aws.events.event.json>}`;
}
