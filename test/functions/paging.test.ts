import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateEventBusCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
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
import { matchesPattern } from '../../infra/routing/pattern-match';
import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResource, SynthResult } from '../../infra/synth/types';
import { asEventBridgeDelivered } from '../../scripts/drill/eventbridge-delivery';
import { alarmEvent, aws, createStack, incidentRecords, ledgerItems, setAlarmState } from './stack';

/**
 * Pages opened by an escalation are resolved when the fault clears, for both
 * kinds of fault and however paging and the clearing interleave.
 *
 * The synthesized dev stack (PagerDuty on, one laddered instance, one
 * Kubernetes Deployment) is recreated in the emulator's EventBridge: the
 * default-bus alarm OK rule, the recovery-bus alert-resolved rule, the
 * Kubernetes playbook rule, the notify rule and the PagerDuty rules with their
 * input transformers. Stand-ins, for what moto lacks: every Lambda / API
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
const T = { rule: 'aws:cloudwatch/eventRule:EventRule', target: 'aws:cloudwatch/eventTarget:EventTarget', alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm', fn: 'aws:lambda/function:Function' };
const ALARM_AT = '2026-11-25T10:00:00.000+0000';
const OK_AT = '2026-11-25T11:00:00.000+0000';
const SECRET = 'a-long-shared-secret-from-pulumi';
const SECRET_PARAM = '/recovery/dev/alertmanager-webhook-secret';
const cart = { kind: 'kubernetes-deployment', cluster: 'shop-eks', namespace: 'shop', name: 'cart', podSelector: { app: 'cart' }, ladder: ['rollout-undo'] };

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
  const nameOf = (r: SynthResource) => String(r.inputs.name ?? r.name);

  beforeAll(async () => {
    stack = await synthesize({
      stack: 'dev',
      config: {
        [`${NS}:notifications`]: { emails: [], pagerDutyRoutingKey: { secure: 'v1:pd' } },
        [`${NS}:targets`]: [{ kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['reboot', 'replace-instance'] }, { kind: 'rds-instance', identifier: 'orders-db' }, cart],
        [`${NS}:alertmanager`]: { webhookSecret: SECRET },
      },
    });
  }, 240_000);

  /** Recreates one synthesized rule with its target pointed at a fresh queue (same pattern, same input transformer). */
  async function recreate(ruleName: string): Promise<string> {
    const a = aws();
    const rule = stack.resources.find((r) => r.type === T.rule && r.name === ruleName);
    const target = stack.resources.find((r) => r.type === T.target && r.name === ruleName);
    if (!rule || !target) throw new Error(`synthesized stack has no rule ${ruleName}`);
    const bus = rule.inputs.eventBusName as string | undefined;
    if (bus) await a.events.send(new CreateEventBusCommand({ Name: bus })).catch(() => undefined);
    const url = (await a.sqs.send(new CreateQueueCommand({ QueueName: `r-${ruleName.replace(/[^A-Za-z0-9_-]/g, '_')}` }))).QueueUrl!;
    const arn = (await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await a.events.send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: rule.inputs.eventPattern as string, State: 'ENABLED' }));
    const tr = target.inputs.inputTransformer as { inputPaths?: Record<string, string>; inputTemplate: string } | undefined;
    await a.events.send(
      new PutTargetsCommand({
        Rule: ruleName,
        EventBusName: bus,
        // No transformer = the whole event; moto's default rendering drops `account` and `version`, so ask for it explicitly (as the drill does).
        Targets: [{ Id: 't', Arn: arn, InputTransformer: tr ? { InputPathsMap: tr.inputPaths, InputTemplate: tr.inputTemplate } : { InputTemplate: '<aws.events.event.json>' } }],
      }),
    );
    return url;
  }

  async function received(url: string): Promise<any[]> {
    const out: any[] = [];
    for (;;) {
      const got = await aws().sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      if (!got.Messages?.length) return out;
      out.push(...got.Messages.map((m) => asEventBridgeDelivered(JSON.parse(m.Body!))));
    }
  }

  /** Puts an alarm state change on the default bus, as CloudWatch does. */
  async function emit(e: AlarmStateChangeEvent): Promise<void> {
    const out = await aws().events.send(new PutEventsCommand({ Entries: [{ Source: e.source, DetailType: e['detail-type'], Resources: e.resources, Detail: JSON.stringify(e.detail) }] }));
    expect(out.FailedEntryCount ?? 0).toBe(0);
  }

  const okEvent = (e: AlarmStateChangeEvent): AlarmStateChangeEvent => ({
    ...e,
    id: 'd0b8a2f6-0000-4000-8000-000000000001',
    detail: { ...e.detail, state: { value: 'OK', reason: 'Threshold Crossed: back under the threshold', timestamp: OK_AT }, previousState: e.detail.state },
  });

  /** A synthesized alarm whose rule routes to an action function (laddered) or to the notifier (notify-only). */
  function alarmOf(notifyOnly: boolean): { alarmName: string; dims: Record<string, string>; playbook: PlaybookParams; event: AlarmStateChangeEvent; ruleName: string } {
    const notifierArn = stack.resources.find((r) => r.type === T.fn && nameOf(r) === 'recovery-dev-notifier')!.outputs!.arn;
    for (const alarm of stack.resources.filter((r) => r.type === T.alarm)) {
      const alarmName = nameOf(alarm);
      const dims = (alarm.inputs.dimensions ?? {}) as Record<string, string>;
      const event = alarmEvent(alarmName, dims, ALARM_AT);
      const rule = stack.resources.find((r) => r.type === T.rule && !r.inputs.eventBusName && matchesPattern(JSON.parse(r.inputs.eventPattern as string), event));
      const target = rule && stack.resources.find((t) => t.type === T.target && t.name === rule.name);
      if (!target || (target.inputs.arn === notifierArn) !== notifyOnly || Object.keys(dims).length === 0) continue;
      const template = (target.inputs.inputTransformer as { inputTemplate: string }).inputTemplate;
      const { playbook } = RemediationRequest.parse(JSON.parse(template.replace('<aws.events.event.json>', JSON.stringify(event))));
      return { alarmName, dims, playbook, event, ruleName: rule.name };
    }
    throw new Error(`dev stack has no ${notifyOnly ? 'notify-only' : 'laddered'} alarm`);
  }

  async function createAlarm(name: string, dims: Record<string, string>) {
    await aws().cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/EC2',
        MetricName: 'StatusCheckFailed',
        Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await setAlarmState(name, 'ALARM');
  }

  /** The verifier's message for the last rung of `playbook` (verification finds the fault still bad -> ladder exhausted). */
  const lastRung = (playbook: PlaybookParams, event: unknown, incidentId: string, messageId = 'm1') => ({
    Records: [
      {
        messageId,
        body: JSON.stringify({ request: { version: 1, playbook, rung: playbook.ladder.length - 1, incidentId, event }, actedAt: ALARM_AT }),
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

  let queues: Record<'ok' | 'alertResolved' | 'k8s' | 'notify' | 'trigger' | 'resolve', string>;
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

  // ---------- Alertmanager faults ----------

  const alertPayload = (status: 'firing' | 'resolved', endsAt = '2026-11-25T10:09:00.000Z') => ({
    version: '4',
    groupKey: '{}/{recovery_playbook="k8s-deployment.rollout-undo"}:{alertname="RecoveryDeploymentUnavailable"}',
    truncatedAlerts: 0,
    status,
    receiver: 'shop/recovery-dev-cart/recovery-stack',
    groupLabels: { alertname: 'RecoveryDeploymentUnavailable' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring:9093',
    alerts: [
      {
        status,
        labels: { alertname: 'RecoveryDeploymentUnavailable', namespace: 'shop', deployment: 'cart', recovery_playbook: 'k8s-deployment.rollout-undo', recovery_cluster: 'shop-eks' },
        annotations: { summary: 'shop/cart has unavailable replicas' },
        startsAt: '2026-11-25T10:00:00.000Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : endsAt,
        fingerprint: '0f3b6c1d2e4a5b69',
      },
    ],
  });
  const post = async (status: 'firing' | 'resolved') => {
    const res = await webhook({ headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify(alertPayload(status)), requestContext: { http: { method: 'POST' } } });
    expect(res.statusCode).toBe(202);
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
    expect(await verifier(lastRung(req.playbook, req.event, 'inc-00000000000000a1'))).toEqual({ batchItemFailures: [] });
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
    expect((await incidentRecords('inc-00000000000000a1')).map((r) => r.detailType).sort()).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
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
    const out = await verifier(lastRung(req.playbook, req.event, 'inc-00000000000000a2'));
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
    const out = notifier(req.event);
    // Assess
    await expect(out).rejects.toThrow('notifier takes resolved Alertmanager alerts only (to resolve escalated incidents); alert RecoveryDeploymentUnavailable (0f3b6c1d2e4a5b69) is firing');
    expect(await escalationRecords()).toEqual([]);
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
    const out = await verifier(lastRung(playbook, event, 'inc-00000000000000b1'));
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
    expect((await incidentRecords('inc-00000000000000b1')).map((r) => r.detailType).sort()).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
  });

  it('alarm OK while the page is being sent (filed, not yet open): the notifier leaves it to the pager, which resolves it after the trigger', async () => {
    // Prepare: the OK is handled right after Escalated is put, before the record is marked open.
    const { alarmName, playbook, event } = await laddered();
    const notifierSaw: unknown[] = [];
    const fired = hook(bus, 'after', (i) => i?.Entries?.[0]?.DetailType === DETAIL_TYPES.escalated, () => alarmClears(alarmName, event, notifierSaw));
    // Act
    await verifier(lastRung(playbook, event, 'inc-00000000000000b2'));
    // Assess
    expect(fired.fired).toBe(true);
    expect(notifierSaw).toEqual([{ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/inc-00000000000000b2 are being paged right now/) }]);
    expect((await received(queues.trigger)).map((t) => t.dedup_key)).toEqual(['inc-00000000000000b2']);
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: 'inc-00000000000000b2' }]);
    expect((await received(queues.notify)).map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
    expect(await escalationRecords()).toEqual([{ fault: alarmName, incidentId: 'inc-00000000000000b2', status: 'resolved' }]);
  });

  it('alarm OK after the page is open, before the re-read: the notifier resolves, the re-read does not resolve again; a duplicate OK sends nothing', async () => {
    // Prepare: the OK is handled right after the record is marked open.
    const { alarmName, playbook, event } = await laddered();
    const notifierSaw: unknown[] = [];
    const fired = hook(docs, 'after', (i) => String(i?.UpdateExpression ?? '').startsWith('SET #s = :open,'), () => alarmClears(alarmName, event, notifierSaw));
    // Act
    await verifier(lastRung(playbook, event, 'inc-00000000000000b3'));
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
    await verifier(lastRung(playbook, event, 'inc-00000000000000b4', 'm1'));
    await verifier(lastRung(playbook, event, 'inc-00000000000000b4', 'm1-again'));
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
