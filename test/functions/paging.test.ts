import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { AlarmStateChangeEvent } from '../../functions/contracts/alarm-event';
import { ENV } from '../../functions/contracts/env';
import { DETAIL_TYPES } from '../../functions/contracts/recovery-event';
import { RemediationRequest, type PlaybookParams } from '../../functions/contracts/remediation-request';
import { handler as webhook } from '../../functions/handlers/alertmanager-webhook';
import { handler as notifier } from '../../functions/handlers/notifier';
import { handler as verifier } from '../../functions/handlers/verifier';
import { logger } from '../../functions/runtime/logger';
import * as sdk from '../../functions/runtime/sdk';
import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResult } from '../../infra/synth/types';
import { aws, createStack, incidentRecords, ledgerItems, recordActed, setAlarmState } from './stack';
import { createAlarmInAlarm, emit, okTransition, received, recreateRule, routedAlarm } from './synthesized-routes';

/**
 * Pages opened by an escalation are resolved when the fault clears, for both
 * kinds of fault and however paging and the clearing interleave.
 *
 * The synthesized dev stack (PagerDuty on, one laddered instance, a laddered
 * and a notify-only Kubernetes Deployment) is recreated in the emulator's
 * EventBridge: the default-bus alarm OK rule, the recovery-bus alert-resolved
 * rule, the Kubernetes playbook rules, the notify rule and the PagerDuty rules
 * with their input transformers. Stand-ins, for what moto lacks: every Lambda / API
 * destination target is an SQS queue (moto invokes neither); the test hands
 * the queued events to the real handlers, with moto's rendering of `time`
 * fixed as the drill fixes it (scripts/drill/eventbridge-delivery.ts).
 *
 * Interleavings are forced, not timed: `interleave` adds an SDK middleware to
 * the functions' own client that, at one chosen call (e.g. the write of the
 * escalation record), runs the other party to completion before (or after)
 * letting the call through to moto. Nothing is faked; only the order is chosen.
 */
const NS = 'recovery-stack';
const ALARM_AT = '2026-11-25T10:00:00.000+0000';
const OK_AT = '2026-11-25T11:00:00.000+0000';
const SECRET = 'a-long-shared-secret-from-pulumi';
const SECRET_PARAM = '/recovery/dev/alertmanager-webhook-secret';
const cart = { kind: 'kubernetes-deployment', cluster: 'shop-eks', namespace: 'shop', name: 'cart', podSelector: { app: 'cart' }, ladder: ['rollout-undo'] };
/** Notify-only Deployment (playbook k8s-deployment.notify: its firing alerts page humans through the notifier). */
const search = { kind: 'kubernetes-deployment', cluster: 'shop-eks', namespace: 'shop', name: 'search', podSelector: { app: 'search' }, ladder: [] };

interface Middlewared {
  middlewareStack: { add: (mw: unknown, opts: Record<string, unknown>) => void; remove: (name: string) => boolean };
}

/**
 * Runs `other` once, at the first call on `client` whose input `matches`:
 * before the call reaches the emulator, or after its answer came back.
 * Returns a function that removes the hook, and whether it fired.
 */
function interleave(client: Middlewared, at: 'before' | 'after', matches: (input: any) => boolean, other: () => Promise<void>) {
  const name = `interleave-${Math.random().toString(36).slice(2)}`;
  const state = { fired: false };
  client.middlewareStack.add(
    (next: (a: { input: unknown }) => Promise<unknown>) => async (args: { input: unknown }) => {
      const mine = !state.fired && matches(args.input);
      if (mine) state.fired = true;
      if (mine && at === 'before') await other();
      const out = await next(args);
      if (mine && at === 'after') await other();
      return out;
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return { state, remove: () => client.middlewareStack.remove(name) };
}

describe('pages resolve when the fault clears, however paging and the clearing interleave', () => {
  let stack: SynthResult;

  beforeAll(async () => {
    stack = await synthesize({
      stack: 'dev',
      config: {
        [`${NS}:notifications`]: { emails: [], pagerDutyRoutingKey: { secure: 'v1:pd' } },
        [`${NS}:targets`]: [{ kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['reboot', 'replace-instance'] }, { kind: 'rds-instance', identifier: 'orders-db' }, cart, search],
        [`${NS}:alertmanager`]: { webhookSecret: SECRET },
      },
    });
  }, 240_000);

  // The stack's routes in the emulator (test/functions/synthesized-routes.ts).
  const recreate = (ruleName: string) => recreateRule(stack, ruleName);
  const okEvent = (e: AlarmStateChangeEvent) => okTransition(e, OK_AT);
  const alarmOf = (notifyOnly: boolean) => routedAlarm(stack, notifyOnly, ALARM_AT);
  const createAlarm = createAlarmInAlarm;

  /**
   * The verifier's message for the last rung of `playbook` (verification finds the fault still bad -> ladder exhausted),
   * once that rung's action has recorded that it acted.
   */
  const lastRung = async (playbook: PlaybookParams, event: unknown, incidentId: string, messageId = 'm1') => (
    await recordActed(incidentId, playbook.ladder.length - 1),
    {
    Records: [
      {
        messageId,
        body: JSON.stringify({ request: { version: 1, playbook, rung: playbook.ladder.length - 1, incidentId, event }, actedAt: new Date().toISOString() }),
        attributes: { ApproximateReceiveCount: '1' },
      },
    ],
  });

  /** The alarm goes OK and CloudWatch's OK event reaches the notifier through the OK rule (what the other party does). */
  async function alarmClears(alarmName: string, event: AlarmStateChangeEvent, outcomes: unknown[]) {
    await setAlarmState(alarmName, 'OK');
    await emit(okEvent(event));
    for (const ok of await received(queues.ok)) outcomes.push(await notifier(ok));
  }

  const escalationRecords = async () => (await ledgerItems('fault#')).map((i) => ({ fault: String(i.pk).slice('fault#'.length), incidentId: i.incidentId, status: i.status }));

  let queues: Record<'ok' | 'alertResolved' | 'k8s' | 'k8sNotify' | 'notify' | 'trigger' | 'resolve', string>;
  let docs: Middlewared;
  let bus: Middlewared;
  const hooks: Array<() => unknown> = [];

  beforeEach(async () => {
    await createStack();
    logger('notifier').setLogLevel('SILENT');
    logger('paging').setLogLevel('SILENT');
    // The synthesized dev stack's names: its stage and its recovery bus.
    Object.assign(process.env, { [ENV.stage]: 'dev', [ENV.eventBus]: 'recovery-dev', [ENV.modeParameter]: '/recovery/test/mode', [ENV.webhookSecretParameter]: SECRET_PARAM });
    await aws().ssm.send(new PutParameterCommand({ Name: SECRET_PARAM, Type: 'SecureString', Value: SECRET, Overwrite: true }));
    queues = {
      ok: await recreate('recovery-dev-alarm-ok'),
      alertResolved: await recreate('recovery-dev-alert-resolved'),
      k8s: await recreate('recovery-dev-k8s-deployment.rollout-undo'),
      // The notify-only playbook's rule: its target is the notifier (an SQS stand-in here, like every Lambda target).
      k8sNotify: await recreate('recovery-dev-k8s-deployment.notify'),
      notify: await recreate('recovery-dev-notify'),
      trigger: await recreate('recovery-dev-pagerduty-trigger'),
      resolve: await recreate('recovery-dev-pagerduty-resolve'),
    };
    docs = (await sdk.documentClient()).client as unknown as Middlewared;
    bus = (await sdk.events()).client as unknown as Middlewared;
  });
  afterEach(() => {
    for (const remove of hooks.splice(0)) remove();
  });
  const hook = (...a: Parameters<typeof interleave>) => {
    const h = interleave(...a);
    hooks.push(h.remove);
    return h.state;
  };
  /** Every recovery event (pages, resolves) the functions put on the bus, in order, as [detail-type, incident id] (recorded once the put was accepted). */
  const busLog = () => {
    const puts: Array<[string, string]> = [];
    const name = `bus-log-${Math.random().toString(36).slice(2)}`;
    bus.middlewareStack.add(
      (next: (a: { input: any }) => Promise<unknown>) => async (args: { input: any }) => {
        const out = await next(args);
        for (const e of args.input?.Entries ?? []) if (String(e.DetailType).startsWith('Remediation ')) puts.push([e.DetailType, JSON.parse(e.Detail).incidentId]);
        return out;
      },
      { step: 'initialize', name, priority: 'low' },
    );
    hooks.push(() => bus.middlewareStack.remove(name));
    return puts;
  };
  /** The paging function's write of `open` (after its Escalated put). */
  const opening = (i: any) => String(i?.UpdateExpression ?? '').startsWith('SET #s = :open,');
  const escalatedPut = (i: any) => i?.Entries?.[0]?.DetailType === DETAIL_TYPES.escalated;
  /** Stand-in for the function dying there (Lambda timeout, crash): the call never reaches the emulator, nothing after it runs. */
  const dies = async () => {
    throw new Error('Task timed out (the paging function dies here)');
  };

  // ---------- Alertmanager faults ----------

  /** One alert of a Deployment: the laddered `cart` (playbook k8s-deployment.rollout-undo) unless told otherwise. */
  interface AlertOf {
    deployment: string;
    playbook: string;
    fingerprint: string;
    startsAt: string;
    endsAt: string;
  }
  const CART: AlertOf = { deployment: 'cart', playbook: 'k8s-deployment.rollout-undo', fingerprint: '0f3b6c1d2e4a5b69', startsAt: '2026-11-25T10:00:00.000Z', endsAt: '2026-11-25T10:09:00.000Z' };
  const alertPayload = (status: 'firing' | 'resolved', of: AlertOf = CART) => ({
    version: '4',
    groupKey: `{}/{recovery_playbook="${of.playbook}"}:{alertname="RecoveryDeploymentUnavailable"}`,
    truncatedAlerts: 0,
    status,
    receiver: `shop/recovery-dev-${of.deployment}/recovery-stack`,
    groupLabels: { alertname: 'RecoveryDeploymentUnavailable' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring:9093',
    alerts: [
      {
        status,
        labels: { alertname: 'RecoveryDeploymentUnavailable', namespace: 'shop', deployment: of.deployment, recovery_playbook: of.playbook, recovery_cluster: 'shop-eks' },
        annotations: { summary: `shop/${of.deployment} has unavailable replicas` },
        startsAt: of.startsAt,
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : of.endsAt,
        fingerprint: of.fingerprint,
      },
    ],
  });
  const post = async (status: 'firing' | 'resolved', of: AlertOf = CART) => {
    const res = await webhook({ headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify(alertPayload(status, of)), requestContext: { http: { method: 'POST' } } });
    expect(res.statusCode).toBe(202);
    return JSON.parse(res.body) as { accepted: number; stale?: unknown[] };
  };
  /** The firing alert as its playbook rule hands it to the first rung (the synthesized input transformer's envelope). */
  async function firingAlert(): Promise<RemediationRequest> {
    await post('firing');
    const [envelope] = await received(queues.k8s);
    return RemediationRequest.parse(envelope);
  }
  const ALERT_FAULT = 'alertmanager/RecoveryDeploymentUnavailable/0f3b6c1d2e4a5b69';

  it('alert: ladder exhausted -> trigger; Alertmanager resolves the alert -> resolve with the same dedup key, once', async () => {
    // Prepare: the alert fires; after the last rung the verifier still sees it firing -> Escalated.
    const req = await firingAlert();
    expect(await verifier(await lastRung(req.playbook, req.event, 'inc-00000000000000a1'))).toEqual({ batchItemFailures: [] });
    const [trigger] = await received(queues.trigger);
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: 'inc-00000000000000a1' });

    // Act: Alertmanager posts the resolution (twice: it retries), each routed by the alert-resolved rule to the notifier.
    await post('resolved');
    await post('resolved');
    const delivered = await received(queues.alertResolved);
    const outcomes = [];
    for (const d of delivered) outcomes.push(await notifier(d));

    // Assess
    expect(delivered.map((d) => [d['detail-type'], d.detail.status])).toEqual([
      ['Alertmanager Alert', 'resolved'],
      ['Alertmanager Alert', 'resolved'],
    ]);
    expect(outcomes).toEqual([
      { outcome: 'resolved', incidentIds: ['inc-00000000000000a1'], reason: `alert RecoveryDeploymentUnavailable (0f3b6c1d2e4a5b69) on shop-eks/shop/cart is resolved: resolved inc-00000000000000a1` },
      { outcome: 'nothing-to-resolve', reason: expect.stringMatching(/are already resolved: nothing to resolve$/) },
    ]);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: trigger.dedup_key }]);
    const notified = await received(queues.notify);
    expect(notified.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
    expect(notified[1].detail).toMatchObject({
      incidentId: 'inc-00000000000000a1',
      resource: { type: 'kubernetes-deployment', id: 'shop-eks/shop/cart' },
      reason: expect.stringContaining('resolved at 2026-11-25T10:09:00.000Z after incident inc-00000000000000a1 was escalated'),
      evidence: expect.objectContaining({ alertStatus: 'resolved', fingerprint: '0f3b6c1d2e4a5b69' }),
    });
    expect(await escalationRecords()).toEqual([{ fault: ALERT_FAULT, incidentId: 'inc-00000000000000a1', status: 'resolved' }]);
    expect((await incidentRecords('inc-00000000000000a1')).map((r) => r.detailType).sort()).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved, DETAIL_TYPES.succeeded]);
  });

  it('alert: a resolution with no escalated incident sends nothing', async () => {
    // Prepare: the alert fires and resolves; nothing was escalated (e.g. the rollback was verified).
    await firingAlert();
    await post('resolved');
    const [delivered] = await received(queues.alertResolved);
    // Act
    const out = await notifier(delivered);
    // Assess
    expect(out).toEqual({
      outcome: 'nothing-to-resolve',
      reason:
        'alert RecoveryDeploymentUnavailable (0f3b6c1d2e4a5b69) on shop-eks/shop/cart is resolved; none of its incidents was escalated to humans (automated recovery verified it, or it never escalated): nothing to resolve',
    });
    expect(await received(queues.resolve)).toEqual([]);
    expect(await received(queues.trigger)).toEqual([]);
    expect((await received(queues.notify)).map((e) => e['detail-type'])).toEqual([]);
  });

  it('alert: resolved after the verifier read it firing, before the escalation was filed -> the verifier resolves its own page', async () => {
    // Prepare: the alert fires; the resolution arrives (webhook -> rule -> notifier) just before the verifier files its escalation.
    const req = await firingAlert();
    const notifierSaw: unknown[] = [];
    const fired = hook(docs, 'before', (i) => String(i?.Item?.sk ?? '').startsWith('escalation#'), async () => {
      await post('resolved');
      for (const d of await received(queues.alertResolved)) notifierSaw.push(await notifier(d));
    });
    // Act
    const out = await verifier(await lastRung(req.playbook, req.event, 'inc-00000000000000a2'));
    // Assess: the notifier had nothing to resolve; the verifier's re-read after paging resolved it; one trigger, one resolve, same key.
    expect(out).toEqual({ batchItemFailures: [] });
    expect(fired.fired).toBe(true);
    expect(notifierSaw).toEqual([{ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/none of its incidents was escalated/) }]);
    expect((await received(queues.trigger)).map((t) => [t.event_action, t.dedup_key])).toEqual([['trigger', 'inc-00000000000000a2']]);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: 'inc-00000000000000a2' }]);
    const notified = await received(queues.notify);
    expect(notified.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
    expect(notified[1].detail.reason).toMatch(/^alert RecoveryDeploymentUnavailable \(0f3b6c1d2e4a5b69\) on shop-eks\/shop\/cart cleared while incident inc-00000000000000a2 was being escalated/);
    expect(await escalationRecords()).toEqual([{ fault: ALERT_FAULT, incidentId: 'inc-00000000000000a2', status: 'resolved' }]);
  });

  it('alert: a firing alert handed to the notifier is refused with the reason (the rule routes resolutions only)', async () => {
    // Prepare: a firing alert event as the bus carries it.
    const req = await firingAlert();
    // Act
    const out = await notifier(req.event);
    // Assess
    expect(out).toEqual({
      outcome: 'rejected',
      reason: expect.stringContaining('event.detail.status: expected "resolved" (the notifier takes resolved Alertmanager alerts only, to resolve escalated incidents), got "firing"'),
    });
    expect(await escalationRecords()).toEqual([]);
    expect(await received(queues.notify)).toEqual([]);
  });

  // ---------- Alertmanager faults of a notify-only playbook (ladder []): the notifier pages ----------

  const SEARCH: AlertOf = { deployment: 'search', playbook: 'k8s-deployment.notify', fingerprint: '5a7c9e1b3d5f7a92', startsAt: '2026-11-25T10:00:00.000Z', endsAt: '2026-11-25T10:09:00.000Z' };
  const SEARCH_FAULT = 'alertmanager/RecoveryDeploymentUnavailable/5a7c9e1b3d5f7a92';
  const SEARCH_LABEL = 'alert RecoveryDeploymentUnavailable (5a7c9e1b3d5f7a92) on shop-eks/shop/search';
  /** Alertmanager posts the firing alert; the notify-only playbook rule hands its envelope to the notifier. */
  async function notifyOnlyFiring(of: AlertOf = SEARCH): Promise<RemediationRequest> {
    await post('firing', of);
    const [envelope] = await received(queues.k8sNotify);
    return RemediationRequest.parse(envelope);
  }
  /** Alertmanager posts the resolution; what the alert-resolved rule hands to the notifier. */
  async function notifyOnlyResolved(of: AlertOf = SEARCH): Promise<any[]> {
    await post('resolved', of);
    return received(queues.alertResolved);
  }
  const handAll = async (events: unknown[]) => {
    const outcomes: unknown[] = [];
    for (const e of events) outcomes.push(await notifier(e));
    return outcomes;
  };

  it('notify-only alert: firing -> one page (a duplicate firing does not page again); resolved -> one resolve, same dedup key', async () => {
    // Prepare: the alert fires; Alertmanager posts it again (repeat / retry) before it resolves.
    const first = await notifyOnlyFiring();
    const again = await notifyOnlyFiring();
    // Act: both firing deliveries, then the resolution posted twice (Alertmanager retries), each as its rule delivers it.
    const paged = await handAll([first, again]);
    const cleared = await handAll([...(await notifyOnlyResolved()), ...(await notifyOnlyResolved())]);
    // Assess
    expect(first.playbook).toEqual(expect.objectContaining({ name: 'k8s-deployment.notify', ladder: [] }));
    const incidentId = (paged[0] as { incidentId: string }).incidentId;
    const reason = `no automated remediation for this detector: playbook k8s-deployment.notify is notify-only (empty ladder); ${SEARCH_LABEL} is firing; paging humans`;
    expect(paged).toEqual([
      { outcome: 'escalated', incidentId: expect.stringMatching(/^inc-[0-9a-f]{16}$/), reason },
      { outcome: 'already-escalated', reason: `incident ${incidentId} of ${SEARCH_LABEL} was already escalated (redelivered alert notification): not paging twice` },
    ]);
    expect(cleared).toEqual([
      { outcome: 'resolved', incidentIds: [incidentId], reason: `${SEARCH_LABEL} is resolved: resolved ${incidentId}` },
      { outcome: 'nothing-to-resolve', reason: expect.stringMatching(/are already resolved: nothing to resolve$/) },
    ]);
    // The PagerDuty rule's own input transformer rendered the trigger (what the API destination would POST).
    expect(await received(queues.trigger)).toEqual([
      expect.objectContaining({
        event_action: 'trigger',
        dedup_key: incidentId,
        payload: expect.objectContaining({ source: 'shop-eks/shop/search', component: 'shop-eks/shop/search', group: 'k8s-deployment.notify', class: 'notify-only' }),
      }),
    ]);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: incidentId }]);
    const notified = await received(queues.notify);
    expect(notified.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
    expect(notified[0].detail).toMatchObject({
      incidentId,
      stage: 'dev',
      playbook: 'k8s-deployment.notify',
      rung: 0,
      action: 'notify-only',
      resource: { type: 'kubernetes-deployment', id: 'shop-eks/shop/search' },
      reason,
      evidence: { alertName: 'RecoveryDeploymentUnavailable', fingerprint: '5a7c9e1b3d5f7a92', alertStatus: 'firing', startsAt: SEARCH.startsAt, annotations: { summary: 'shop/search has unavailable replicas' } },
    });
    expect(notified[1].detail).toMatchObject({ incidentId, reason: expect.stringContaining(`resolved at ${SEARCH.endsAt} after incident ${incidentId} was escalated`) });
    expect(await escalationRecords()).toEqual([{ fault: SEARCH_FAULT, incidentId, status: 'resolved' }]);
    expect((await incidentRecords(incidentId)).map((r) => r.detailType).sort()).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
  });

  it('notify-only alert: a resolution of an earlier firing, delivered after the next firing paged, resolves only the earlier page', async () => {
    // Prepare: firing 1 (10:00) pages; it resolves at 10:09, but that delivery is held back (EventBridge retries);
    // the alert fires again at 10:20 (same fingerprint, new startsAt) and pages again.
    const second: AlertOf = { ...SEARCH, startsAt: '2026-11-25T10:20:00.000Z', endsAt: '2026-11-25T10:29:00.000Z' };
    const [p1] = await handAll([await notifyOnlyFiring()]);
    const late = await notifyOnlyResolved();
    const [p2] = await handAll([await notifyOnlyFiring(second)]);
    const [a, b] = [p1, p2].map((p) => (p as { incidentId: string }).incidentId);
    // Act: the held-back resolution of firing 1 arrives; then firing 2 resolves.
    const [old] = await handAll(late);
    const pagesAfterOld = await received(queues.resolve);
    const [now] = await handAll(await notifyOnlyResolved(second));
    // Assess
    expect([p1, p2]).toEqual([expect.objectContaining({ outcome: 'escalated' }), expect.objectContaining({ outcome: 'escalated' })]);
    expect(a).not.toEqual(b);
    expect(old).toEqual({ outcome: 'resolved', incidentIds: [a], reason: `${SEARCH_LABEL} is resolved: resolved ${a}` });
    expect(pagesAfterOld).toEqual([{ event_action: 'resolve', dedup_key: a }]);
    expect(now).toEqual({ outcome: 'resolved', incidentIds: [b], reason: `${SEARCH_LABEL} is resolved: resolved ${b}` });
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual([a, b]);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: b }]);
    expect(await escalationRecords()).toEqual(expect.arrayContaining([
      { fault: SEARCH_FAULT, incidentId: a, status: 'resolved' },
      { fault: SEARCH_FAULT, incidentId: b, status: 'resolved' },
    ]));
  });

  it('notify-only alert: a resolution older than the only open page (delivered late) leaves it open', async () => {
    // Prepare: firing 1 resolves (nothing paged yet for it: its firing delivery is lost to the DLQ); firing 2 (10:20) pages.
    const second: AlertOf = { ...SEARCH, startsAt: '2026-11-25T10:20:00.000Z', endsAt: '2026-11-25T10:29:00.000Z' };
    await notifyOnlyFiring();
    const late = await notifyOnlyResolved();
    const [p2] = await handAll([await notifyOnlyFiring(second)]);
    const b = (p2 as { incidentId: string }).incidentId;
    // Act
    const [old] = await handAll(late);
    // Assess
    expect(old).toEqual({
      outcome: 'nothing-to-resolve',
      reason: `${SEARCH_LABEL} is resolved since ${SEARCH.endsAt}, but its open escalation(s) ${b} began later (an older resolution delivered late): not resolving them`,
    });
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual([b]);
    expect(await received(queues.resolve)).toEqual([]);
    expect(await escalationRecords()).toEqual([{ fault: SEARCH_FAULT, incidentId: b, status: 'open' }]);
  });

  it('notify-only alert: resolved while the notifier pages it (before the filing) -> the notifier re-reads and resolves its own page, once', async () => {
    // Prepare: the resolution is posted and handled (webhook -> rule -> notifier) just before the page is filed.
    const firing = await notifyOnlyFiring();
    const meanwhile: unknown[] = [];
    const fired = hook(docs, 'before', (i) => String(i?.Item?.sk ?? '').startsWith('escalation#'), async () => {
      meanwhile.push(...(await handAll(await notifyOnlyResolved())));
    });
    // Act
    const out = await notifier(firing);
    // Assess
    expect(fired.fired).toBe(true);
    expect(meanwhile).toEqual([{ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/none of its incidents was escalated/) }]);
    expect(out).toMatchObject({ outcome: 'escalated', reason: expect.stringMatching(/; the alert was resolved by the time the page was out: resolved at once$/) });
    const incidentId = (out as { incidentId: string }).incidentId;
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual([incidentId]);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: incidentId }]);
    const notified = await received(queues.notify);
    expect(notified.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
    expect(notified[1].detail).toMatchObject({ reason: expect.stringMatching(new RegExp(`^${SEARCH_LABEL.replace(/[()]/g, '\\$&')} cleared while incident ${incidentId} was being escalated`)), evidence: { resolvedBy: 'paging re-read' } });
    expect(await escalationRecords()).toEqual([{ fault: SEARCH_FAULT, incidentId, status: 'resolved' }]);
  });

  it('notify-only alert: the notifier dies after paging; the resolution resolves the pending filing; the retried firing does not page again', async () => {
    // Prepare: the firing's page goes out and the notifier dies before marking it open (Lambda retries the event later).
    const firing = await notifyOnlyFiring();
    const puts = busLog();
    const died = hook(docs, 'before', opening, dies);
    const first = await notifier(firing).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    const cleared = await handAll(await notifyOnlyResolved());
    // Act: Lambda's async retry hands the same firing event to the notifier again.
    const again = await notifier(firing);
    // Assess
    expect(died.fired).toBe(true);
    expect(first).toMatch(/Task timed out/);
    const incidentId = puts[0][1];
    expect(puts).toEqual([
      [DETAIL_TYPES.escalated, incidentId],
      [DETAIL_TYPES.resolved, incidentId],
      [DETAIL_TYPES.resolved, incidentId],
    ]);
    expect(cleared).toEqual([{ outcome: 'resolved', incidentIds: [incidentId], reason: `${SEARCH_LABEL} is resolved: resolved ${incidentId}` }]);
    expect(again).toEqual({ outcome: 'already-escalated', reason: `incident ${incidentId} of ${SEARCH_LABEL} was already escalated (redelivered alert notification): not paging twice` });
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual([incidentId]);
    expect((await received(queues.resolve)).map((r) => r.dedup_key)).toEqual([incidentId, incidentId]);
    expect(await escalationRecords()).toEqual([{ fault: SEARCH_FAULT, incidentId, status: 'resolved' }]);
  });

  it('notify-only alert: what no rule sends is refused with the reason, and nothing pages', async () => {
    // Prepare: the notify-only playbook's firing envelope, and variants of it no rule produces.
    const firing = await notifyOnlyFiring();
    const laddered = await firingAlert();
    const resolvedInside = { ...firing, event: { ...firing.event, detail: { ...firing.event.detail, status: 'resolved', endsAt: SEARCH.endsAt } } };
    const otherPlaybook = { ...firing, playbook: { ...firing.playbook, name: 'k8s-deployment.other' } };
    // Act
    const outs = await Promise.all([notifier(firing.event), notifier(resolvedInside), notifier(otherPlaybook), notifier(laddered)]);
    // Assess: each refused, none acted on, each with its reason.
    expect(outs.map((o) => o.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(outs.map((o) => (o as { reason: string }).reason)).toEqual([
      expect.stringContaining(`event.detail.status: expected "resolved" (the notifier takes resolved Alertmanager alerts only, to resolve escalated incidents), got "firing" (firing alerts of a notify-only playbook come as its rule's request`),
      'event.detail.status: expected "firing" (only firing alerts are remediated or paged), got "resolved"',
      'event.detail.playbook: expected "k8s-deployment.other" (the request\'s playbook), got "k8s-deployment.notify"',
      expect.stringContaining('playbook.ladder: expected an empty ladder (notify-only playbook), got 1 rung(s); its requests go to the action functions'),
    ]);
    // Each kept once in the ledger, under the notifier.
    expect((await ledgerItems('rejected#notifier')).map((i) => i.reason).sort()).toEqual(outs.map((o) => (o as { reason: string }).reason).sort());
    expect(await escalationRecords()).toEqual([]);
    expect(await received(queues.trigger)).toEqual([]);
    expect(await received(queues.notify)).toEqual([]);
  });

  // ---------- CloudWatch alarm faults: the three places the OK can fall ----------

  async function laddered() {
    const a = alarmOf(false);
    await createAlarm(a.alarmName, a.dims);
    return a;
  }

  it('alarm OK after the verifier read ALARM, before the escalation was filed: the notifier finds nothing, the verifier resolves', async () => {
    // Prepare
    const { alarmName, playbook, event } = await laddered();
    const notifierSaw: unknown[] = [];
    const fired = hook(docs, 'before', (i) => String(i?.Item?.sk ?? '').startsWith('escalation#'), () => alarmClears(alarmName, event, notifierSaw));
    // Act
    const out = await verifier(await lastRung(playbook, event, 'inc-00000000000000b1'));
    // Assess
    expect(out).toEqual({ batchItemFailures: [] });
    expect(fired.fired).toBe(true);
    expect(notifierSaw).toEqual([{ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/none of its incidents was escalated to humans/) }]);
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000b1']);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: 'inc-00000000000000b1' }]);
    const notified = await received(queues.notify);
    expect(notified.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
    expect(notified[1].detail).toMatchObject({ reason: expect.stringMatching(new RegExp(`^alarm ${alarmName} cleared while incident inc-00000000000000b1 was being escalated`)), evidence: { resolvedBy: 'paging re-read' } });
    expect(await escalationRecords()).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000b1', status: 'resolved' }]);
    expect((await incidentRecords('inc-00000000000000b1')).map((r) => r.detailType).sort()).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved, DETAIL_TYPES.succeeded]);
  });

  it('alarm OK while the page is being sent (filed, not yet open): the notifier resolves the pending filing; the pager, finding it resolved, resolves again after its trigger', async () => {
    // Prepare: the OK is handled right after Escalated is put, before the record is marked open.
    const { alarmName, playbook, event } = await laddered();
    const puts = busLog();
    const notifierSaw: unknown[] = [];
    const fired = hook(bus, 'after', escalatedPut, () => alarmClears(alarmName, event, notifierSaw));
    // Act
    await verifier(await lastRung(playbook, event, 'inc-00000000000000b2'));
    // Assess: the notifier cannot tell whether the page is out, so it resolves; the pager resolves once more (its trigger may have followed that resolve).
    expect(fired.fired).toBe(true);
    expect(puts).toEqual([
      [DETAIL_TYPES.escalated, 'inc-00000000000000b2'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000b2'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000b2'],
    ]);
    expect(notifierSaw).toEqual([{ outcome: 'resolved', incidentIds: ['inc-00000000000000b2'], reason: `alarm ${alarmName} is OK: resolved inc-00000000000000b2` }]);
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000b2']);
    expect(await received(queues.resolve)).toEqual([
      { event_action: 'resolve', dedup_key: 'inc-00000000000000b2' },
      { event_action: 'resolve', dedup_key: 'inc-00000000000000b2' },
    ]);
    const notified = await received(queues.notify);
    expect(notified.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved, DETAIL_TYPES.resolved]);
    expect(notified[1].detail).toMatchObject({
      reason: expect.stringMatching(/while incident inc-00000000000000b2 was being escalated to humans \(its page may not be out yet\): resolving it/),
      evidence: expect.objectContaining({ escalationStatus: 'pending', alarmState: 'OK' }),
    });
    expect(notified[2].detail).toMatchObject({ reason: expect.stringMatching(/it may have gone out after that resolve\): resolving again$/), evidence: expect.objectContaining({ resolvedBy: 'paging, late' }) });
    expect(await escalationRecords()).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000b2', status: 'resolved' }]);
  });

  it('alarm OK while the page is being sent, and ALARM again before the pager goes on: the page of the cleared episode still ends resolved, after its trigger', async () => {
    // Prepare: right after Escalated is put, the alarm goes OK (handled by the notifier) and then ALARM again
    // (a new episode: its own ALARM event and incident, not followed here), so a re-read would find ALARM.
    const { alarmName, playbook, event } = await laddered();
    const puts = busLog();
    const notifierSaw: unknown[] = [];
    const fired = hook(bus, 'after', escalatedPut, async () => {
      await alarmClears(alarmName, event, notifierSaw);
      await setAlarmState(alarmName, 'ALARM');
    });
    // Act
    const out = await verifier(await lastRung(playbook, event, 'inc-00000000000000b5'));
    // Assess: a Resolved put after the Escalated put, so the page does not stay open.
    expect(out).toEqual({ batchItemFailures: [] });
    expect(fired.fired).toBe(true);
    expect(puts[0]).toEqual([DETAIL_TYPES.escalated, 'inc-00000000000000b5']);
    expect(puts.slice(1)).toEqual([
      [DETAIL_TYPES.resolved, 'inc-00000000000000b5'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000b5'],
    ]);
    expect(notifierSaw).toEqual([{ outcome: 'resolved', incidentIds: ['inc-00000000000000b5'], reason: `alarm ${alarmName} is OK: resolved inc-00000000000000b5` }]);
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000b5']);
    expect((await received(queues.resolve)).map((r) => r.dedup_key)).toEqual(['inc-00000000000000b5', 'inc-00000000000000b5']);
    expect(await escalationRecords()).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000b5', status: 'resolved' }]);
  });

  it('alarm: the verifier dies after its page went out, before marking it open (no retry finishes); the OK resolves it, once', async () => {
    // Prepare: the page goes out, then the verifier dies before the record is marked open: it stays pending.
    const { alarmName, playbook, event } = await laddered();
    const puts = busLog();
    const died = hook(docs, 'before', opening, dies);
    const out = await verifier(await lastRung(playbook, event, 'inc-00000000000000c1'));
    const stuck = await escalationRecords();
    // Act: the alarm goes OK; CloudWatch's OK event is delivered twice (EventBridge at-least-once).
    const outcomes: unknown[] = [];
    await alarmClears(alarmName, event, outcomes);
    outcomes.push(await notifier(okEvent(event)));
    // Assess: exactly one Resolved, after the trigger; the duplicate OK sends nothing.
    expect(died.fired).toBe(true);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(stuck).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000c1', status: 'pending' }]);
    expect(puts).toEqual([
      [DETAIL_TYPES.escalated, 'inc-00000000000000c1'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000c1'],
    ]);
    expect(outcomes).toEqual([
      { outcome: 'resolved', incidentIds: ['inc-00000000000000c1'], reason: `alarm ${alarmName} is OK: resolved inc-00000000000000c1` },
      { outcome: 'nothing-to-resolve', reason: expect.stringMatching(/inc-00000000000000c1 are already resolved: nothing to resolve$/) },
    ]);
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000c1']);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: 'inc-00000000000000c1' }]);
    expect(await escalationRecords()).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000c1', status: 'cleared-while-pending' }]);
    // The audit trail has the page although the verifier died at `open`: its record goes with that write.
    expect((await incidentRecords('inc-00000000000000c1')).map((r) => r.detailType).sort()).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved, DETAIL_TYPES.succeeded]);
  });

  it('alarm: the verifier dies after paging; the OK resolves the pending filing; ALARM again and the verification redelivered: no second page, none left open', async () => {
    // Prepare: the page goes out and the verifier dies before marking it open; the alarm goes OK (the notifier
    // resolves the pending filing), then ALARM again (a new episode), so the redelivered verification reads ALARM.
    const { alarmName, playbook, event } = await laddered();
    const puts = busLog();
    const died = hook(docs, 'before', opening, dies);
    const first = await verifier(await lastRung(playbook, event, 'inc-00000000000000c2'));
    const cleared: unknown[] = [];
    await alarmClears(alarmName, event, cleared);
    await setAlarmState(alarmName, 'ALARM');
    // Act: SQS delivers the verification message again (its first receive failed).
    const redelivery = await lastRung(playbook, event, 'inc-00000000000000c2');
    redelivery.Records[0].attributes.ApproximateReceiveCount = '2';
    const again = await verifier(redelivery);
    // Assess: one trigger; the redelivery resolves once more (the dead delivery's page may have followed the notifier's resolve).
    expect(died.fired).toBe(true);
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(puts).toEqual([
      [DETAIL_TYPES.escalated, 'inc-00000000000000c2'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000c2'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000c2'],
    ]);
    expect(cleared).toEqual([{ outcome: 'resolved', incidentIds: ['inc-00000000000000c2'], reason: `alarm ${alarmName} is OK: resolved inc-00000000000000c2` }]);
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000c2']);
    expect((await received(queues.resolve)).map((r) => r.dedup_key)).toEqual(['inc-00000000000000c2', 'inc-00000000000000c2']);
    const notified = await received(queues.notify);
    expect(notified[2].detail).toMatchObject({ reason: expect.stringMatching(/^a redelivered escalation of incident inc-00000000000000c2 found its page resolved while it was being sent/), evidence: expect.objectContaining({ resolvedBy: 'redelivered escalation' }) });
    expect(await escalationRecords()).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000c2', status: 'resolved' }]);
  });

  it('alarm: two redeliveries of a verification whose page was resolved while pending, concurrently: one of them resolves again, not both', async () => {
    // Prepare: the verifier dies after paging; the OK resolves the pending filing; ALARM again (a new episode).
    const { alarmName, playbook, event } = await laddered();
    const puts = busLog();
    hook(docs, 'before', opening, dies);
    await verifier(await lastRung(playbook, event, 'inc-00000000000000c3'));
    await alarmClears(alarmName, event, []);
    await setAlarmState(alarmName, 'ALARM');
    // Act: SQS delivers the message twice at once (at-least-once): the second delivery runs entirely just before the first claims its resolve.
    const redelivery = async (messageId: string) => {
      const m = await lastRung(playbook, event, 'inc-00000000000000c3', messageId);
      m.Records[0].attributes.ApproximateReceiveCount = '2';
      return m;
    };
    const secondSaw: unknown[] = [];
    const fired = hook(docs, 'before', (i) => String(i?.UpdateExpression ?? '').startsWith('SET #s = :resolved, lateCovered'), async () => {
      secondSaw.push(await verifier(await redelivery('m1-b')));
    });
    const firstSaw = await verifier(await redelivery('m1-a'));
    // Assess: the second's claim covered both deliveries (both counted before it): one Resolved from them, after the notifier's.
    expect(fired.fired).toBe(true);
    expect([firstSaw, ...secondSaw]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(puts).toEqual([
      [DETAIL_TYPES.escalated, 'inc-00000000000000c3'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000c3'],
      [DETAIL_TYPES.resolved, 'inc-00000000000000c3'],
    ]);
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000c3']);
    expect(await escalationRecords()).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000c3', status: 'resolved' }]);
  });

  it('alarm OK after the page is open, before the re-read: the notifier resolves, the re-read does not resolve again; a duplicate OK sends nothing', async () => {
    // Prepare: the OK is handled right after the record is marked open.
    const { alarmName, playbook, event } = await laddered();
    const notifierSaw: unknown[] = [];
    const fired = hook(docs, 'after', (i) => String(i?.UpdateExpression ?? '').startsWith('SET #s = :open,'), () => alarmClears(alarmName, event, notifierSaw));
    // Act
    await verifier(await lastRung(playbook, event, 'inc-00000000000000b3'));
    const duplicate = await notifier(okEvent(event));
    // Assess
    expect(fired.fired).toBe(true);
    expect(notifierSaw).toEqual([{ outcome: 'resolved', incidentIds: ['inc-00000000000000b3'], reason: `alarm ${alarmName} is OK: resolved inc-00000000000000b3` }]);
    expect(duplicate).toMatchObject({ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/already resolved: nothing to resolve$/) });
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000b3']);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: 'inc-00000000000000b3' }]);
    const notified = await received(queues.notify);
    expect(notified.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
    expect(notified[1].detail.reason).toMatch(new RegExp(`^alarm ${alarmName} is OK again since ${OK_AT.replace(/\+/g, '\\+')} after incident`));
  });

  it('alarm still ALARM after paging: the page stays open; a redelivered verification does not page again; the OK resolves it once', async () => {
    // Prepare
    const { alarmName, playbook, event } = await laddered();
    // Act: the verification message arrives twice (SQS at-least-once), then the alarm recovers.
    await verifier(await lastRung(playbook, event, 'inc-00000000000000b4', 'm1'));
    await verifier(await lastRung(playbook, event, 'inc-00000000000000b4', 'm1-again'));
    const beforeOk = await received(queues.resolve);
    const outcomes: unknown[] = [];
    await alarmClears(alarmName, event, outcomes);
    // Assess
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000b4']);
    expect(beforeOk).toEqual([]);
    expect(outcomes).toEqual([{ outcome: 'resolved', incidentIds: ['inc-00000000000000b4'], reason: `alarm ${alarmName} is OK: resolved inc-00000000000000b4` }]);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: 'inc-00000000000000b4' }]);
  });

  it('notify-only: the ALARM event delivered after the alarm is OK again (retries reorder) pages and resolves at once', async () => {
    // Prepare: the alarm fired and recovered; its OK was handled first (nothing to resolve yet).
    const { alarmName, dims, event, ruleName } = alarmOf(true);
    const alarmQ = await recreate(ruleName);
    await createAlarm(alarmName, dims);
    await emit(event);
    const [envelope] = await received(alarmQ);
    const first: unknown[] = [];
    await alarmClears(alarmName, event, first);
    // Act: the ALARM's delivery comes late.
    const out = await notifier(envelope);
    // Assess
    expect(first).toEqual([{ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/none of its incidents was escalated/) }]);
    expect(out).toMatchObject({ outcome: 'escalated', reason: expect.stringMatching(/the alarm was OK again by the time the page was out: resolved at once$/) });
    const incidentId = (out as { incidentId: string }).incidentId;
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual([incidentId]);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: incidentId }]);
    expect((await received(queues.notify)).map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
  });
});
