import { handler as replaceInstance } from '../../functions/handlers/replace-instance';
import { handler as ssmAutomation } from '../../functions/handlers/ssm-automation';
import { handler as verifier, MAX_RECEIVES } from '../../functions/handlers/verifier';
import { handler as notifier } from '../../functions/handlers/notifier';
import { stubAutomation } from './sdk-probes';
import { alarmEvent, busEvents, createStack, drain, incidentRecords, ledgerItems, playbook, putAlarm, request, runInstances, setAlarmState, verifyBatch, type TestStack } from './stack';

/**
 * Verify -> escalate -> page, with the real verify queue and bus in moto.
 * Lambda execution is what moto lacks: the test plays the event source
 * mappings (verify queue -> verifier, bus rule -> next action / notifier) by
 * reading the queues and calling the handlers with what they would deliver.
 */

describe('verification and escalation', () => {
  let stack: TestStack;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 2, maxPercentPerGroup: 100 });
    automation = await stubAutomation();
  });
  afterEach(() => automation.restore());

  it('escalates along the ladder while the alarm stays in ALARM, then pages', async () => {
    // Prepare
    // A blast-radius group by tag, not an Auto Scaling group: the reboot rung never runs on a group member.
    const [victim] = await runInstances(2, { 'recovery-group': 'web' });
    const name = await putAlarm('status', victim, 'InstanceId');
    const first = request(playbook('status', ['reboot', 'replace-instance']), alarmEvent(name, { InstanceId: victim }));

    // Act 1: rung 0 (reboot) acts; the verifier finds the alarm still ALARM.
    expect((await ssmAutomation(first)).outcome).toBe('succeeded');
    const v1 = await verifyBatch(stack);
    expect(v1.Records).toHaveLength(1);
    expect(await verifier(v1)).toEqual({ batchItemFailures: [] });
    // Assess 1: the next rung was requested on the bus, addressed to replace-instance.
    const after1 = await busEvents(stack);
    const requested = after1.filter((e) => e.detailType === 'Remediation Requested');
    expect(requested).toHaveLength(1);
    expect(requested[0].detail).toMatchObject({ rung: 1, action: 'replace-instance', incidentId: expect.stringMatching(/^inc-/) });

    // Act 2: rung 1 (replace) acts with the bus detail as its input; still ALARM.
    expect((await replaceInstance(requested[0].detail)).outcome).toBe('succeeded');
    expect(await verifier(await verifyBatch(stack))).toEqual({ batchItemFailures: [] });
    // Assess 2: the ladder is exhausted -> Escalated, slot released.
    const escalated = (await busEvents(stack)).filter((e) => e.detailType === 'Remediation Escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0].detail.reason).toMatch(/still ALARM after rung 1 \(replace-instance\); ladder of playbook status exhausted: paging humans/);
    const [slots] = await ledgerItems('group#web');
    expect(slots.holders).toBeUndefined();

    // Act 3: the notifier pages through SNS.
    const sent = await notifier(escalated[0].event);
    // Assess 3
    const inbox = await drain(stack.topicQueueUrl, (b) => JSON.parse(b));
    expect(inbox).toHaveLength(1);
    expect(sent.outcome).toBe('published');
    expect(inbox[0].Subject).toBe((sent as { subject: string }).subject);
    expect(inbox[0].Subject.length).toBeLessThanOrEqual(100);
    expect(inbox[0].Subject).toMatch(/^\[recovery test\] Remediation Escalated: status i-/);
    expect(JSON.parse(inbox[0].Message)).toMatchObject({ detailType: 'Remediation Escalated', incidentId: escalated[0].detail.incidentId });
    expect(inbox[0].MessageAttributes.severity.Value).toBe('page');
    const ledger = (await ledgerItems('incident#')).map((i) => `${i.rung}:${i.detailType}`).sort();
    expect(ledger).toEqual(['0:Remediation Requested', '0:Remediation Started', '0:Remediation Succeeded', '1:Remediation Escalated', '1:Remediation Started', '1:Remediation Succeeded']);
  });

  it('a failed last rung: the ledger reads cause before effect (Started, Failed, then Escalated) in its own key order', async () => {
    // Prepare: the runbook ends Failed on a one-rung ladder.
    automation.restore();
    automation = await stubAutomation('Failed');
    const [id] = await runInstances(1);
    const name = await putAlarm('status', id, 'InstanceId');
    // Act
    const out = await ssmAutomation(request(playbook('status', ['reboot']), alarmEvent(name, { InstanceId: id })));
    // Assess: Query returns the incident's records by sort key (<at>#r<rung>#<detail-type>), as anyone reading the table sees them.
    expect(out.outcome).toBe('failed');
    const records = await incidentRecords(out.incidentId!);
    expect(records.map((r) => r.detailType)).toEqual(['Remediation Started', 'Remediation Failed', 'Remediation Escalated']);
    expect(records[2].at > records[1].at).toBe(true);
  });

  it('records Verified and releases the group slot when the alarm is OK', async () => {
    // Prepare
    const [id] = await runInstances(2, { 'recovery-group': 'api' });
    const name = await putAlarm('status', id, 'InstanceId');
    await ssmAutomation(request(playbook('status', ['reboot']), alarmEvent(name, { InstanceId: id })));
    expect((await ledgerItems('group#api'))[0].holders.size).toBe(1);
    await setAlarmState(name, 'OK');
    // Act
    const out = await verifier(await verifyBatch(stack));
    // Assess
    expect(out.batchItemFailures).toEqual([]);
    const types = (await busEvents(stack)).map((e) => e.detailType);
    expect(types).toEqual(['Remediation Started', 'Remediation Succeeded', 'Remediation Verified']);
    expect((await ledgerItems('group#api'))[0].holders).toBeUndefined();
  });

  it('INSUFFICIENT_DATA: takes no automated step, checks again, and pages after the last check', async () => {
    // Prepare
    const [id] = await runInstances(2, { 'recovery-group': 'db' });
    const name = await putAlarm('status', id, 'InstanceId');
    await ssmAutomation(request(playbook('status', ['reboot', 'replace-instance']), alarmEvent(name, { InstanceId: id })));
    await setAlarmState(name, 'INSUFFICIENT_DATA');
    const batch = await verifyBatch(stack);
    await busEvents(stack); // drop Started/Succeeded
    // Act
    const early = await verifier(batch);
    const last = await verifier({ Records: batch.Records.map((r) => ({ ...r, attributes: { ApproximateReceiveCount: String(MAX_RECEIVES) } })) });
    // Assess
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0].messageId }]);
    expect(last.batchItemFailures).toEqual([]);
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Escalated']);
    expect(events[0].detail.reason).toMatch(/insufficient data after 3 checks: cannot verify rung 0; paging humans/);
  });

  it('a notify-only playbook: the notifier escalates to humans on the bus (once), the email follows from that event; anything else is refused', async () => {
    // Prepare
    const req = request(playbook('rds-storage', []), alarmEvent(await putAlarm('rds-storage', 'db1', 'DBInstanceIdentifier'), { DBInstanceIdentifier: 'db1' }));
    // Act
    const out = await notifier(req);
    const again = await notifier(req); // at-least-once delivery of the alarm event
    const events = await busEvents(stack);
    const emailed = await notifier(events[0].event);
    // Assess
    expect(out).toMatchObject({ outcome: 'escalated', incidentId: expect.stringMatching(/^inc-[0-9a-f]{16}$/) });
    expect(again).toMatchObject({ outcome: 'already-escalated', reason: expect.stringMatching(/already escalated \(redelivered alarm event\): not paging twice/) });
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Escalated']);
    expect(events[0].detail).toMatchObject({
      incidentId: (out as { incidentId: string }).incidentId,
      stage: 'test',
      playbook: 'rds-storage',
      rung: 0,
      action: 'notify-only',
      resource: { type: 'rds-instance', id: 'db1' },
      mode: 'auto',
      reason: 'no automated remediation for this detector: playbook rds-storage is notify-only (empty ladder); alarm recovery-test-rds-storage-db1 is ALARM; paging humans',
      evidence: { alarmName: 'recovery-test-rds-storage-db1', alarmState: 'ALARM' },
    });
    expect(emailed).toMatchObject({ outcome: 'published', subject: expect.stringMatching(/^\[recovery test\] Remediation Escalated: rds-storage db1 - no automated remediation/) });
    const [msg] = await drain(stack.topicQueueUrl, (b) => JSON.parse(b));
    expect(msg.MessageAttributes.severity.Value).toBe('page');
    expect((await ledgerItems('incident#')).map((i) => i.detailType)).toEqual(['Remediation Escalated']);
    expect((await ledgerItems('fault#recovery-test-rds-storage-db1')).map((i) => i.status)).toEqual(['open']);
    expect(await notifier({ source: 'someone-else', 'detail-type': 'Remediation Escalated', detail: {} })).toEqual({
      outcome: 'rejected',
      reason: expect.stringMatching(/^event: expected a recovery-stack event .*; got source "someone-else", detail-type "Remediation Escalated"$/),
    });
    expect(await notifier(request(playbook('status', ['reboot']), req.event))).toEqual({
      outcome: 'rejected',
      reason: 'playbook.ladder: expected an empty ladder (notify-only playbook), got 1 rung(s); its requests go to the action functions',
    });
    expect(await notifier(request(playbook('other', []), req.event))).toEqual({
      outcome: 'rejected',
      reason: 'event.detail.alarmName: expected an alarm of playbook other of stage test (prefix recovery-test-other-), got "recovery-test-rds-storage-db1"',
    });
    // Nothing more was paged or told for those.
    expect(await busEvents(stack)).toEqual([]);
  });

  it('a notify-only log detector names no resource: the alarm stands for it', async () => {
    // Prepare
    const ev = alarmEvent(await putAlarm('logs', 'panic', 'None'), {});
    // Act
    const out = await notifier(request(playbook('logs', []), ev));
    // Assess
    expect(out.outcome).toBe('escalated');
    const [e] = await busEvents(stack);
    expect(e.detail.resource).toEqual({ type: 'alarm', id: 'recovery-test-logs-panic' });
  });
});
