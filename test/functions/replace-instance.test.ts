import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { handler } from '../../functions/handlers/replace-instance';
import { countMutations, failOnce } from './sdk-probes';
import { alarmEvent, aws, busEvents, createAsg, createStack, playbook, putAlarm, request, runInstances, type TestStack } from './stack';

async function group(name: string) {
  return (await aws().asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];
}

describe('replace-instance', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 });
  });

  it('replaces an ASG member through the group with desired capacity unchanged', async () => {
    // Prepare
    await createAsg('web', 3);
    const before = await group('web');
    const victim = before.Instances![0].InstanceId!;
    const name = await putAlarm('status', victim, 'InstanceId');
    const counter = await countMutations();
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: victim })));
    await counter.detach();
    // Assess
    expect(out.outcome).toBe('succeeded');
    const after = await group('web');
    expect(after.DesiredCapacity).toBe(3);
    const members = after.Instances!.filter((m) => m.LifecycleState === 'InService').map((m) => m.InstanceId);
    expect(members).toHaveLength(3);
    expect(members).not.toContain(victim);
    expect(counter.fleet).toEqual(['autoscaling:TerminateInstanceInAutoScalingGroupCommand']);
    const succeeded = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Succeeded')!;
    expect(succeeded.detail.resource).toEqual({ type: 'instance', id: victim, group: 'web' });
    expect(succeeded.detail.evidence.result).toMatchObject({ terminated: victim, group: 'web', desiredCapacity: 3 });
    expect(members).toContain(succeeded.detail.evidence.result.replacement);
  });

  it('acts on the group as diagnosis read it (no second read), and waits for the group to be made up even when it scaled out since', async () => {
    // Prepare: between the diagnosis and the termination the group scales out (desired 3 -> 4), so the
    // members diagnosis saw are stale by one
    await createAsg('api', 3);
    const victim = (await group('api')).Instances![0].InstanceId!;
    const name = await putAlarm('status', victim, 'InstanceId');
    const { autoscaling } = await import('../../functions/runtime/sdk');
    const { SetDesiredCapacityCommand } = await import('@aws-sdk/client-auto-scaling');
    const { client } = await autoscaling();
    const sent: string[] = [];
    let lastSeen: Array<{ InstanceId?: string; LifecycleState?: string }> = [];
    client.middlewareStack.add(
      (next: (a: any) => Promise<any>, ctx: { commandName?: string }) => async (args: any) => {
        sent.push(ctx.commandName!);
        if (ctx.commandName === 'TerminateInstanceInAutoScalingGroupCommand') {
          await aws().asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'api', DesiredCapacity: 4 }));
        }
        const res = await next(args);
        if (ctx.commandName === 'DescribeAutoScalingGroupsCommand') lastSeen = res.output?.AutoScalingGroups?.[0]?.Instances ?? [];
        return res;
      },
      { step: 'initialize', name: 'scaleOutBeforeTerminate' },
    );
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: victim }))).finally(() => client.middlewareStack.remove('scaleOutBeforeTerminate'));
    // Assess: one group read before the termination (diagnosis); the wait ended with the group made up
    expect(out.outcome).toBe('succeeded');
    expect(sent.slice(0, sent.indexOf('TerminateInstanceInAutoScalingGroupCommand'))).toEqual(['DescribeAutoScalingGroupsCommand']);
    const succeeded = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Succeeded')!;
    const result = succeeded.detail.evidence.result;
    expect(result).toMatchObject({ terminated: victim, group: 'api', desiredCapacity: 3 });
    // The poll that ended the wait saw the scaled-out group made up: 4 InService besides the terminated one.
    const inService = lastSeen.filter((m) => m.LifecycleState === 'InService' && m.InstanceId !== victim).map((m) => m.InstanceId);
    expect(inService).toHaveLength(4);
    expect(inService).toContain(result.replacement);
    expect((await group('api')).DesiredCapacity).toBe(4);
  });

  it('replaces a standalone instance: launches a copy, then stops and tags the old one (never terminates)', async () => {
    // Prepare
    const [old] = await runInstances(1, { Name: 'bastion', team: 'sre' });
    const eip = await aws().ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await aws().ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: old }));
    const name = await putAlarm('status', old, 'InstanceId');
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old })));
    // Assess
    expect(out.outcome).toBe('succeeded');
    const all = ((await aws().ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const retired = all.find((i) => i.InstanceId === old)!;
    expect(retired.State!.Name).toBe('stopped');
    expect(retired.Tags).toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'retired' }]));
    const replacement = all.find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!;
    expect(replacement.State!.Name).toBe('running');
    expect(replacement.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'bastion' }, { Key: 'team', Value: 'sre' }]));
    expect(replacement.SubnetId).toBe(retired.SubnetId);
    const [address] = (await aws().ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses!;
    expect(address.InstanceId).toBe(replacement.InstanceId);
  });

  // Failure injection: the functions' own EC2 client refuses the named command once (moto cannot be
  // told to fail one call). Moving the address, stopping the old instance and tagging it retired are
  // the steps after the replacement exists.
  it.each(['AssociateAddressCommand', 'StopInstancesCommand', 'CreateTagsCommand'])(
    'a standalone replacement that fails at %s is rolled back: old instance running with its address, replacement stopped and kept',
    async (command) => {
      // Prepare
      const [old] = await runInstances(1, { Name: 'bastion' });
      const eip = await aws().ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      await aws().ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: old }));
      const name = await putAlarm('status', old, 'InstanceId');
      const fault = await failOnce('ec2', command);
      // Act
      const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old }))).finally(() => fault.detach());
      // Assess
      expect(fault.fired()).toBe(true);
      expect(out.outcome).toBe('failed');
      const all = ((await aws().ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
      expect(all.every((i) => i.State!.Name !== 'terminated' && i.State!.Name !== 'shutting-down')).toBe(true);
      const original = all.find((i) => i.InstanceId === old)!;
      expect(['running', 'pending']).toContain(original.State!.Name);
      expect(original.Tags).not.toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'retired' }]));
      const replacement = all.find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!;
      expect(['stopped', 'stopping']).toContain(replacement.State!.Name);
      expect(replacement.Tags).toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'failed-replacement' }]));
      const [address] = (await aws().ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses!;
      expect(address.InstanceId).toBe(old);
      const events = await busEvents(stack);
      expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Failed', 'Remediation Escalated']);
      expect(events[1].detail.evidence.result.rollback.at(-1)).toMatch(/stopped and tagged failed-replacement/);
    },
  );
});
