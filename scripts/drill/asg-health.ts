import { DescribeAutoScalingGroupsCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import type { Impairments } from '../sandbox/gaps/impairments';
import type { Clients } from './aws';

/**
 * STAND-IN for Auto Scaling's EC2 health checks (moto never evaluates member
 * health): a member whose EC2 status checks are impaired is marked
 * `Unhealthy`, as the group's health check would. Real Auto Scaling would
 * also go on to replace it by itself after the health check; the drill
 * leaves that to the stack's replace-instance function, which is what it drills.
 */
export class AutoScalingHealthStandIn {
  private readonly marked = new Set<string>();

  constructor(
    private readonly c: Clients,
    private readonly impairments: Impairments,
  ) {}

  /** Returns the members it marked Unhealthy in this call. */
  async sync(): Promise<string[]> {
    const impaired = new Set(
      this.impairments
        .all()
        .filter((i) => !i.clearedAt && (i.kind === 'instance-system' || i.kind === 'instance-status'))
        .map((i) => i.resourceId),
    );
    const todo = [...impaired].filter((id) => !this.marked.has(id));
    if (todo.length === 0) return [];
    const groups = (await this.c.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    const marked: string[] = [];
    for (const g of groups) {
      for (const m of g.Instances ?? []) {
        if (!m.InstanceId || !todo.includes(m.InstanceId) || m.HealthStatus === 'Unhealthy') continue;
        await this.c.autoscaling.send(new SetInstanceHealthCommand({ InstanceId: m.InstanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }));
        marked.push(m.InstanceId);
      }
    }
    // Standalone instances are never group members: remember them too, so they are not looked up again.
    for (const id of todo) this.marked.add(id);
    return marked;
  }
}
