import * as z from 'zod/mini';
import { AlarmStateChangeEvent } from '../contracts/alarm-event';
import { ALERT_DETAIL_TYPE, AlertFaultEvent } from '../contracts/alertmanager';
import { DETAIL_TYPES, NOTIFY_DETAIL_TYPES, RECOVERY_SOURCE, RecoveryEventDetail, type ResourceRef } from '../contracts/recovery-event';
import { RemediationRequest } from '../contracts/remediation-request';
import { readMode } from '../guards/kill-switch';
import { loadEnv } from '../runtime/env';
import { faultLabel, faultName, faultState, isAlert } from '../runtime/fault';
import { logger, withLambdaContext } from '../runtime/logger';
import { pageHumans, resolveClearedFault, type ClearedFault } from '../runtime/paging';
import { printableDeep, shown } from '../runtime/printable';
import { envelopeProblems, MAX_DELIVERY_AGE_MS, provenanceProblems, type Identity } from '../runtime/provenance';
import { reject, type Rejection } from '../runtime/rejection';
import { checkEnvelope, incidentIdOf, InvalidRequest, judgeRequest } from '../runtime/request';
import { describeIssues } from '../runtime/validation';
import { NoResource, resolveResource } from '../runtime/resource';
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
  id: z.optional(z.string().check(z.maxLength(128))),
  source: z.literal(RECOVERY_SOURCE),
  'detail-type': z.enum(NOTIFY_DETAIL_TYPES as [string, ...string[]]),
  /** Set by EventBridge on every event; the recovery bus's are this stack's account and region. */
  account: z.string().check(z.maxLength(32)),
  region: z.string().check(z.maxLength(32)),
  time: z.string().check(z.maxLength(64)),
  detail: RecoveryEventDetail,
});

const PAGE = new Set<string>([DETAIL_TYPES.escalated, DETAIL_TYPES.failed]);
/** detail.action of a notify-only escalation: no action kind ran. */
export const NOTIFY_ONLY_ACTION = 'notify-only';
const log = logger('notifier');

export type NotifierResult =
  | { outcome: 'published'; subject: string; messageId?: string }
  | { outcome: 'escalated'; incidentId: string; reason: string }
  | { outcome: 'resolved'; incidentIds: string[]; reason: string }
  | { outcome: 'nothing-to-resolve' | 'already-escalated'; reason: string }
  | Rejection;

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

/** What the notifier judges its inputs against: its stage, account, region and clock. */
interface Judge {
  stage: string;
  own: Identity;
  now: number;
}

/**
 * Which of the four inputs this is, checked as strictly as the actions check
 * theirs: the shape, then that it is this stack's (account, region, recent,
 * this stage's alarm or playbook, printable). Throws InvalidRequest naming the
 * field, what was expected and what was seen.
 */
function classify(event: unknown, j: Judge): Input {
  checkEnvelope(event, 'event');
  const o = event as Record<string, unknown>;
  const claims = o['detail-type'];
  const source = o.source;
  if (source === RECOVERY_SOURCE && claims !== ALERT_DETAIL_TYPE) {
    const asEvent = RecoveryEvent.safeParse(event);
    if (!asEvent.success) throw new InvalidRequest(`invalid recovery event: ${describeIssues(asEvent.error.issues, event, { prefix: 'event' })}`);
    const e = asEvent.data;
    const problems = envelopeProblems(e, j.own, j.now, MAX_DELIVERY_AGE_MS);
    if (e.detail.stage !== j.stage) problems.push(`event.detail.stage: expected ${JSON.stringify(j.stage)} (this stack), got ${shown(e.detail.stage)}`);
    if (problems.length) throw new InvalidRequest(`not this stack's recovery event: ${problems.join('; ')}`);
    const detail = printableDeep(e.detail);
    const type = e['detail-type'];
    return {
      kind: 'message',
      message: {
        subject: snsSubject(`[recovery ${detail.stage}] ${type}: ${detail.playbook} ${detail.resource.id}${detail.reason ? ` - ${detail.reason}` : ''}`),
        body: { detailType: type, ...detail },
        severity: PAGE.has(type) ? 'page' : 'info',
      },
    };
  }
  if (claims === 'CloudWatch Alarm State Change') {
    const asAlarm = AlarmStateChangeEvent.safeParse(event);
    if (!asAlarm.success) throw new InvalidRequest(`invalid alarm state change: ${describeIssues(asAlarm.error.issues, event, { prefix: 'event' })}`);
    const ev = asAlarm.data;
    if (ev.detail.state.value !== 'OK') {
      throw new InvalidRequest(`event.detail.state.value: expected "OK" (the notifier takes alarm state changes to OK only, to resolve escalated incidents), got ${shown(ev.detail.state.value)}`);
    }
    const problems = provenanceProblems(ev, j.own, j.now, MAX_DELIVERY_AGE_MS);
    const ours = `recovery-${j.stage}-`;
    if (!ev.detail.alarmName.startsWith(ours)) problems.push(`event.detail.alarmName: expected an alarm of stage ${j.stage} (prefix ${ours}), got ${shown(ev.detail.alarmName)}`);
    if (problems.length) throw new InvalidRequest(`not this stack's alarm: ${problems.join('; ')}`);
    return { kind: 'alarm-ok', event: ev };
  }
  if (claims === ALERT_DETAIL_TYPE && source === RECOVERY_SOURCE) {
    const asAlert = AlertFaultEvent.safeParse(event);
    if (!asAlert.success) throw new InvalidRequest(`invalid Alertmanager alert event: ${describeIssues(asAlert.error.issues, event, { prefix: 'event' })}`);
    const ev = asAlert.data;
    if (ev.detail.status !== 'resolved') {
      throw new InvalidRequest(
        `event.detail.status: expected "resolved" (the notifier takes resolved Alertmanager alerts only, to resolve escalated incidents), got ${shown(ev.detail.status)}` +
          ' (firing alerts of a notify-only playbook come as its rule\'s request, naming the empty ladder; those of a laddered playbook go to its first rung)',
      );
    }
    const problems = provenanceProblems(ev, j.own, j.now, MAX_DELIVERY_AGE_MS);
    if (problems.length) throw new InvalidRequest(`not this stack's alert: ${problems.join('; ')}`);
    return { kind: 'alert-resolved', event: ev };
  }
  if (o.version !== undefined && o.playbook !== undefined) {
    const asRequest = RemediationRequest.safeParse(event);
    if (!asRequest.success) throw new InvalidRequest(`invalid notify-only request: ${describeIssues(asRequest.error.issues, event)}`);
    judgeRequest(asRequest.data, 'notify-only', j);
    return { kind: 'notify-only', request: asRequest.data };
  }
  throw new InvalidRequest(
    `event: expected a recovery-stack event (source "${RECOVERY_SOURCE}", detail-type ${NOTIFY_DETAIL_TYPES.map((t) => JSON.stringify(t)).join(' | ')}), a notify-only RemediationRequest, ` +
      `a CloudWatch alarm state change to OK or a resolved Alertmanager alert; got source ${shown(source)}, detail-type ${shown(claims)}`,
  );
}

export async function handler(event: unknown, context?: unknown): Promise<NotifierResult> {
  withLambdaContext(log, context);
  const env = loadEnv(['stage', 'account', 'region']);
  try {
    const input = classify(event, { stage: env.stage, own: { account: env.account, region: env.region }, now: Date.now() });
    switch (input.kind) {
      case 'message':
        return await publish(input.message);
      case 'notify-only':
        return await escalateNotifyOnly(input.request, event);
      case 'alarm-ok':
        return await resolveOnOk(input.event);
      case 'alert-resolved':
        return await resolveAlert(input.event);
    }
  } catch (e) {
    // Thrown before anything is told or paged (classify; a notify-only fault's resource, before its page).
    if (!(e instanceof InvalidRequest)) throw e;
    // Not ours: nobody is told or paged; logged, counted and kept once.
    return reject({ fn: 'notifier', table: env.ledgerTable, raw: event, reason: e.message });
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
async function escalateNotifyOnly(request: RemediationRequest, raw: unknown): Promise<NotifierResult> {
  const env = ledgerEnv();
  const ev = request.event;
  const fault = isAlert(ev) ? notifyOnlyAlert(ev) : notifyOnlyAlarm(ev);
  // The fault must exist (an event is a claim; the alarm, or the alert state the webhook recorded, is the
  // fact): a page for a fault this stack does not have would wake people for nothing. One that already
  // cleared still pages, and paging.ts resolves it at once.
  const now = await faultState(env.ledgerTable, ev);
  if (now.state === undefined) {
    return reject({ fn: 'notifier', table: env.ledgerTable, raw, reason: `${now.label} does not exist (${now.reason ?? 'not found'}): not a fault of this stack; nobody paged` });
  }
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

/** The playbook's prefix and the ALARM state were judged by classify (judgeRequest, notify-only). */
function notifyOnlyAlarm(ev: AlarmStateChangeEvent): NotifyOnlyFault {
  const alarmName = ev.detail.alarmName;
  let resource: ResourceRef;
  try {
    resource = resolveResource(ev);
  } catch (e) {
    // A resource id that is not one is a hostile or foreign event: refused (handler).
    if (!(e instanceof NoResource)) throw e;
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
 * and normalized it; its playbook rule matched detail.playbook and firing;
 * classify judged both again: judgeRequest, notify-only).
 */
function notifyOnlyAlert(ev: AlertFaultEvent): NotifyOnlyFault {
  const a = ev.detail;
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
  // The stage's prefix was judged by classify.
  const alarmName = ev.detail.alarmName;
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
