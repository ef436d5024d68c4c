import * as z from 'zod';
import { AlarmStateChangeEvent } from '../contracts/alarm-event';
import { alarmNamePrefix } from '../contracts/naming';
import { DETAIL_TYPES, NOTIFY_DETAIL_TYPES, RECOVERY_SOURCE, RecoveryEventDetail, type ResourceRef } from '../contracts/recovery-event';
import { RemediationRequest } from '../contracts/remediation-request';
import { readMode } from '../guards/kill-switch';
import { loadEnv } from '../runtime/env';
import { isAlert } from '../runtime/fault';
import { recordDecision } from '../runtime/ledger';
import { logger } from '../runtime/logger';
import { escalationsOf, forgetEscalation, markResolved, recordEscalation, reopen } from '../runtime/open-escalations';
import { putRecoveryEvent } from '../runtime/recovery-events';
import { incidentIdOf } from '../runtime/request';
import { resolveResource } from '../runtime/resource';
import { sns } from '../runtime/sdk';
import { snsSubject } from '../runtime/sns-subject';

/**
 * The notifier hears three things:
 *
 * 1. Recovery events (the whole EventBridge event, recovery-bus notify rule):
 *    an SNS message with a readable subject and the JSON detail. `severity`
 *    (page | info) is a message attribute for subscription filters.
 * 2. The RemediationRequest of a notify-only playbook (empty ladder; its alarm
 *    rule targets the notifier): no automated remediation exists for that
 *    detector, so the incident is escalated to humans: `Remediation Escalated`
 *    on the recovery bus, which the paging/chat channel rules (PagerDuty,
 *    Opsgenie, Slack) and the notify rule (-> 1, email) pick up, like any
 *    escalation. (Alertmanager alerts of a notify-only playbook are still
 *    emailed directly: their resolution is not tracked here, and a page that
 *    nothing resolves is what this avoids.)
 * 3. `CloudWatch Alarm State Change` to OK of this stack's alarms (default-bus
 *    rule infra/routing/alarm-ok-rule.ts): the incidents of that alarm still
 *    open for humans (ledger `fault#<alarm>`, functions/runtime/open-escalations.ts)
 *    get `Remediation Resolved`, with the incident id the trigger used as
 *    dedup key / alias, so the channels resolve / close the page. An alarm
 *    with no open escalation (verified by the automation, never escalated,
 *    already resolved) sends nothing and says why in the log.
 */
const RecoveryEvent = z.object({
  source: z.literal(RECOVERY_SOURCE),
  'detail-type': z.enum(NOTIFY_DETAIL_TYPES as [string, ...string[]]),
  detail: RecoveryEventDetail,
  time: z.string().optional(),
});

const PAGE = new Set<string>([DETAIL_TYPES.escalated, DETAIL_TYPES.failed]);
/** detail.action of a notify-only escalation: no action kind ran. */
export const NOTIFY_ONLY_ACTION = 'notify-only';
const log = logger('notifier');

export type NotifierResult =
  | { outcome: 'published'; subject: string; messageId?: string }
  | { outcome: 'escalated'; incidentId: string; reason: string }
  | { outcome: 'resolved'; incidentIds: string[]; reason: string }
  | { outcome: 'nothing-to-resolve' | 'already-escalated'; reason: string };

interface Message {
  subject: string;
  body: unknown;
  severity: 'page' | 'info';
}

type Input =
  | { kind: 'message'; message: Message }
  | { kind: 'notify-only-alarm'; request: RemediationRequest & { event: AlarmStateChangeEvent } }
  | { kind: 'alarm-ok'; event: AlarmStateChangeEvent };

function classify(event: unknown): Input {
  const asEvent = RecoveryEvent.safeParse(event);
  if (asEvent.success) {
    const { detail } = asEvent.data;
    const type = asEvent.data['detail-type'];
    return {
      kind: 'message',
      message: {
        subject: snsSubject(`[recovery ${detail.stage}] ${type}: ${detail.playbook} ${detail.resource.id}${detail.reason ? ` - ${detail.reason}` : ''}`),
        body: { detailType: type, ...detail },
        severity: PAGE.has(type) ? 'page' : 'info',
      },
    };
  }
  const asAlarm = AlarmStateChangeEvent.safeParse(event);
  if (asAlarm.success) {
    if (asAlarm.data.detail.state.value !== 'OK') {
      throw new Error(`notifier takes alarm state changes to OK only (to resolve escalated incidents); ${asAlarm.data.detail.alarmName} changed to ${asAlarm.data.detail.state.value}`);
    }
    return { kind: 'alarm-ok', event: asAlarm.data };
  }
  const asRequest = RemediationRequest.safeParse(event);
  if (asRequest.success && asRequest.data.playbook.ladder.length === 0) {
    const r = asRequest.data;
    if (isAlert(r.event)) {
      const a = r.event.detail;
      return {
        kind: 'message',
        message: {
          subject: snsSubject(`[recovery] ALERT ${a.alertName} on ${a.deployment.id} (notify-only playbook ${r.playbook.name})`),
          body: { detailType: 'Alertmanager alert (notify-only playbook)', playbook: r.playbook.name, alert: a, region: r.event.region },
          severity: 'page',
        },
      };
    }
    return { kind: 'notify-only-alarm', request: { ...r, event: r.event } };
  }
  // Name the problems of the shape the input claims to be.
  const claimsAlarm = (event as Record<string, unknown> | null)?.['detail-type'] === 'CloudWatch Alarm State Change';
  const why = asRequest.success
    ? `playbook ${asRequest.data.playbook.name} has a ladder; its requests go to the action functions`
    : (claimsAlarm ? asAlarm.error! : asEvent.error).issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
  throw new Error(
    `notifier expects a recovery-stack event (${NOTIFY_DETAIL_TYPES.join(' | ')}), a notify-only RemediationRequest or a CloudWatch alarm state change to OK: ${why}`,
  );
}

export async function handler(event: unknown): Promise<NotifierResult> {
  const input = classify(event);
  switch (input.kind) {
    case 'message':
      return publish(input.message);
    case 'notify-only-alarm':
      return escalateNotifyOnly(input.request);
    case 'alarm-ok':
      return resolveOnOk(input.event);
  }
}

let topicArn: string | undefined;

async function publish(m: Message): Promise<NotifierResult> {
  topicArn ??= loadEnv(['stage', 'topicArn']).topicArn;
  const { client, sdk } = await sns();
  const out = await client.send(
    new sdk.PublishCommand({
      TopicArn: topicArn,
      Subject: m.subject,
      Message: JSON.stringify(m.body, null, 2),
      MessageAttributes: { severity: { DataType: 'String', StringValue: m.severity } },
    }),
  );
  log.info('notified', { subject: m.subject, severity: m.severity, messageId: out.MessageId });
  return { outcome: 'published', messageId: out.MessageId, subject: m.subject };
}

/** What escalating and resolving need (read at first use: the email-only path needs none of it). */
function ledgerEnv() {
  return loadEnv(['stage', 'ledgerTable', 'eventBus', 'modeParameter']);
}

/**
 * A notify-only playbook's alarm: humans are the only remedy, so the incident
 * is escalated at once and filed under the alarm (its OK transition resolves
 * it). Filed first, conditionally: a redelivered alarm event pages once; a
 * failed put undoes the filing so the retry pages.
 */
async function escalateNotifyOnly(request: RemediationRequest & { event: AlarmStateChangeEvent }): Promise<NotifierResult> {
  const env = ledgerEnv();
  const ev = request.event;
  const alarmName = ev.detail.alarmName;
  const prefix = alarmNamePrefix(env.stage, request.playbook.name);
  if (!alarmName.startsWith(prefix)) {
    throw new Error(`alarm ${alarmName} does not belong to playbook ${request.playbook.name} of stage ${env.stage} (expected prefix ${prefix})`);
  }
  if (ev.detail.state.value !== 'ALARM') throw new Error(`event.detail.state.value is ${ev.detail.state.value}; notify-only playbooks page on ALARM transitions`);
  const incidentId = incidentIdOf(request);
  let resource: ResourceRef;
  try {
    resource = resolveResource(ev);
  } catch (e) {
    // Log detectors watch a metric, not a resource: the alarm itself is what people look at.
    log.info('notify-only alarm names no resource; the alarm stands for it', { alarmName, note: (e as Error).message });
    resource = { type: 'alarm', id: alarmName };
  }
  const { mode } = await readMode(env.modeParameter, env.modeCacheSeconds ?? 10);
  const reason = `no automated remediation for this detector: playbook ${request.playbook.name} is notify-only (empty ladder); alarm ${alarmName} is ALARM; paging humans`;
  const detail: RecoveryEventDetail = {
    incidentId,
    stage: env.stage,
    playbook: request.playbook.name,
    rung: 0,
    action: NOTIFY_ONLY_ACTION,
    resource,
    mode,
    reason,
    evidence: { alarmName, alarmState: 'ALARM', alarmReason: ev.detail.state.reason, alarmSince: ev.detail.state.timestamp, metrics: ev.detail.configuration.metrics },
    at: new Date().toISOString(),
  };
  const fault = { name: alarmName, startedAt: ev.detail.state.timestamp };
  if (!(await recordEscalation(env.ledgerTable, fault, detail))) {
    const why = `incident ${incidentId} of alarm ${alarmName} was already escalated (redelivered alarm event): not paging twice`;
    log.info('notify-only alarm already escalated', { alarmName, incidentId, reason: why });
    return { outcome: 'already-escalated', reason: why };
  }
  try {
    await putRecoveryEvent(env.eventBus, DETAIL_TYPES.escalated, detail);
  } catch (e) {
    await forgetEscalation(env.ledgerTable, alarmName, incidentId).catch((undo: unknown) =>
      log.error('could not undo the escalation record; a retry will not page', { alarmName, incidentId, error: (undo as Error).message }),
    );
    throw e;
  }
  await recordDecision(env.ledgerTable, DETAIL_TYPES.escalated, detail);
  log.info('notify-only alarm escalated to humans', { alarmName, incidentId, playbook: request.playbook.name, resource, reason });
  return { outcome: 'escalated', incidentId, reason };
}

/**
 * The alarm is OK: resolve its incidents still open for humans. Only those
 * that began before this OK transition (an out-of-order OK of an earlier
 * episode must not close a newer page). Each is claimed (open -> resolved)
 * before its event is put, so concurrent deliveries resolve once; a failed
 * put reopens it for the retry.
 */
async function resolveOnOk(ev: AlarmStateChangeEvent): Promise<NotifierResult> {
  const env = ledgerEnv();
  const alarmName = ev.detail.alarmName;
  const ours = `recovery-${env.stage}-`;
  if (!alarmName.startsWith(ours)) throw new Error(`alarm ${alarmName} is not an alarm of stage ${env.stage} (expected prefix ${ours}); nothing of it is resolved here`);
  const okSince = ev.detail.state.timestamp;
  const all = await escalationsOf(env.ledgerTable, alarmName);
  const open = all.filter((x) => x.status === 'open');
  const later = open.filter((x) => Date.parse(x.faultStartedAt) > Date.parse(okSince));
  const due = open.filter((x) => !later.includes(x));
  if (due.length === 0) {
    const reason =
      all.length === 0
        ? `alarm ${alarmName} is OK; none of its incidents was escalated to humans (automated recovery verified it, or it never escalated): nothing to resolve`
        : later.length > 0
          ? `alarm ${alarmName} is OK since ${okSince}, but its open escalation(s) ${later.map((x) => x.incidentId).join(', ')} began later (an older OK delivered late): not resolving them`
          : `alarm ${alarmName} is OK; its escalated incident(s) ${all.map((x) => x.incidentId).join(', ')} are already resolved: nothing to resolve`;
    log.info('nothing to resolve', { alarmName, reason });
    return { outcome: 'nothing-to-resolve', reason };
  }
  const resolved: string[] = [];
  for (const x of due) {
    const reason = `alarm ${alarmName} is OK again since ${okSince} after incident ${x.incidentId} was escalated to humans at ${x.escalatedAt}: resolving the page`;
    const at = new Date().toISOString();
    if (!(await markResolved(env.ledgerTable, alarmName, x.incidentId, at, reason))) {
      log.info('escalation resolved meanwhile', { alarmName, incidentId: x.incidentId, reason: 'another delivery of this OK transition resolved it first' });
      continue;
    }
    const detail: RecoveryEventDetail = {
      ...x.detail,
      reason,
      evidence: { alarmState: 'OK', alarmReason: ev.detail.state.reason, okSince, escalatedAt: x.escalatedAt, escalationReason: x.detail.reason },
      at,
    };
    try {
      await putRecoveryEvent(env.eventBus, DETAIL_TYPES.resolved, detail);
    } catch (e) {
      await reopen(env.ledgerTable, alarmName, x.incidentId).catch((undo: unknown) =>
        log.error('could not reopen the escalation; a retry will not resolve it', { alarmName, incidentId: x.incidentId, error: (undo as Error).message }),
      );
      throw e;
    }
    await recordDecision(env.ledgerTable, DETAIL_TYPES.resolved, detail);
    log.info('escalated incident resolved', { alarmName, incidentId: x.incidentId, reason });
    resolved.push(x.incidentId);
  }
  const reason = resolved.length
    ? `alarm ${alarmName} is OK: resolved ${resolved.join(', ')}`
    : `alarm ${alarmName} is OK; its open escalations were resolved by another delivery meanwhile`;
  if (later.length) log.info('open escalations left open', { alarmName, incidentIds: later.map((x) => x.incidentId), reason: `they began after this OK transition (${okSince})` });
  return resolved.length ? { outcome: 'resolved', incidentIds: resolved, reason } : { outcome: 'nothing-to-resolve', reason };
}
