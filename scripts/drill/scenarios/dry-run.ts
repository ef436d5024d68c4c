import type { Fleet, SeededInstance } from '../fleet';
import { alarmOf, check, leftAloneChecks, notificationsFor, setMode, type Scenario } from './scenario';

/**
 * The kill switch in `dry-run` (how dev ships by default): a real fault is
 * diagnosed and its plan recorded and told, but nothing in the fleet changes.
 */
interface Seed {
  i: SeededInstance;
}

export const dryRun: Scenario<Seed> = {
  name: 'dry-run',
  title: 'Dry-run mode',
  fault: 'mode parameter set to dry-run, then an EC2 system status failure',
  expected: 'the plan is recorded and notified; zero fleet changes',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('dryrun', 'drill-app-5') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    await setMode(env, 'dry-run');
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmOf(env, 'ec2-system-status', s.i.instanceId)];
  },
  async judge(env, s) {
    const { calls, checks: left } = await leftAloneChecks(env, s.i.instanceId, 'the instance was left as it was');
    const told = notificationsFor(env, [s.i.instanceId]).map((n) => JSON.parse(n.message) as { detailType?: string; mode?: string; reason?: string });
    const planned = told.filter((n) => n.mode === 'dry-run');
    const checks = [
      ...left,
      check('the plan was notified in dry-run mode', planned.length >= 1, planned.map((n) => `${n.detailType}: ${n.reason ?? ''}`.slice(0, 160)).join(' | ') || 'no dry-run notification'),
    ];
    return { outcome: calls.length === 0 ? `planned only; ${planned.length} dry-run notification(s)` : `${calls.length} fleet call(s) in dry-run`, checks };
  },
  async cleanup(env) {
    await setMode(env, 'auto');
  },
};
