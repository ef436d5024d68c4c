import type { Fleet, SeededInstance } from '../fleet';
import { alarmFor, stoppedByGuard } from './guard-skip';
import { check, handedToHumansChecks, type Scenario } from './scenario';

/**
 * A standalone instance whose only rung is destructive (replace-instance), on
 * a stack that requires approval for destructive rungs: the function must not
 * launch, stop or move anything; the plan goes to people, and the skip names
 * the approval.
 */
interface Seed {
  i: SeededInstance;
}

export const destructiveApproval: Scenario<Seed> = {
  name: 'destructive-approval',
  title: 'Destructive rung needs approval',
  fault: 'EC2 system status failure on an instance whose ladder is [replace-instance]',
  expected: 'no launch, stop or address move; the skip names the approval and people are paged with the plan',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('approval', 'drill-guard-approval', { elasticIp: true }) };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['replace-instance'] }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmFor(env, 'ec2-system-status', s.i.instanceId)];
  },
  async judge(env, s) {
    const { calls, checks } = await stoppedByGuard(env, { guard: 'approval for destructive rungs', ids: [s.i.instanceId], words: [/approv/i] });
    return {
      outcome: calls.length === 0 ? 'handed to humans for approval; instance untouched' : `${calls.length} fleet call(s) without approval`,
      checks: [
        check('the stack requires approval for destructive rungs', env.guardrails.requireApprovalForDestructive, `guardrails.requireApprovalForDestructive = ${env.guardrails.requireApprovalForDestructive}`),
        ...checks,
        ...handedToHumansChecks(env, [s.i.instanceId]),
      ],
    };
  },
};
