import { DescribeAutoScalingGroupsCommand, SetInstanceHealthCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { Impairments } from '../sandbox/gaps/impairments';
import type { Clients } from './aws';

/**
 * STAND-IN for Auto Scaling's EC2 health checks and its replacement of unhealthy members: moto never
 * evaluates member health and never replaces a member by itself.
 *
 * What AWS does (EC2 Auto Scaling User Guide, "Health checks for instances in an Auto Scaling group",
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html, and "Maintaining the
 * number of instances", as-maintain-instance-levels.html): with the default EC2 health check, a member in
 * any state other than `running` (stopping, stopped, ...) or whose SYSTEM status is impaired is unhealthy;
 * an impaired INSTANCE status alone is not. An unhealthy InService member is terminated and replaced to
 * keep the desired capacity (the "Replace unhealthy instances" process, terminate first, then launch), usually
 * within minutes (health-check-grace-period.html; warm-pools-health-checks-monitor-view-status.html). EC2
 * deletes a terminated instance's volumes that have DeleteOnTermination.
 *
 * Played here in two steps:
 *   - `sync` (the health check, with the played CloudWatch): marks such members `Unhealthy`. A member seen
 *     stopping counts even if a restart runbook has already started it again (see Impairments.takeStops);
 *   - `replace` (once per pass of the drill loop): a member marked on an EARLIER pass and still InService is
 *     terminated in its group without lowering the desired capacity. That pass is the model of "within
 *     minutes": the stack's own functions get one full pass to act first, as they get seconds in AWS.
 * moto does the rest itself on TerminateInstanceInAutoScalingGroup: detaches the member, launches the
 * replacement, terminates the instance and deletes its DeleteOnTermination volumes (as EC2 does), so
 * nothing of that is modelled here.
 */
export interface HealthMark {
  instanceId: string;
  why: string;
}

export interface GroupReplacement {
  instanceId: string;
  group: string;
  why: string;
  /** The member's volumes that had DeleteOnTermination when the group terminated it. */
  deletedVolumes: string[];
}

export class AutoScalingHealthStandIn {
  /** Members marked Unhealthy, with the loop pass that marked them. */
  private readonly marked = new Map<string, { pass: number; why: string; replaced?: boolean }>();
  /** Impaired instances already looked at (standalone ones included: never members). */
  private readonly seenImpaired = new Set<string>();
  private pass = 0;

  constructor(
    private readonly c: Clients,
    private readonly impairments: Impairments,
  ) {}

  /** The EC2 health check: returns the members it marked Unhealthy in this call. */
  async sync(): Promise<HealthMark[]> {
    const why = new Map<string, string>();
    for (const i of this.impairments.all()) {
      if (i.clearedAt || i.kind !== 'instance-system' || this.seenImpaired.has(i.resourceId)) continue;
      this.seenImpaired.add(i.resourceId);
      why.set(i.resourceId, 'system status impaired');
    }
    for (const id of this.impairments.takeStops()) why.set(id, 'not running (stopped)');
    const todo = [...why.keys()].filter((id) => !this.marked.has(id));
    if (todo.length === 0) return [];
    const groups = (await this.c.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    const out: HealthMark[] = [];
    for (const g of groups) {
      for (const m of g.Instances ?? []) {
        if (!m.InstanceId || !todo.includes(m.InstanceId) || m.LifecycleState !== 'InService') continue;
        await this.c.autoscaling.send(new SetInstanceHealthCommand({ InstanceId: m.InstanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }));
        this.marked.set(m.InstanceId, { pass: this.pass, why: why.get(m.InstanceId)! });
        out.push({ instanceId: m.InstanceId, why: why.get(m.InstanceId)! });
      }
    }
    return out;
  }

  /** One health-check pass of the group: replaces members marked Unhealthy on an earlier pass. */
  async replace(): Promise<GroupReplacement[]> {
    const due = [...this.marked].filter(([, m]) => !m.replaced && m.pass < this.pass);
    this.pass++;
    if (due.length === 0) return [];
    const groups = (await this.c.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    const out: GroupReplacement[] = [];
    for (const [instanceId, mark] of due) {
      mark.replaced = true;
      const g = groups.find((x) => x.Instances?.some((m) => m.InstanceId === instanceId && m.LifecycleState === 'InService'));
      // Already out of service (the stack's replace-instance terminated it, or it left the group): nothing to do.
      if (!g?.AutoScalingGroupName) continue;
      // For the timeline: the flag as the instance's block device mapping reports it (what EC2 acts on).
      const inst = (await this.c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
      const deletedVolumes = (inst?.BlockDeviceMappings ?? []).filter((b) => b.Ebs?.DeleteOnTermination && b.Ebs.VolumeId).map((b) => b.Ebs!.VolumeId!);
      await this.c.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
      this.impairments.onInstance(instanceId, 'terminated', 'autoscaling:health-check-replacement');
      out.push({ instanceId, group: g.AutoScalingGroupName, why: mark.why, deletedVolumes });
    }
    return out;
  }
}
