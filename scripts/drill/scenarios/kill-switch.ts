import type { Fleet, SeededInstance } from '../fleet';
import { alarmOf, check, leftAloneChecks, setMode, type Scenario } from './scenario';

/**
 * Operators set the kill switch (/recovery/<stage>/mode) to `off`. A real
 * fault then arrives: nothing in the fleet may change, and the skip is told.
 */
interface Seed {
  i: SeededInstance;
}

export const killSwitch: Scenario<Seed> = {
  name: 'kill-switch-off',
  title: 'Kill switch off',
  fault: 'mode parameter set to off, then an EC2 system status failure',
  expected: 'no action at all; the skip is notified with its reason',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('killswitch', 'drill-app-3') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    await setMode(env, 'off');
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmOf(env, 'ec2-system-status', s.i.instanceId)];
  },
  async judge(env, s) {
    const { calls, checks: left, skipped, skipReason: reason } = await leftAloneChecks(env, s.i.instanceId, 'the instance was left as it was');
    const checks = [
      ...left,
      check('the skip was notified with the kill switch as reason', skipped.length >= 1 && /off|kill/i.test(reason), reason || 'no Skipped notification'),
    ];
    return { outcome: calls.length === 0 ? `no action (mode off); ${skipped.length} skip notified` : `${calls.length} fleet call(s) despite mode off`, checks };
  },
  async cleanup(env) {
    await setMode(env, 'auto');
  },
};
