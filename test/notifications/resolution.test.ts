import type { AlarmStateChangeEvent } from '../../functions/contracts/alarm-event';
import { ENV } from '../../functions/contracts/env';
import { DETAIL_TYPES } from '../../functions/contracts/recovery-event';
import { handler as notifier } from '../../functions/handlers/notifier';
import { handler as verifier } from '../../functions/handlers/verifier';
import { logger } from '../../functions/runtime/logger';
import { matchesPattern } from '../../infra/routing/pattern-match';
import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResult } from '../../infra/synth/types';
import { createStack, incidentRecords, recordActed, setAlarmState } from '../functions/stack';
import { createAlarmInAlarm, emit, okTransition, received, recreateRule, routedAlarm, T } from '../functions/synthesized-routes';

/**
 * Pages opened by an escalation to humans are resolved when the alarm is OK
 * again. The synthesized dev stack (PagerDuty + Opsgenie on) is recreated in
 * the emulator's EventBridge: the default-bus OK rule, the channel rules with
 * their input transformers and the recovery-bus notify rule. Stand-ins, for
 * what moto lacks: each Lambda / API destination target is an SQS queue (moto
 * can neither invoke Lambda nor call API destinations); the test delivers the
 * queued events to the real verifier and notifier handlers, with moto's
 * rendering of `time` fixed as the drill fixes it (scripts/drill/eventbridge-delivery.ts).
 */
const NS = 'recovery-stack';
const ALARM_AT = '2026-11-25T10:00:00.000+0000';
const OK_AT = '2026-11-25T11:00:00.000+0000';

describe('escalated incidents are resolved when their alarm is OK again', () => {
  let stack: SynthResult;

  beforeAll(async () => {
    stack = await synthesize({
      stack: 'dev',
      config: {
        [`${NS}:notifications`]: { emails: [], pagerDutyRoutingKey: { secure: 'v1:pd' }, opsgenie: { apiKey: { secure: 'v1:og' } } },
        // A laddered instance and an RDS instance (free storage is a notify-only detector).
        [`${NS}:targets`]: [
          { kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['reboot', 'replace-instance'] },
          { kind: 'rds-instance', identifier: 'orders-db' },
        ],
      },
    });
  }, 240_000);

  // The stack's routes in the emulator (test/functions/synthesized-routes.ts).
  const recreate = (ruleName: string) => recreateRule(stack, ruleName);
  const okEvent = (e: AlarmStateChangeEvent, at = OK_AT) => okTransition(e, at);
  const alarmRoutedTo = (notifyOnly: boolean) => routedAlarm(stack, notifyOnly, ALARM_AT);
  const createAlarm = createAlarmInAlarm;

  let queues: Record<'ok' | 'notify' | 'trigger' | 'resolve' | 'create' | 'close', string>;
  beforeEach(async () => {
    await createStack();
    logger('notifier').setLogLevel('SILENT');
    // The synthesized dev stack's names: its stage and its recovery bus.
    Object.assign(process.env, { [ENV.stage]: 'dev', [ENV.eventBus]: 'recovery-dev', [ENV.modeParameter]: '/recovery/test/mode' });
    queues = {
      ok: await recreate('recovery-dev-alarm-ok'),
      notify: await recreate('recovery-dev-notify'),
      trigger: await recreate('recovery-dev-pagerduty-trigger'),
      resolve: await recreate('recovery-dev-pagerduty-resolve'),
      create: await recreate('recovery-dev-opsgenie-create'),
      close: await recreate('recovery-dev-opsgenie-close'),
    };
  });

  it('ladder exhausted -> PagerDuty trigger; the alarm OK -> resolve with the same dedup key, Opsgenie close of the same alias; once', async () => {
    // Prepare: the verifier finds the alarm still ALARM after the last rung -> Escalated.
    const { alarmName, dims, playbook, event } = alarmRoutedTo(false);
    await createAlarm(alarmName, dims);
    const last = playbook.ladder.length - 1;
    await recordActed('inc-00000000000000e1', last);
    const body = JSON.stringify({ request: { version: 1, playbook, rung: last, incidentId: 'inc-00000000000000e1', event }, actedAt: new Date().toISOString() });
    expect(await verifier({ Records: [{ messageId: 'm1', body, attributes: { ApproximateReceiveCount: '1' } }] })).toEqual({ batchItemFailures: [] });
    const [trigger] = await received(queues.trigger);
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: 'inc-00000000000000e1' });
    const [create] = await received(queues.create);
    await setAlarmState(alarmName, 'OK');

    // Act: CloudWatch emits the OK transition; the OK rule delivers it to the notifier (twice: at-least-once).
    await emit(okEvent(event));
    const delivered = await received(queues.ok);
    expect(delivered).toHaveLength(1);
    const first = await notifier(delivered[0]);
    const again = await notifier(delivered[0]);

    // Assess: one Resolved, keyed like the trigger; the channels map it to resolve / close.
    expect(first).toMatchObject({ outcome: 'resolved', incidentIds: ['inc-00000000000000e1'] });
    expect(again).toMatchObject({ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/already resolved: nothing to resolve/) });
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: trigger.dedup_key }]);
    const closes = await received(queues.close);
    expect(closes).toEqual([{ source: 'recovery-stack', note: 'Remediation Resolved: the alarm is OK again' }]);
    const closeTarget = stack.resources.find((t) => t.type === T.target && t.name === 'recovery-dev-opsgenie-close')!;
    expect(closeTarget.inputs.httpTarget).toEqual({ pathParameterValues: ['$.detail.incidentId'], queryStringParameters: { identifierType: 'alias' } });
    const resolved = (await received(queues.notify)).filter((e) => e['detail-type'] === DETAIL_TYPES.resolved);
    expect(resolved).toHaveLength(1);
    expect(resolved[0].detail.incidentId).toBe(create.alias); // the alias the close path parameter reads
    expect(resolved[0].detail).toMatchObject({ playbook: playbook.name, rung: last, reason: expect.stringContaining(`alarm ${alarmName} is OK again since ${OK_AT}`) });
    const audit = (await incidentRecords('inc-00000000000000e1')).map((r) => r.detailType);
    // The action's own record (it acted at the last rung), then the escalation and its resolution.
    expect(audit.sort()).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved, DETAIL_TYPES.succeeded]);
  });

  it('OK of an alarm with no escalated incident sends nothing and logs why', async () => {
    // Prepare
    const { alarmName, dims, event } = alarmRoutedTo(false);
    await createAlarm(alarmName, dims);
    await emit(okEvent(event));
    const [delivered] = await received(queues.ok);
    const lines: string[] = [];
    logger('notifier').setLogLevel('INFO');
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      lines.push(String(chunk));
      return true;
    });
    // Act
    const out = await notifier(delivered).finally(() => {
      spy.mockRestore();
      logger('notifier').setLogLevel('SILENT');
    });
    // Assess
    expect(out).toEqual({ outcome: 'nothing-to-resolve', reason: `alarm ${alarmName} is OK; none of its incidents was escalated to humans (automated recovery verified it, or it never escalated): nothing to resolve` });
    const logged = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.message === 'nothing to resolve');
    expect(logged).toMatchObject({ alarmName, reason: (out as { reason: string }).reason });
    for (const q of ['notify', 'resolve', 'close'] as const) expect([q, await received(queues[q])]).toEqual([q, []]);
  });

  it('notify-only alarm -> Escalated to the channels ("no automated remediation"), paged once; its OK resolves it', async () => {
    // Prepare: the playbook's real alarm rule (input transformer) builds the envelope the notifier gets.
    const { alarmName, dims, playbook, event } = alarmRoutedTo(true);
    expect(playbook.ladder).toEqual([]);
    const ruleName = stack.resources.find((r) => r.type === T.rule && !r.inputs.eventBusName && matchesPattern(JSON.parse(r.inputs.eventPattern as string), event))!.name;
    const alarmQ = await recreate(ruleName);
    await createAlarm(alarmName, dims);
    await emit(event);
    const [envelope] = await received(alarmQ);

    // Act: delivered twice (at-least-once), then the alarm recovers.
    const first = await notifier(envelope);
    const again = await notifier(envelope);
    await emit(okEvent(event));
    const [ok] = await received(queues.ok);
    const resolved = await notifier(ok);

    // Assess: one trigger, one Opsgenie create, one resolve, all on the same incident.
    expect(first).toMatchObject({ outcome: 'escalated', incidentId: expect.stringMatching(/^inc-[0-9a-f]{16}$/) });
    const incidentId = (first as { incidentId: string }).incidentId;
    expect(again).toMatchObject({ outcome: 'already-escalated' });
    const triggers = await received(queues.trigger);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({ event_action: 'trigger', dedup_key: incidentId, payload: { group: playbook.name, class: 'notify-only', severity: 'critical' } });
    expect(triggers[0].payload.custom_details.reason).toMatch(/^no automated remediation for this detector: playbook .* is notify-only/);
    expect((await received(queues.create)).map((c) => c.alias)).toEqual([incidentId]);
    expect(resolved).toEqual({ outcome: 'resolved', incidentIds: [incidentId], reason: `alarm ${alarmName} is OK: resolved ${incidentId}` });
    expect(await received(queues.resolve)).toEqual([{ event_action: 'resolve', dedup_key: incidentId }]);
    // The notify rule (email) hears the escalation and the resolution, once each.
    expect((await received(queues.notify)).map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.escalated, DETAIL_TYPES.resolved]);
  });

  it('an OK delivered late, older than the escalated episode, leaves the page open', async () => {
    // Prepare
    const { alarmName, dims, event } = alarmRoutedTo(true);
    await createAlarm(alarmName, dims);
    const envelope = { version: 1, playbook: alarmRoutedTo(true).playbook, rung: 0, event };
    await notifier(envelope);
    // Act: an OK of the previous episode (before ALARM_AT).
    const out = await notifier(okEvent(event, '2026-11-25T09:30:00.000+0000'));
    // Assess
    expect(out).toMatchObject({ outcome: 'nothing-to-resolve', reason: expect.stringMatching(/began later \(an older OK delivered late\): not resolving them/) });
    expect(await received(queues.resolve)).toEqual([]);
  });
});
