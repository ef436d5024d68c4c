import type { Fleet, SeededInstance } from '../fleet';
import { address, instance } from './fleet-state';
import { alarmOf, check, eventsFor, leftAloneChecks, type Scenario } from './scenario';

/**
 * A standalone instance's host fails (system status check) on an instance type EC2 simplified automatic
 * recovery supports, AutoRecovery left at `default`: EC2 moves it to another host itself (same instance
 * id, IPs and volumes) and reports AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS to AWS Health
 * (../../sandbox/gaps/auto-recovery.ts). The reboot rung waits for that outcome and stands down, naming
 * EC2's recovery: a stop/start of ours would only have raced the migration.
 */
interface Seed {
  i: SeededInstance;
  volumes: string[];
}

/** A type EC2 recovers (moto's DescribeInstanceTypes: AutoRecoverySupported true). */
export const RECOVERABLE_TYPE = 't3.micro';

export const ec2Recovers: Scenario<Seed> = {
  name: 'ec2-auto-recovery',
  title: 'EC2 recovers the instance itself',
  fault: `EC2 system status check impaired on a ${RECOVERABLE_TYPE} (simplified automatic recovery on by default); EC2 recovers it`,
  expected: "no fleet-changing call; the skip names EC2's recovery; the same instance healthy with its IP and volumes",
  async seed(fleet: Fleet) {
    const i = await fleet.standalone('ec2recovers', 'drill-app-7', { instanceType: RECOVERABLE_TYPE, elasticIp: true });
    const inst = await instance(fleet.clients, i.instanceId);
    return { i, volumes: (inst?.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId ?? '') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmOf(env, 'ec2-system-status', s.i.instanceId)];
  },
  async recovered(env, s) {
    return (await instance(env.clients, s.i.instanceId))?.State?.Name === 'running' && env.proxy.impairments.active(s.i.instanceId).length === 0;
  },
  async judge(env, s) {
    const { calls, checks: left, skipped, skipReason } = await leftAloneChecks(env, s.i.instanceId, 'the instance keeps running');
    const inst = await instance(env.clients, s.i.instanceId);
    const eip = await address(env.clients, s.i.allocationId!);
    const volumes = (inst?.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId ?? '');
    const byEc2 = env.proxy.autoRecovery.records.filter((r) => r.instanceId === s.i.instanceId);
    const escalated = eventsFor(env, [s.i.instanceId], 'Remediation Escalated').length + eventsFor(env, [s.i.instanceId], 'Remediation Requested').length;
    const checks = [
      ...left,
      check('EC2 recovered it (its SUCCESS Health event)', byEc2.length === 1 && byEc2[0].outcome === 'succeeded', byEc2.map((r) => `${r.outcome}: ${r.why}`).join('; ') || 'EC2 did nothing'),
      check("the skip names EC2's recovery", skipped.length >= 1 && /EC2 simplified automatic recovery/.test(skipReason), skipReason || 'no Skipped notification'),
      check('nobody paged, no next rung', escalated === 0, `${escalated} Escalated / Requested event(s)`),
      check('same instance, host healthy', inst?.State?.Name === 'running' && env.proxy.impairments.active(s.i.instanceId).length === 0, `${s.i.instanceId}: ${inst?.State?.Name}`),
      check('its Elastic IP and volumes unchanged', eip?.InstanceId === s.i.instanceId && volumes.join() === s.volumes.join(), `EIP on ${eip?.InstanceId}; volumes ${volumes.join(', ')}`),
    ];
    return { outcome: calls.length === 0 ? `left to EC2, which recovered ${s.i.instanceId} in place` : `${calls.length} fleet call(s) racing EC2's recovery`, checks };
  },
};
