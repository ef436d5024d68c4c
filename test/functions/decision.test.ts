import { decide, judgeReservations, type DecisionInput, type Readings } from '../../functions/runtime/decision';
import { allow, deny } from '../../functions/guards/verdict';
import type { Diagnosis } from '../../functions/runtime/diagnosis';

/**
 * The decision alone, without AWS: every guard, and the order docs/architecture.md gives them (kill switch,
 * change calendar, mute rules, the fault now, diagnosis, Health, circuit breaker, stand-down, fit, EC2's own
 * recovery, approval, then the reservations). Each case denies one guard and every guard after it, so the
 * first one must win.
 */
const diagnosis: Diagnosis = {
  resource: { type: 'instance', id: 'i-0123456789abcdef0', group: 'web' },
  instance: { instanceId: 'i-0123456789abcdef0', state: 'running', tags: {}, volumes: [] },
  groupSize: 4,
  evidence: { diagnosis: 'instance status impaired' },
};

const ok = <T>(value: T) => ({ ok: true as const, value });
const failed = (message: string) => ({ ok: false as const, error: new Error(message) });

function all(overrides: Partial<Readings> = {}): Readings {
  return {
    mode: { mode: 'auto' },
    changeCalendar: ok(allow({ calendar: 'OPEN' })),
    alarmMute: ok(allow()),
    fault: ok({ state: 'ALARM', label: 'alarm recovery-test-status-i-0123456789abcdef0' }),
    diagnosis: ok(diagnosis),
    health: ok(allow()),
    breaker: ok(allow()),
    ec2AutoRecovery: ok(allow()),
    ...overrides,
  };
}

function input(readings: Readings, action: Partial<DecisionInput['action']> = {}, approval = false): DecisionInput {
  return {
    readings,
    action: { name: 'replace-instance', destructive: true, plan: () => ['RunInstances'], ...action },
    rung: 1,
    rungName: 'replace-instance',
    modeParameter: '/recovery/test/mode',
    requireApprovalForDestructive: approval,
  };
}

/** Every guard denies; each test lets the ones before the guard under test pass. */
const everyGuardDenies: Readings = {
  mode: { mode: 'off', note: 'kill switch /recovery/test/mode is off' },
  changeCalendar: ok(deny('change calendar CLOSED')),
  alarmMute: ok(deny('alarm muted')),
  fault: ok({ state: 'OK', label: 'alarm x' }),
  diagnosis: failed('DescribeInstances throttled'),
  health: ok(deny('AWS Health: open EC2 issue')),
  breaker: ok(deny('circuit breaker open')),
  ec2AutoRecovery: ok(deny('EC2 recovered the instance itself')),
};
const denyingAction = { standDown: () => 'the group is replacing it', fits: () => 'not a fit' };

describe('decide: the first guard that stands down wins', () => {
  const passing = all();
  const cases: Array<[string, Partial<Readings>, Partial<DecisionInput['action']>, RegExp, { page?: boolean; kind?: string }]> = [
    ['kill switch', {}, denyingAction, /kill switch \/recovery\/test\/mode is off/, {}],
    ['change calendar', { mode: passing.mode }, denyingAction, /change calendar CLOSED/, {}],
    ['alarm mute rule', { mode: passing.mode, changeCalendar: passing.changeCalendar }, denyingAction, /alarm muted/, {}],
    ['the fault is OK now', { mode: passing.mode, changeCalendar: passing.changeCalendar, alarmMute: passing.alarmMute }, denyingAction, /already OK: recovered without us/, {}],
    ['diagnosis failed', { mode: passing.mode, changeCalendar: passing.changeCalendar, alarmMute: passing.alarmMute, fault: passing.fault }, denyingAction, /diagnosis failed, not acting blind: DescribeInstances throttled/, {}],
    ['AWS Health', { mode: passing.mode, changeCalendar: passing.changeCalendar, alarmMute: passing.alarmMute, fault: passing.fault, diagnosis: passing.diagnosis }, denyingAction, /AWS Health/, {}],
    ['circuit breaker (pages)', { ...passing, breaker: everyGuardDenies.breaker, ec2AutoRecovery: everyGuardDenies.ec2AutoRecovery }, denyingAction, /circuit breaker open/, { page: true }],
    ['stand-down', { ...passing, ec2AutoRecovery: everyGuardDenies.ec2AutoRecovery }, denyingAction, /the group is replacing it/, {}],
    ['fit (escalates)', { ...passing, ec2AutoRecovery: everyGuardDenies.ec2AutoRecovery }, { fits: () => 'not a fit' }, /rung 1 \(replace-instance\) does not fit: not a fit/, { kind: 'escalate' }],
    ["EC2's own recovery", { ...passing, ec2AutoRecovery: everyGuardDenies.ec2AutoRecovery }, {}, /EC2 recovered the instance itself/, {}],
  ];

  it.each(cases)('%s', (_name, readings, action, reason, expected) => {
    // Act
    const d = decide(input({ ...everyGuardDenies, ...readings }, action, true));
    // Assess
    expect(d.kind).toBe(expected.kind ?? 'skip');
    expect('reason' in d ? d.reason : '').toMatch(reason);
    if (d.kind === 'skip') expect(d.page ?? false).toBe(expected.page ?? false);
  });

  it('the kill switch off keeps the group slot (release: false); later skips give it back', () => {
    // Act
    const off = decide(input(everyGuardDenies));
    const health = decide(input({ ...all(), health: ok(deny('AWS Health')) }));
    // Assess
    expect(off).toMatchObject({ kind: 'skip', release: false });
    expect(health.kind === 'skip' && health.release).toBeUndefined();
  });

  it('approval: a destructive rung is handed to humans with its plan; a non-destructive one, or dry-run, goes on', () => {
    // Act
    const destructive = decide(input(all(), {}, true));
    const gentle = decide(input(all(), { destructive: false }, true));
    const dryRun = decide(input({ ...all(), mode: { mode: 'dry-run' } }, {}, true));
    // Assess
    expect(destructive).toMatchObject({ kind: 'escalate', plan: ['RunInstances'], evidence: expect.objectContaining({ approvalRequired: true }) });
    expect(destructive.kind === 'escalate' && destructive.reason).toMatch(/replace-instance is destructive and guardrails.requireApprovalForDestructive is set/);
    expect(gentle).toMatchObject({ kind: 'reserve', plan: ['RunInstances'] });
    expect(dryRun).toMatchObject({ kind: 'reserve', evidence: expect.objectContaining({ approvalRequired: true }) });
  });

  it("asks for EC2's own recovery only once everything before it passed, then decides with it", () => {
    // Act
    const first = decide(input({ ...all(), ec2AutoRecovery: undefined }));
    const blocked = decide(input({ ...all(), ec2AutoRecovery: undefined, breaker: ok(deny('circuit breaker open')) }));
    // Assess
    expect(first.kind).toBe('read-ec2-auto-recovery');
    expect(blocked.kind).toBe('skip');
  });

  it('an unreadable fault or guard is retried (thrown), never acted on; unless an earlier guard already stood down', () => {
    // Act
    const fault = decide(input({ ...all(), fault: failed('DescribeAlarms throttled') }));
    const calendar = decide(input({ ...all(), changeCalendar: failed('GetCalendarState throttled') }));
    const offFirst = decide(input({ ...all(), mode: { mode: 'off' }, fault: failed('DescribeAlarms throttled') }));
    // Assess
    expect(fault.kind).toBe('retry');
    expect(calendar.kind).toBe('retry');
    expect(offFirst.kind).toBe('skip');
  });

  it('the fault must exist and be ALARM: missing and INSUFFICIENT_DATA are skipped with why', () => {
    // Act
    const missing = decide(input({ ...all(), fault: ok({ label: 'alarm x', reason: 'no such alarm' }) }));
    const unsure = decide(input({ ...all(), fault: ok({ state: 'INSUFFICIENT_DATA', label: 'alarm x' }) }));
    // Assess
    expect(missing.kind === 'skip' && missing.reason).toBe('alarm x does not exist (no such alarm): not a fault of this stack; not acting');
    expect(unsure.kind === 'skip' && unsure.reason).toMatch(/INSUFFICIENT_DATA now: the fault cannot be confirmed/);
  });

  it("every passing guard's evidence is kept with the decision", () => {
    // Act
    const d = decide(input(all()));
    // Assess
    expect(d).toMatchObject({ kind: 'reserve', evidence: { calendar: 'OPEN', alarmStateNow: 'ALARM', diagnosis: 'instance status impaired' } });
  });
});

describe('judgeReservations', () => {
  it('a refused attempt pages (automation gives up on the resource); a refused slot gives the attempt back and pages nobody', () => {
    expect(judgeReservations(deny('cooldown: acted 3 min ago'), undefined)).toEqual({ kind: 'skip', reason: 'cooldown: acted 3 min ago', page: true, returnAttempt: false });
    expect(judgeReservations(allow(), deny('group web: 1 of 1 slots taken'))).toEqual({ kind: 'skip', reason: 'group web: 1 of 1 slots taken', page: false, returnAttempt: true });
    expect(judgeReservations(allow(), allow())).toEqual({ kind: 'go' });
    expect(judgeReservations(allow(), undefined)).toEqual({ kind: 'go' });
  });
});
