import type { Fleet, SeededInstance } from '../fleet';
import { alarmFor, stoppedByGuard } from './guard-skip';
import { check, type Scenario } from './scenario';

/**
 * The playbook's remediations keep failing: the restart runbook fails on
 * circuitBreaker.failures instances (AWS-RestartEC2Instance's stop step
 * fails, as the SSM stand-in plays it), then one more instance of the same
 * playbook fails its status check. The breaker is open: that instance must be
 * left alone and the skip names the breaker.
 *
 * The breaker stays open for the playbook for the stack's window. Its playbook
 * (ec2-instance-status with the ladder [reboot]: `ec2-instance-status.reboot`) is
 * this scenario's alone, and it runs last all the same (GUARD_SCENARIOS).
 */
interface Seed {
  members: SeededInstance[];
  /** When the instance after the failures alarmed (set by nextFault). */
  next?: Date;
}

/** Instances seeded: enough for a breaker of up to 3 failures plus the one it must stop. */
const SIZE = 4;

export const circuitBreaker: Scenario<Seed> = {
  name: 'circuit-breaker',
  title: 'Circuit breaker open',
  fault: 'the restart runbook fails on circuitBreaker.failures instances of one playbook, then another instance fails its status check',
  expected: 'the failures are escalated; the next instance untouched, its skip names the circuit breaker',
  async seed(fleet: Fleet) {
    return { members: await Promise.all(Array.from({ length: SIZE }, (_, i) => fleet.standalone('breaker', `drill-guard-breaker-${i + 1}`))) };
  },
  targets: (s) => s.members.map((m) => ({ kind: 'instance', id: m.instanceId, ladder: ['reboot'] })),
  async inject(env, s) {
    const failing = s.members.slice(0, Math.min(env.guardrails.circuitBreaker.failures, SIZE - 1));
    for (const m of failing) {
      env.proxy.automation.failOn(m.instanceId);
      env.proxy.impairments.inject({ kind: 'instance-status', resourceId: m.instanceId });
    }
    return failing.map((m) => alarmFor(env, 'ec2-instance-status', m.instanceId));
  },
  async nextFault(env, s, timeline) {
    const victim = s.members[Math.min(env.guardrails.circuitBreaker.failures, SIZE - 1)];
    s.next = new Date();
    env.proxy.impairments.inject({ kind: 'instance-status', resourceId: victim.instanceId });
    timeline.add('fault', `after the failures: ${victim.instanceId} fails its instance status check`);
    return [alarmFor(env, 'ec2-instance-status', victim.instanceId)];
  },
  async judge(env, s) {
    const needed = env.guardrails.circuitBreaker.failures;
    const failing = s.members.slice(0, Math.min(needed, SIZE - 1)).map((m) => m.instanceId);
    const victim = s.members[Math.min(needed, SIZE - 1)].instanceId;
    // The failures as AWS saw them: restart executions that ended Failed.
    const failed = [...env.proxy.automation.executions.values()].filter((e) => e.status === 'Failed' && e.startedAt >= env.since);
    const { calls, checks } = await stoppedByGuard(env, { guard: 'circuit breaker', ids: [victim], words: [/circuit|breaker/i], since: s.next ?? new Date() });
    return {
      outcome: `${failed.length} failed restart(s) (breaker at ${needed}); then ${calls.length} fleet call(s) on ${victim}`,
      checks: [
        check(`the stack's breaker opens within what this scenario can fail (${needed} of ${SIZE - 1})`, needed >= 1 && needed <= SIZE - 1, `circuitBreaker.failures = ${needed}`),
        check(`${needed} restart(s) failed first`, failed.length === needed && failing.every((id) => failed.some((e) => (e.parameters.InstanceId ?? []).includes(id))), `${failed.length} Failed execution(s)`),
        check('the next instance failed after them', !!s.next, s.next ? s.next.toISOString() : 'the failures never settled'),
        ...checks,
      ],
    };
  },
};
