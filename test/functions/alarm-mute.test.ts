import { handler } from '../../functions/handlers/ssm-automation';
import { countMutations, stubAutomation } from './sdk-probes';
import { alarmEvent, busEvents, createStack, ledgerItems, muteRules, playbook, putAlarm, request, runInstances, type TestStack } from './stack';

/**
 * CloudWatch alarm mute rules in front of the ssm-automation (reboot) rung.
 * ListAlarmMuteRules answers from createStack's stand-in (moto 5.2 lacks it),
 * SSM Automation executions from stubAutomation; EC2, CloudWatch alarms,
 * DynamoDB, EventBridge and SQS are moto.
 */
describe('alarm mute rules', () => {
  let stack: TestStack;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  beforeEach(async () => {
    stack = await createStack();
    automation = await stubAutomation();
  });
  afterEach(() => {
    automation.restore();
    delete process.env.CHANGE_CALENDAR;
  });

  async function faultOnNewInstance() {
    const [id] = await runInstances(1);
    const name = await putAlarm('status', id, 'InstanceId');
    return { id, name, req: request(playbook('status', ['reboot']), alarmEvent(name, { InstanceId: id })) };
  }

  it('an active mute rule on the alarm: skipped, the reason names the rule, zero fleet mutations', async () => {
    // Prepare
    const { name, req } = await faultOnNewInstance();
    muteRules.put({ name: 'patch-tuesday', alarmNames: [name], status: 'ACTIVE', muteType: 'RECURRING' });
    // Another alarm's rule must not count.
    muteRules.put({ name: 'other-team', alarmNames: ['recovery-test-status-i-0000000000000000'], status: 'ACTIVE' });
    const counter = await countMutations();
    // Act
    const out = await handler(req).finally(() => counter.detach());
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toBe(`alarm ${name} is muted by active alarm mute rule(s) patch-tuesday: not acting during the mute window`);
    expect(counter.fleet).toEqual([]);
    expect(automation.started).toHaveLength(0);
    expect(muteRules.requests).toEqual([{ AlarmName: name, Statuses: ['ACTIVE'] }]);
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Skipped']);
    expect(events[0].detail.evidence.alarmMuteRules).toEqual({
      checked: true,
      active: [{ name: 'patch-tuesday', arn: muteRules.arnOf('patch-tuesday'), muteType: 'RECURRING' }],
    });
    const records = await ledgerItems('incident#');
    expect(records).toHaveLength(1);
    expect(records[0].reason).toMatch(/patch-tuesday/);
  });

  it.each([
    ['a SCHEDULED rule (window not open yet)', 'SCHEDULED' as const],
    ['an EXPIRED rule', 'EXPIRED' as const],
    ['no rule', undefined],
  ])('%s: acts, with the check recorded', async (_what, status) => {
    // Prepare
    const { id, name, req } = await faultOnNewInstance();
    if (status) muteRules.put({ name: 'next-weekend', alarmNames: [name], status });
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(automation.started.map((s) => s.Parameters.InstanceId)).toEqual([[id]]);
    expect(muteRules.requests).toEqual([{ AlarmName: name, Statuses: ['ACTIVE'] }]);
    const succeeded = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Succeeded')!;
    expect(succeeded.detail.evidence.alarmMuteRules).toEqual({ checked: true, active: [] });
  });

  it('ListAlarmMuteRules refused (AccessDenied): acts (the chosen policy), and the evidence says the check was not made and why', async () => {
    // Prepare
    const { id, req } = await faultOnNewInstance();
    muteRules.failWith('AccessDeniedException', 'User is not authorized to perform: cloudwatch:ListAlarmMuteRules');
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(automation.started.map((s) => s.Parameters.InstanceId)).toEqual([[id]]);
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Succeeded']);
    for (const e of events) {
      expect(e.detail.evidence.alarmMuteRules).toMatchObject({
        checked: false,
        error: 'AccessDeniedException',
        message: 'User is not authorized to perform: cloudwatch:ListAlarmMuteRules',
        note: expect.stringMatching(/not readable \(AccessDeniedException\); proceeding without the mute-rule check/),
      });
    }
    const records = await ledgerItems('incident#');
    expect(records.find((r) => r.detailType === 'Remediation Started')?.evidence.alarmMuteRules.checked).toBe(false);
  });

  it('judged after the change calendar: a closed calendar is the reason reported for a muted alarm', async () => {
    // Prepare
    process.env.CHANGE_CALENDAR = 'recovery-freeze';
    automation.restore();
    automation = await stubAutomation('Success', { calendarState: 'CLOSED' });
    const { name, req } = await faultOnNewInstance();
    muteRules.put({ name: 'patch-tuesday', alarmNames: [name], status: 'ACTIVE' });
    // Act
    const out = await handler(req);
    // Assess
    expect(out.reason).toBe('change calendar recovery-freeze is CLOSED');
    expect(automation.started).toHaveLength(0);
  });
});
