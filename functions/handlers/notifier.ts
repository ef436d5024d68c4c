import * as z from 'zod/mini';
import { AlarmStateChangeEvent } from '../contracts/alarm-event';
import { AlertFaultEvent } from '../contracts/alertmanager';
import { alarmNamePrefix } from '../contracts/naming';
import { DETAIL_TYPES, NOTIFY_DETAIL_TYPES, RECOVERY_SOURCE, RecoveryEventDetail, type ResourceRef } from '../contracts/recovery-event';
import { RemediationRequest } from '../contracts/remediation-request';
import { readMode } from '../guards/kill-switch';
import { loadEnv } from '../runtime/env';
import { faultLabel, faultName, isAlert } from '../runtime/fault';
import { logger } from '../runtime/logger';
import { pageHumans, resolveClearedFault, type ClearedFault } from '../runtime/paging';
import { incidentIdOf } from '../runtime/request';
import { resolveResource } from '../runtime/resource';
import { sns } from '../runtime/sdk';
import { snsSubject } from '../runtime/sns-subject';

/**
 * The notifier hears four things:
 *
 * 1. Recovery events (the whole EventBridge event, recovery-bus notify rule):
 *    an SNS message with a readable subject and the JSON detail. `severity`
 *    (page | info) is a message attribute for subscription filters.
 * 2. The RemediationRequest of a notify-only playbook (empty ladder): its
 *    alarm rule (default bus, ALARM transitions) or, for a Kubernetes
 *    playbook, its recovery-bus rule (`recovery-<stage>-<playbook>`, firing
 *    Alertmanager alerts, infra/kubernetes) targets the notifier with the
 *    envelope every first rung gets. No automated remediation exists for that
 *    detector, so the incident is escalated to humans: `Remediation Escalated`
 *    on the recovery bus, which the paging/chat channel rules (PagerDuty,
 *    Opsgenie, Slack) and the notify rule (-> 1, email) pick up, like any
 *    escalation; filed under its fault, so 3 / 4 resolve it.
 * 3. `CloudWatch Alarm State Change` to OK of this stack's alarms (default-bus
 *    rule infra/routing/alarm-ok-rule.ts): the incidents of that alarm still
 *    open for humans (ledger `fault#<alarm>`, functions/runtime/open-escalations.ts)
 *    get `Remediation Resolved`, with the incident id the trigger used as
 *    dedup key / alias, so the channels resolve / close the page. An alarm
 *    with no open escalation (verified by the automation, never escalated,
 *    already resolved) sends nothing and says why in the log.
 * 4. A resolved `Alertmanager Alert` (recovery-bus rule `recovery-<stage>-alert-resolved`,
 *    infra/kubernetes): the same as 3 for the alert's fault
 *    (`fault#alertmanager/<alertname>/<fingerprint>`), pages of firings that
 *    began before the alert ended. The webhook puts only resolutions newer
 *    than the state it recorded (alert state is ordered), so a stale one never
 *    arrives here. A bare firing alert event is refused: firing alerts reach
 *    the notifier only as a notify-only playbook's request (2), which says
 *    its ladder is empty.
 * Races between paging and the fault clearing: functions/runtime/paging.ts.
 */
const RecoveryEvent = z.object({
  source: z.literal(RECOVERY_SOURCE),
  'detail-type': z.enum(NOTIFY_DETAIL_TYPES as [string, ...string[]]),
  detail: RecoveryEventDetail,
  time: z.optional(z.string()),
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
  | { kind: 'notify-only'; request: RemediationRequest }
  | { kind: 'alarm-ok'; event: AlarmStateChangeEvent }
  | { kind: 'alert-resolved'; event: AlertFaultEvent };

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
  const asAlert = AlertFaultEvent.safeParse(event);
  if (asAlert.success) {
    if (asAlert.data.detail.status !== 'resolved') {
      throw new Error(
        `notifier takes resolved Alertmanager alerts only (to resolve escalated incidents); alert ${asAlert.data.detail.alertName} (${asAlert.data.detail.fingerprint}) is ${asAlert.data.detail.status}` +
          ` (firing alerts of a notify-only playbook come as its rule's request, naming the empty ladder; those of a laddered playbook go to its first rung)`,
      );
    }
    return { kind: 'alert-resolved', event: asAlert.data };
  }
  const asRequest = RemediationRequest.safeParse(event);
  if (asRequest.success && asRequest.data.playbook.ladder.length === 0) return { kind: 'notify-only', request: asRequest.data };
  // Name the problems of the shape the input claims to be.
  const claims = (event as Record<string, unknown> | null)?.['detail-type'];
  const why = asRequest.success
    ? `playbook ${asRequest.data.playbook.name} has a ladder; its requests go to the action functions`
    : (claims === 'CloudWatch Alarm State Change' ? asAlarm.error! : claims === 'Alertmanager Alert' ? asAlert.error! : asEvent.error).issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
  throw new Error(
    `notifier expects a recovery-stack event (${NOTIFY_DETAIL_TYPES.join(' | ')}), a notify-only RemediationRequest, a CloudWatch alarm state change to OK or a resolved Alertmanager alert: ${why}`,
  );
}

export async function handler(event: unknown): Promise<NotifierResult> {
  const input = classify(event);
  switch (input.kind) {
    case 'message':
      return publish(input.message);
    case 'notify-only':
      return escalateNotifyOnly(input.request);
    case 'alarm-ok':
      return resolveOnOk(input.event);
    case 'alert-resolved':
      return resolveAlert(input.event);
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
 * A notify-only playbook's fault (alarm ALARM, or Alertmanager alert firing):
 * humans are the only remedy, so the incident is escalated at once and filed
 * under the fault (its OK transition / resolved alert resolves it). Both kinds
 * take the same path: one incident per alarm transition / alert firing
 * (incidentIdOf: fault name + its start), so a redelivered event pages once;
 * an event delivered after the fault already cleared (async retries reorder;
 * Alertmanager's resolution handled first) pages and resolves at once
 * (functions/runtime/paging.ts re-read).
 */
async function escalateNotifyOnly(request: RemediationRequest): Promise<NotifierResult> {
  const env = ledgerEnv();
  const ev = request.event;
  const fault = isAlert(ev) ? notifyOnlyAlert(request, ev) : notifyOnlyAlarm(env.stage, request, ev);
  const incidentId = incidentIdOf(request);
  const { mode } = await readMode(env.modeParameter, env.modeCacheSeconds ?? 10);
  const reason = `no automated remediation for this detector: playbook ${request.playbook.name} is notify-only (empty ladder); ${fault.label} is ${fault.state}; paging humans`;
  const detail: RecoveryEventDetail = {
    incidentId,
    stage: env.stage,
    playbook: request.playbook.name,
    rung: 0,
    action: NOTIFY_ONLY_ACTION,
    resource: fault.resource,
    mode,
    reason,
    evidence: fault.evidence,
    at: new Date().toISOString(),
  };
  const page = await pageHumans(env, ev, detail);
  const keys = { fault: faultName(ev), incidentId, playbook: request.playbook.name };
  if (!page.paged) {
    const why = `incident ${incidentId} of ${fault.label} was already escalated (redelivered ${fault.delivery}): not paging twice`;
    log.info('notify-only fault already escalated', { ...keys, reason: why });
    return { outcome: 'already-escalated', reason: why };
  }
  const said = page.resolved ? `${reason}; ${fault.clearedMeanwhile} by the time the page was out: resolved at once` : reason;
  log.info('notify-only fault escalated to humans', { ...keys, resource: fault.resource, reason: said });
  return { outcome: 'escalated', incidentId, reason: said };
}

/** What a notify-only escalation says about its fault. */
interface NotifyOnlyFault {
  /** functions/runtime/fault.ts faultLabel. */
  label: string;
  state: 'ALARM' | 'firing';
  resource: ResourceRef;
  evidence: Record<string, unknown>;
  /** For the duplicate's reason: what was delivered again. */
  delivery: string;
  clearedMeanwhile: string;
}

function notifyOnlyAlarm(stage: string, request: RemediationRequest, ev: AlarmStateChangeEvent): NotifyOnlyFault {
  const alarmName = ev.detail.alarmName;
  const prefix = alarmNamePrefix(stage, request.playbook.name);
  if (!alarmName.startsWith(prefix)) {
    throw new Error(`alarm ${alarmName} does not belong to playbook ${request.playbook.name} of stage ${stage} (expected prefix ${prefix})`);
  }
  if (ev.detail.state.value !== 'ALARM') throw new Error(`event.detail.state.value is ${ev.detail.state.value}; notify-only playbooks page on ALARM transitions`);
  let resource: ResourceRef;
  try {
    resource = resolveResource(ev);
  } catch (e) {
    // Log detectors watch a metric, not a resource: the alarm itself is what people look at.
    log.info('notify-only alarm names no resource; the alarm stands for it', { alarmName, note: (e as Error).message });
    resource = { type: 'alarm', id: alarmName };
  }
  return {
    label: faultLabel(ev),
    state: 'ALARM',
    resource,
    evidence: { alarmName, alarmState: 'ALARM', alarmReason: ev.detail.state.reason, alarmSince: ev.detail.state.timestamp, metrics: ev.detail.configuration.metrics },
    delivery: 'alarm event',
    clearedMeanwhile: 'the alarm was OK again',
  };
}

/**
 * A firing alert of a notify-only Kubernetes playbook (the webhook validated
 * and normalized it; its playbook rule matched detail.playbook and firing).
 */
function notifyOnlyAlert(request: RemediationRequest, ev: AlertFaultEvent): NotifyOnlyFault {
  const a = ev.detail;
  // The playbook rule matches detail.playbook: anything else was put by someone else.
  if (a.playbook !== request.playbook.name) throw new Error(`alert ${a.alertName} (${a.fingerprint}) belongs to playbook ${a.playbook}, not ${request.playbook.name}`);
  // Resolutions come as the whole event through the alert-resolved rule (4): they resolve, never page.
  if (a.status !== 'firing') throw new Error(`event.detail.status is ${a.status}; notify-only playbooks page on firing alerts (resolved ones resolve the page through rule alert-resolved)`);
  return {
    label: faultLabel(ev),
    state: 'firing',
    resource: resolveResource(ev),
    evidence: {
      alertName: a.alertName,
      fingerprint: a.fingerprint,
      alertStatus: 'firing',
      startsAt: a.startsAt,
      deployment: a.deployment,
      labels: a.labels,
      annotations: a.annotations,
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      receiver: a.receiver,
    },
    delivery: 'alert notification',
    clearedMeanwhile: 'the alert was resolved',
  };
}

/**
 * The alarm is OK: resolve its incidents still open for humans
 * (functions/runtime/paging.ts resolveClearedFault: only those that began
 * before this OK transition, each once).
 */
async function resolveOnOk(ev: AlarmStateChangeEvent): Promise<NotifierResult> {
  const env = ledgerEnv();
  const alarmName = ev.detail.alarmName;
  const ours = `recovery-${env.stage}-`;
  if (!alarmName.startsWith(ours)) throw new Error(`alarm ${alarmName} is not an alarm of stage ${env.stage} (expected prefix ${ours}); nothing of it is resolved here`);
  const okSince = ev.detail.state.timestamp;
  return resolved(
    env,
    {
      name: alarmName,
      label: faultLabel(ev),
      since: okSince,
      words: { state: 'is OK', cleared: `is OK again since ${okSince}`, news: 'OK' },
      evidence: { alarmState: 'OK', alarmReason: ev.detail.state.reason, okSince },
    },
    { alarmName },
  );
}

/**
 * The alert resolved: resolve the pages of its firings that began before it
 * ended (endsAt; startsAt when Alertmanager sent none: this firing and older).
 */
async function resolveAlert(ev: AlertFaultEvent): Promise<NotifierResult> {
  const env = ledgerEnv();
  const a = ev.detail;
  const since = a.endsAt && Number.isFinite(Date.parse(a.endsAt)) ? a.endsAt : a.startsAt;
  return resolved(
    env,
    {
      name: faultName(ev),
      label: faultLabel(ev),
      since,
      words: { state: 'is resolved', cleared: `resolved at ${since}`, news: 'resolution' },
      evidence: { alertStatus: 'resolved', alertName: a.alertName, fingerprint: a.fingerprint, startsAt: a.startsAt, endsAt: a.endsAt, playbook: a.playbook },
    },
    { fault: faultName(ev), playbook: a.playbook },
  );
}

async function resolved(env: ReturnType<typeof ledgerEnv>, c: ClearedFault, keys: Record<string, string>): Promise<NotifierResult> {
  const r = await resolveClearedFault(env, c);
  if (r.leftOpen.length) log.info('open escalations left open', { ...keys, incidentIds: r.leftOpen, reason: `they began after this clearing (${c.since})` });
  if (r.resolved.length === 0) {
    log.info('nothing to resolve', { ...keys, reason: r.reason });
    return { outcome: 'nothing-to-resolve', reason: r.reason };
  }
  log.info('escalated incidents resolved', { ...keys, incidentIds: r.resolved, reason: r.reason });
  return { outcome: 'resolved', incidentIds: r.resolved, reason: r.reason };
}
