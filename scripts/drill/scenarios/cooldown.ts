import type { Fleet, SeededInstance } from '../fleet';
import { alarmFor, stoppedByGuard } from './guard-skip';
import { check, eventsFor, fleetCalls, type Scenario } from './scenario';

/**
 * An instance is rebooted (a non-destructive rung: no approval involved), the
 * fix is verified, and the same fault comes back minutes later: a new incident
 * inside the stack's cooldownMinutes. The second one must not touch the
 * instance, and the skip names the cooldown.
 */
interface Seed {
  i: SeededInstance;
  /** When the fault came back (set by nextFault). */
  again?: Date;
}

export const cooldown: Scenario<Seed> = {
  name: 'cooldown',
  title: 'Same fault again within the cooldown',
  fault: 'EC2 system status failure, fixed by a reboot and verified; then the same failure again',
  expected: 'first fault: one reboot, verified; second: no action, the skip names the cooldown',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('cooldown', 'drill-guard-cooldown') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot'] }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmFor(env, 'ec2-system-status', s.i.instanceId)];
  },
  async nextFault(env, s, timeline) {
    s.again = new Date();
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    timeline.add('fault', `the same failure again on ${s.i.instanceId}`);
    return [];
  },
  async judge(env, s) {
    const again = s.again ?? new Date();
    const first = fleetCalls(env, 'StartAutomationExecution').filter((c) => c.at < again && c.ids.includes(s.i.instanceId));
    const verified = eventsFor(env, [s.i.instanceId], 'Remediation Verified').filter((e) => e.at < again);
    const { calls, checks } = await stoppedByGuard(env, { guard: 'cooldown', ids: [s.i.instanceId], words: [/cool-?down/i], since: again });
    return {
      outcome: `${first.length} reboot, ${verified.length} verified; then ${calls.length} fleet call(s) within the cooldown`,
      checks: [
        check(`the stack sets a cooldown (${env.guardrails.cooldownMinutes} min)`, env.guardrails.cooldownMinutes > 0, `guardrails.cooldownMinutes = ${env.guardrails.cooldownMinutes}`),
        check('the first fault was fixed by one reboot and verified', first.length === 1 && verified.length === 1, `${first.length} AWS-RestartEC2Instance execution(s), ${verified.length} Remediation Verified`),
        check('the fault came back', !!s.again, s.again ? s.again.toISOString() : 'the first fault never settled'),
        ...checks,
      ],
    };
  },
};
