import type { Fleet, SeededInstance } from '../fleet';
import { alarmFor, stoppedByGuard } from './guard-skip';
import { check, eventsFor, fleetCalls, type Scenario } from './scenario';

/**
 * An instance's fault survives every restart, and its ladder is nothing but
 * reboots (non-destructive: no approval involved), longer than the stack's
 * maxAttemptsPerDay. Escalations of one incident are not held back by its own
 * cooldown but do count as attempts: exactly maxAttemptsPerDay reboots run,
 * the next rung is skipped naming the attempts limit, the instance is left.
 */
interface Seed {
  i: SeededInstance;
}

/** Rungs of the ladder: the config allows at most 5, so stacks with maxAttemptsPerDay up to 4 can be drilled. */
const LADDER = ['reboot', 'reboot', 'reboot', 'reboot', 'reboot'];

export const attemptsPerDay: Scenario<Seed> = {
  name: 'attempts-per-day',
  title: 'Attempts per day used up',
  fault: `EC2 instance status failure that survives restarts; ladder of ${LADDER.length} reboots`,
  expected: 'maxAttemptsPerDay reboots, then the next rung skipped naming the attempts limit; instance left running',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('attempts', 'drill-guard-attempts') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: LADDER }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-status', resourceId: s.i.instanceId, survivesRestart: true });
    return [alarmFor(env, 'ec2-instance-status', s.i.instanceId)];
  },
  async judge(env, s) {
    const max = env.guardrails.maxAttemptsPerDay;
    const reboots = fleetCalls(env, 'StartAutomationExecution').filter((c) => c.ids.includes(s.i.instanceId));
    // The guard must stop the rung after the last allowed attempt: judge from the last reboot on.
    const last = reboots[reboots.length - 1]?.at;
    const skipped = eventsFor(env, [s.i.instanceId], 'Remediation Skipped');
    const { checks } = await stoppedByGuard(env, { guard: 'attempts-per-day limit', ids: [s.i.instanceId], words: [/attempt/i], since: last ? new Date(last.getTime() + 1) : env.since });
    return {
      outcome: `${reboots.length} reboot(s) (limit ${max} per day), then ${skipped.length} skip(s)`,
      checks: [
        check(`the ladder is longer than the stack's maxAttemptsPerDay (${max})`, LADDER.length > max, `${LADDER.length} rungs`),
        check(`exactly maxAttemptsPerDay (${max}) reboots`, reboots.length === max, `${reboots.length} AWS-RestartEC2Instance execution(s)`),
        ...checks,
      ],
    };
  },
};
