import { auditTrail } from '../audit-trail';
import type { Fleet, SeededGroup } from '../fleet';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { group, instance, tagsOf, volume } from './fleet-state';
import { alarmOf, APPROVAL_EXPECTED, check, eventsFor, fleetCalls, handedToHumansChecks, type Scenario } from './scenario';

/**
 * An Auto Scaling group member's host fails (EC2 system status check). The
 * group's status-check alarm fires; replace-instance must terminate that
 * member in the group WITHOUT lowering the desired capacity, so the group
 * launches a healthy replacement, and must keep the member's volumes (its
 * root volume is deleted on termination unless the flag is turned off).
 */
interface Seed {
  g: SeededGroup;
  victim: string;
  /** The victim's EBS volumes at seeding (moto gives each member a root volume, DeleteOnTermination on). */
  volumes: string[];
}

export const asgReplace: Scenario<Seed> = {
  name: 'asg-system-status',
  title: 'ASG member system status failure',
  fault: 'EC2 system status check impaired on one member of a 3-instance ASG',
  expected: 'the member is replaced through the group; desired capacity unchanged',
  expectedUnder: (g) => (g.requireApprovalForDestructive ? APPROVAL_EXPECTED : asgReplace.expected),
  async seed(fleet: Fleet) {
    const g = await fleet.group('asg', 'drill-asg-web', 3);
    const victim = g.instanceIds[1];
    const attached = await fleet.clients.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [victim] }] }));
    return { g, victim, volumes: (attached.Volumes ?? []).map((v) => v.VolumeId!) };
  },
  targets: (s) => [{ kind: 'autoscaling-group', name: s.g.name }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.victim });
    return [alarmOf(env, 'asg-status-check', s.g.name)];
  },
  async recovered(env, s) {
    const g = await group(env.clients, s.g.name);
    const members = (g?.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
    return members.length === s.g.desiredCapacity && !members.some((m) => m.InstanceId === s.victim);
  },
  async judge(env, s) {
    if (env.guardrails.requireApprovalForDestructive) {
      const g = await group(env.clients, s.g.name);
      const victim = await instance(env.clients, s.victim);
      const members = (g?.Instances ?? []).map((i) => i.InstanceId!);
      // The stack changes nothing; the group's own EC2 health check may still replace the impaired member
      // (as AWS does, scripts/drill/asg-health.ts), which is AWS acting, not the stack.
      const healthy = s.g.instanceIds.filter((i) => i !== s.victim);
      return {
        outcome: `handed to humans for approval; the stack changed nothing (the impaired member is ${victim?.State?.Name ?? 'gone'}: the group's own health check)`,
        checks: [
          ...handedToHumansChecks(env, [s.g.name, s.victim]),
          check('healthy members untouched', healthy.every((h) => members.includes(h)), `members: ${members.join(', ')}`),
          check('desired capacity unchanged', g?.DesiredCapacity === s.g.desiredCapacity, `desired ${g?.DesiredCapacity} (was ${s.g.desiredCapacity})`),
        ],
      };
    }
    const g = await group(env.clients, s.g.name);
    const members = (g?.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!);
    const victim = await instance(env.clients, s.victim);
    const fresh = members.filter((m) => !s.g.instanceIds.includes(m));
    const terminations = fleetCalls(env, 'TerminateInstanceInAutoScalingGroup');
    const healthy = s.g.instanceIds.filter((i) => i !== s.victim);
    const verified = eventsFor(env, [s.g.name, s.victim], 'Remediation Verified');
    const kept = await Promise.all(s.volumes.map((id) => volume(env.clients, id).catch(() => undefined)));
    const retained = kept.filter((v) => v && tagsOf(v)['recovery:state'] === 'retained' && tagsOf(v)['recovery:detached-from'] === s.victim);
    const audit = await auditTrail(env.proxy.upstream, env.deployment.tableName, s.victim);
    const told = ['Remediation Started', 'Remediation Succeeded', 'Remediation Verified'].filter((t) => audit.out.includes(t));
    const checks = [
      check('the failed member is terminated', ['shutting-down', 'terminated'].includes(victim?.State?.Name ?? ''), `${s.victim}: ${victim?.State?.Name}`),
      check('desired capacity unchanged', g?.DesiredCapacity === s.g.desiredCapacity, `desired ${g?.DesiredCapacity} (was ${s.g.desiredCapacity})`),
      check('the group is back to full strength with a new member', members.length === s.g.desiredCapacity && fresh.length === 1, `InService: ${members.join(', ')}`),
      check('healthy members untouched', healthy.every((h) => members.includes(h)), `kept: ${healthy.filter((h) => members.includes(h)).join(', ')}`),
      check(
        "the member's volumes are kept, tagged retained",
        s.volumes.length > 0 && retained.length === s.volumes.length,
        `${retained.length}/${s.volumes.length} of ${s.volumes.join(', ')} kept and tagged (${kept.map((v, i) => `${s.volumes[i]}: ${v ? `${v.State} ${tagsOf(v)['recovery:state'] ?? 'untagged'}` : 'deleted'}`).join('; ')})`,
      ),
      check('exactly one termination', terminations.length === 1, `${terminations.length} TerminateInstanceInAutoScalingGroup call(s): ${terminations.map((t) => t.ids.join('/')).join('; ')}`),
      check('the fix was verified', verified.length >= 1, `${verified.length} Remediation Verified event(s)`),
      check(
        `npm run audit -- --resource ${s.victim} tells it through the ledger's audit indexes`,
        audit.code === 0 && audit.err.includes('queried the audit indexes') && told.length === 3,
        `exit ${audit.code}; ${told.length}/3 of Started, Succeeded, Verified listed; ${audit.err.trim().split('\n')[0] ?? ''}`,
      ),
    ];
    return { outcome: fresh.length === 1 ? `replaced ${s.victim} with ${fresh[0]} (desired ${g?.DesiredCapacity})` : `not replaced (InService: ${members.length})`, checks };
  },
};
