import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { handler } from '../../functions/handlers/replace-instance';
import { countMutations, failOnce } from './sdk-probes';
import { alarmEvent, aws, busEvents, createAsg, createStack, playbook, putAlarm, request, runInstances, type TestStack } from './stack';

async function group(name: string) {
  return (await aws().asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];
}

/** The instance's EBS mappings as EC2 reports them now (moto gives each member a root volume, DeleteOnTermination on). */
async function mappings(instanceId: string) {
  const i = (await aws().ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];
  return { state: i.State!.Name, volumes: (i.BlockDeviceMappings ?? []).map((b) => ({ device: b.DeviceName!, volumeId: b.Ebs!.VolumeId!, deleteOnTermination: b.Ebs!.DeleteOnTermination })) };
}

/** The volume's state and tags, or undefined once EC2 has deleted it. */
async function volume(volumeId: string) {
  const v = await aws()
    .ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))
    .then((r) => r.Volumes?.[0])
    .catch((e: Error) => (e.name === 'InvalidVolume.NotFound' ? undefined : Promise.reject(e)));
  return v && { state: v.State, tags: Object.fromEntries((v.Tags ?? []).map((t) => [t.Key!, t.Value!])) };
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
    // Keeping the member's volumes comes first (see 'keeps an ASG member's volumes' below).
    expect(counter.fleet).toEqual(['ec2:ModifyInstanceAttributeCommand', 'ec2:CreateTagsCommand', 'autoscaling:TerminateInstanceInAutoScalingGroupCommand']);
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
      expect(events[1].detail.evidence.result.rollback.at(-1)).toMatch(/^tag replacement i-\w+ failed-replacement/);
    },
  );

  describe('never deletes an ASG member\'s data', () => {
    it('keeps the member\'s volumes: DeleteOnTermination off and tagged retained before the termination, so the root volume outlives it', async () => {
      // Prepare
      await createAsg('web', 3);
      const victim = (await group('web')).Instances![0].InstanceId!;
      const [root] = (await mappings(victim)).volumes;
      expect(root.deleteOnTermination).toBe(true);
      expect((await volume(root.volumeId))!.tags).toEqual({});
      const name = await putAlarm('status', victim, 'InstanceId');
      // Observe (not change) the flag as it is when the termination is sent, through the test's own client.
      const { autoscaling } = await import('../../functions/runtime/sdk');
      const { client } = await autoscaling();
      let atTermination: boolean | undefined;
      client.middlewareStack.add(
        (next: (a: any) => Promise<any>, ctx: { commandName?: string }) => async (args: any) => {
          if (ctx.commandName === 'TerminateInstanceInAutoScalingGroupCommand') atTermination = (await mappings(victim)).volumes.find((v) => v.volumeId === root.volumeId)?.deleteOnTermination;
          return next(args);
        },
        { step: 'initialize', name: 'readFlagAtTermination' },
      );
      // Act
      const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: victim }))).finally(() => client.middlewareStack.remove('readFlagAtTermination'));
      // Assess: the member is gone, its root volume is not: detached, tagged, named in the result
      expect(out.outcome).toBe('succeeded');
      expect(atTermination).toBe(false);
      expect((await mappings(victim)).state).toBe('terminated');
      const kept = await volume(root.volumeId);
      expect(kept).toBeDefined();
      expect(kept!.state).toBe('available');
      expect(kept!.tags).toEqual({
        'recovery:state': 'retained',
        'recovery:detached-from': victim,
        'recovery:incident': out.incidentId!,
        'recovery:stage': 'test',
        'recovery:playbook': 'status',
      });
      const succeeded = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Succeeded')!;
      expect(succeeded.detail.evidence.result.keptVolumes).toEqual([{ volumeId: root.volumeId, device: root.device }]);
    });

    it('dry-run: the plan names the volumes it would keep', async () => {
      // Prepare
      stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 }, 'dry-run');
      await createAsg('web', 2);
      const victim = (await group('web')).Instances![0].InstanceId!;
      const [root] = (await mappings(victim)).volumes;
      const name = await putAlarm('status', victim, 'InstanceId');
      // Act
      const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: victim })));
      // Assess
      expect(out.outcome).toBe('skipped');
      const [event] = await busEvents(stack);
      expect(event.detail.evidence.plan[0]).toBe(
        `ModifyInstanceAttribute ${victim}: DeleteOnTermination=false on ${root.volumeId} (${root.device}), and tag them recovery:state=retained (kept after the termination)`,
      );
      expect(event.detail.evidence.plan[1]).toMatch(/^TerminateInstanceInAutoScalingGroup /);
    });

    // Failure injection (stand-in: moto cannot be told to fail one call): the functions' own Auto Scaling
    // client refuses the termination once, before it reaches moto.
    it('a refused termination is rolled back: DeleteOnTermination back on, the volume re-tagged, the member left in service', async () => {
      // Prepare
      await createAsg('web', 3);
      const victim = (await group('web')).Instances![0].InstanceId!;
      const [root] = (await mappings(victim)).volumes;
      const name = await putAlarm('status', victim, 'InstanceId');
      const fault = await failOnce('autoscaling', 'TerminateInstanceInAutoScalingGroupCommand');
      // Act
      const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: victim }))).finally(() => fault.detach());
      // Assess
      expect(fault.fired()).toBe(true);
      expect(out.outcome).toBe('failed');
      const now = await mappings(victim);
      expect(now.state).toBe('running');
      expect((await group('web')).Instances!.find((m) => m.InstanceId === victim)?.LifecycleState).toBe('InService');
      expect(now.volumes.find((v) => v.volumeId === root.volumeId)?.deleteOnTermination).toBe(true);
      // Live and attached again: the clean-up filter (recovery:state=retained) must not find it.
      expect((await volume(root.volumeId))!.tags['recovery:state']).toBe('retention-rolled-back');
      const events = await busEvents(stack);
      expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Failed', 'Remediation Escalated']);
      expect(events[1].detail.reason).toMatch(/TerminateInstanceInAutoScalingGroup .* failed: injected failure.*rolled back: DeleteOnTermination back on for vol-/);
    });

    // Same stand-in, but the call reaches moto first: a termination AWS applied although the caller saw an error.
    it('a termination that failed but took effect keeps the volumes (turning the flag back on would delete them)', async () => {
      // Prepare
      await createAsg('web', 3);
      const victim = (await group('web')).Instances![0].InstanceId!;
      const [root] = (await mappings(victim)).volumes;
      const name = await putAlarm('status', victim, 'InstanceId');
      const fault = await failOnce('autoscaling', 'TerminateInstanceInAutoScalingGroupCommand', { tookEffect: true });
      // Act
      const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: victim }))).finally(() => fault.detach());
      // Assess
      expect(fault.fired()).toBe(true);
      expect(out.outcome).toBe('failed');
      expect(['shutting-down', 'terminated']).toContain((await mappings(victim)).state);
      const kept = await volume(root.volumeId);
      expect(kept).toBeDefined();
      expect(kept!.tags['recovery:state']).toBe('retained');
      const failed = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Failed')!;
      expect(failed.detail.reason).toMatch(/termination of .* is under way .*DeleteOnTermination left off/);
    });

    // Stand-in: the functions' own EC2 client refuses ModifyInstanceAttribute once (with `tookEffect`, after
    // moto applied it, as a call that timed out).
    it.each([
      ['refused', {}],
      ['applied but reported failed', { tookEffect: true }],
    ])('when DeleteOnTermination cannot be turned off (%s), the member is not terminated and its flags are as before', async (_, opts) => {
      // Prepare
      await createAsg('web', 3);
      const victim = (await group('web')).Instances![0].InstanceId!;
      const [root] = (await mappings(victim)).volumes;
      const name = await putAlarm('status', victim, 'InstanceId');
      const fault = await failOnce('ec2', 'ModifyInstanceAttributeCommand', opts);
      const counter = await countMutations();
      // Act
      const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: victim }))).finally(async () => {
        fault.detach();
        await counter.detach();
      });
      // Assess
      expect(fault.fired()).toBe(true);
      expect(out.outcome).toBe('failed');
      expect(counter.fleet).not.toContain('autoscaling:TerminateInstanceInAutoScalingGroupCommand');
      expect((await mappings(victim)).state).toBe('running');
      expect((await mappings(victim)).volumes.find((v) => v.volumeId === root.volumeId)?.deleteOnTermination).toBe(true);
      expect((await volume(root.volumeId))!.tags).toEqual({});
      const failed = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Failed')!;
      expect(failed.detail.reason).toMatch(/could not keep .*turning DeleteOnTermination off failed: injected failure.*not terminated, nothing lost/);
    });
  });
});
