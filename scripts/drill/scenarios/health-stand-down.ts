import { REGION } from '../aws';
import type { Fleet, SeededInstance } from '../fleet';
import { alarmOf, check, leftAloneChecks, type Scenario } from './scenario';

/**
 * AWS Health reports an open EC2 issue in the instance's AZ when its status
 * check fails: AWS is already on it, so the automation stands down (no
 * restart or replacement churn during a provider event) and says so.
 */
interface Seed {
  i: SeededInstance;
}

export const healthStandDown: Scenario<Seed> = {
  name: 'health-stand-down',
  title: 'Open AWS Health event',
  fault: 'EC2 system status failure while AWS Health has an open EC2 issue in the same AZ',
  expected: 'no action (stand-down), the skip notified with the Health event as reason',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('health', 'drill-app-4') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    env.proxy.health.open({
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE',
      eventTypeCategory: 'issue',
      region: REGION,
      availabilityZone: s.i.availabilityZone,
      entities: [s.i.instanceId],
    });
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmOf(env, 'ec2-system-status', s.i.instanceId)];
  },
  async judge(env, s) {
    const { calls, checks: left, skipped, skipReason: reason } = await leftAloneChecks(env, s.i.instanceId, 'the instance was left to AWS');
    const checks = [
      ...left,
      check('the stand-down was notified with the Health event as reason', skipped.length >= 1 && /health/i.test(reason), reason || 'no Skipped notification'),
    ];
    return { outcome: calls.length === 0 ? `stood down; ${skipped.length} skip notified` : `${calls.length} fleet call(s) during an open Health event`, checks };
  },
  async cleanup(env) {
    env.proxy.health.closeAll();
  },
};
