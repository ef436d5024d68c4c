import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DRILL_TAG, type Fleet, type SeededGroup } from '../fleet';
import { group, instance, tagsOf, volume } from './fleet-state';
import { alarmOf, APPROVAL_EXPECTED, check, eventsFor, fleetCalls, handedToHumansChecks, type Scenario } from './scenario';

/**
 * A member of an Auto Scaling group hangs (EC2 instance status check) and is protected through an
 * `instance` target selected by tags, whose ladder starts with `reboot`: config cannot tell that a tag
 * selector reaches group members. AWS-RestartEC2Instance would stop the member, and the group's
 * health check terminates a stopped member and deletes its root volume (played by ../asg-health.ts).
 * The reboot rung must turn the member down as not fitting (naming its group) and escalate to
 * replace-instance, which keeps the member's volumes before terminating it in the group.
 */
interface Seed {
  g: SeededGroup;
  victim: string;
  /** The victim's EBS volumes at seeding (moto gives each member a root volume, DeleteOnTermination on). */
  volumes: string[];
}

const SCENARIO = 'asg-member-reboot';

export const asgMemberReboot: Scenario<Seed> = {
  name: SCENARIO,
  title: 'ASG member hung, selected by an instance tag target with a reboot rung',
  fault: 'EC2 instance status check impaired on one member of a 3-instance ASG; the target is `{kind: instance, tags}` with ladder [reboot, replace-instance]',
  expected: "reboot skipped as not fitting (a group member), escalated to replace-instance: the member's volumes kept and tagged retained, desired capacity unchanged",
  expectedUnder: (g) => (g.requireApprovalForDestructive ? `reboot skipped as not fitting; ${APPROVAL_EXPECTED}` : asgMemberReboot.expected),
  async seed(fleet: Fleet) {
    const g = await fleet.group(SCENARIO, 'drill-asg-api', 3);
    const victim = g.instanceIds[0];
    const attached = await fleet.clients.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [victim] }] }));
    return { g, victim, volumes: (attached.Volumes ?? []).map((v) => v.VolumeId!) };
  },
  // The group's members carry the group's propagated tags, so this selector resolves to them at deploy time.
  targets: () => [{ kind: 'instance', tags: { [DRILL_TAG]: SCENARIO }, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    // An instance status fault alone is no Auto Scaling health criterion: only what the stack does can make the group act.
    env.proxy.impairments.inject({ kind: 'instance-status', resourceId: s.victim });
    return [alarmOf(env, 'ec2-instance-status', s.victim)];
  },
  async recovered(env, s) {
    const g = await group(env.clients, s.g.name);
    const members = (g?.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
    return members.length === s.g.desiredCapacity && !members.some((m) => m.InstanceId === s.victim);
  },
  async judge(env, s) {
    const g = await group(env.clients, s.g.name);
    const members = (g?.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!);
    const victim = await instance(env.clients, s.victim);
    const vols = await Promise.all(s.volumes.map((id) => volume(env.clients, id).catch(() => undefined)));
    const volumeStates = vols.map((v, i) => `${s.volumes[i]}: ${v ? `${v.State} ${tagsOf(v)['recovery:state'] ?? 'untagged'}` : 'deleted'}`).join('; ');
    const automations = fleetCalls(env, 'StartAutomationExecution').filter((c) => c.ids.includes(s.victim));
    const misfit = eventsFor(env, [s.victim], 'Remediation Skipped').map((e) => String(e.detail.reason ?? '')).find((r) => /does not fit/.test(r)) ?? '';
    const common = [
      check('no restart runbook started on the member', automations.length === 0, `${automations.length} StartAutomationExecution call(s) naming ${s.victim}`),
      check(
        'the reboot rung turned the member down, naming its group',
        misfit.includes(`rung 0 (reboot) does not fit`) && misfit.includes(`Auto Scaling group ${s.g.name}`),
        misfit.slice(0, 200) || 'no "does not fit" skip for the member',
      ),
      check('desired capacity unchanged', g?.DesiredCapacity === s.g.desiredCapacity, `desired ${g?.DesiredCapacity} (was ${s.g.desiredCapacity})`),
    ];
    if (env.guardrails.requireApprovalForDestructive) {
      const intact = vols.every((v) => v?.State === 'in-use');
      return {
        outcome: `reboot skipped; replace-instance handed to humans; ${s.victim} ${victim?.State?.Name}`,
        checks: [
          ...common,
          ...handedToHumansChecks(env, [s.victim]),
          check('the member is still running, its volumes attached', victim?.State?.Name === 'running' && intact, `${s.victim}: ${victim?.State?.Name}; ${volumeStates}`),
        ],
      };
    }
    const fresh = members.filter((m) => !s.g.instanceIds.includes(m));
    const healthy = s.g.instanceIds.filter((i) => i !== s.victim);
    const retained = vols.filter((v) => v && tagsOf(v)['recovery:state'] === 'retained' && tagsOf(v)['recovery:detached-from'] === s.victim);
    const terminations = fleetCalls(env, 'TerminateInstanceInAutoScalingGroup');
    return {
      outcome: `${s.victim} ${victim?.State?.Name}; volumes: ${volumeStates}; InService: ${members.length}/${s.g.desiredCapacity}`,
      checks: [
        ...common,
        check(
          "the member's volumes are kept, tagged retained",
          s.volumes.length > 0 && retained.length === s.volumes.length,
          `${retained.length}/${s.volumes.length} kept and tagged (${volumeStates})`,
        ),
        check('the member was replaced through the group by replace-instance', terminations.length === 1 && terminations[0].ids.includes(s.victim), `${terminations.length} TerminateInstanceInAutoScalingGroup call(s) by the functions: ${terminations.map((t) => t.ids.join('/')).join('; ')}`),
        check('the member is terminated', ['shutting-down', 'terminated'].includes(victim?.State?.Name ?? ''), `${s.victim}: ${victim?.State?.Name}`),
        check('the group is back to full strength with a new member', members.length === s.g.desiredCapacity && fresh.length === 1, `InService: ${members.join(', ')}`),
        check('healthy members untouched', healthy.every((h) => members.includes(h)), `kept: ${healthy.filter((h) => members.includes(h)).join(', ')}`),
      ],
    };
  },
};
