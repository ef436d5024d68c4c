import { DescribeAutoScalingGroupsCommand, type DescribeAutoScalingGroupsCommandOutput } from '@aws-sdk/client-auto-scaling';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { handler } from '../../functions/handlers/replace-instance';
import { autoscaling } from '../../functions/runtime/sdk';
import { countMutations } from './sdk-probes';
import { alarmEvent, aws, busEvents, createAsg, createStack, playbook, putAlarm, request, type TestStack } from './stack';

/**
 * When the Auto Scaling group is already replacing its impaired member (its
 * own health checks got there first), replace-instance stands down: no second
 * termination, and no escalation that would page humans for a fault AWS is
 * fixing. The skip says why.
 */
async function members(name: string) {
  return (await aws().asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0].Instances ?? [];
}

describe('replace-instance stands down while the group replaces its member', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 });
  });

  it('a member the group is terminating (lifecycle Terminating:Wait): skipped with the reason, nothing mutated, no escalation', async () => {
    // Prepare: the group holds the member in Terminating:Wait (a termination lifecycle hook draining it).
    // STAND-IN: moto drops a member from its group at once on termination, hooks or not, so the functions'
    // own Auto Scaling client sees the member as AWS shows it during the hook (only LifecycleState is changed).
    await createAsg('web', 3);
    const victim = (await members('web'))[0].InstanceId!;
    const { client } = await autoscaling();
    client.middlewareStack.add(
      (next: (a: any) => Promise<any>, ctx: { commandName?: string }) => async (args: any) => {
        const out = await next(args);
        const groups = (out.output as DescribeAutoScalingGroupsCommandOutput).AutoScalingGroups;
        if (ctx.commandName === 'DescribeAutoScalingGroupsCommand') {
          for (const m of groups?.flatMap((g) => g.Instances ?? []) ?? []) if (m.InstanceId === victim) m.LifecycleState = 'Terminating:Wait';
        }
        return out;
      },
      { step: 'initialize', name: 'terminatingStandIn' },
    );
    const name = await putAlarm('status', victim, 'InstanceId');
    const counter = await countMutations();
    try {
      // Act
      const out = await handler(request(playbook('status', ['replace-instance', 'replace-instance']), alarmEvent(name, { InstanceId: victim })));
      // Assess
      expect(out.outcome).toBe('skipped');
      expect(out.reason).toBe(`group web is already replacing instance ${victim} (lifecycle Terminating:Wait)`);
      expect(counter.fleet).toEqual([]);
      expect((await busEvents(stack)).map((e) => e.detailType)).toEqual(['Remediation Skipped']);
    } finally {
      await counter.detach();
      client.middlewareStack.remove('terminatingStandIn');
    }
  });

  it('a member already terminated: skipped with the reason, no escalation', async () => {
    // Prepare: the instance is gone (terminated outside us) while the group still lists it
    await createAsg('api', 2);
    const victim = (await members('api'))[0].InstanceId!;
    await aws().ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
    const name = await putAlarm('status', victim, 'InstanceId');
    // Act
    const out = await handler(request(playbook('status', ['replace-instance', 'replace-instance']), alarmEvent(name, { InstanceId: victim })));
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toBe(`instance ${victim} is already terminated; group api replaces it itself`);
    expect((await busEvents(stack)).map((e) => e.detailType)).toEqual(['Remediation Skipped']);
  });
});
