import type { Fleet, SeededInstance } from '../fleet';
import { alarmOf, check, leftAloneChecks, type Scenario } from './scenario';

/**
 * An SRE muted the instance's alarm for planned maintenance (a CloudWatch
 * alarm mute rule, ACTIVE). Muting silences the alarm's own actions, yet the
 * alarm still goes to ALARM and its event still reaches EventBridge: the
 * automation must stand down too, and name the rule in the skip.
 */
interface Seed {
  i: SeededInstance;
}

const RULE = 'drill-planned-maintenance';

export const alarmMute: Scenario<Seed> = {
  name: 'alarm-mute-rule',
  title: 'Alarm muted for maintenance',
  fault: 'EC2 system status failure while an ACTIVE alarm mute rule targets the instance alarm',
  expected: 'no action (stand-down), the skip notified naming the mute rule',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('mute', 'drill-app-6') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    const alarm = alarmOf(env, 'ec2-system-status', s.i.instanceId);
    env.proxy.muteRules.put({ name: RULE, alarmNames: [alarm], status: 'ACTIVE', muteType: 'ONE_TIME', expireDate: new Date(Date.now() + 2 * 3600_000) });
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarm];
  },
  async judge(env, s) {
    const { calls, checks: left, skipped, skipReason: reason } = await leftAloneChecks(env, s.i.instanceId, 'the instance was left to the maintenance');
    const asked = env.proxy.calls.filter((c) => c.at >= env.since && c.service === 'monitoring' && c.operation === 'ListAlarmMuteRules' && c.by === 'stand-in');
    const checks = [
      ...left,
      check('the functions asked for the alarm mute rules', asked.length >= 1, `${asked.length} ListAlarmMuteRules call(s)`),
      check('the skip was notified naming the mute rule', skipped.length >= 1 && reason.includes(RULE), reason || 'no Skipped notification'),
    ];
    return { outcome: calls.length === 0 ? `stood down (alarm muted); ${skipped.length} skip notified` : `${calls.length} fleet call(s) while the alarm was muted`, checks };
  },
  async cleanup(env) {
    env.proxy.muteRules.clear();
  },
};
