import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeAddressesCommand,
  DescribeVolumesCommand,
  AllocateAddressCommand,
  AssociateAddressCommand,
  RunInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { handler } from '../../functions/handlers/replace-instance';
import { clientConfig } from '../support/aws';
import { countMutations, failOnce } from './sdk-probes';
import { alarmEvent, aws, busEvents, createStack, dataVolumeWithSnapshots, imageId, playbook, putAlarm, request, runInstances, subnet, type TestStack } from './stack';

/**
 * A standalone replacement carries the old instance's settings, and is not
 * launched when it would leave data behind. Expectations come from what the
 * test set on the original through the SDK.
 *
 * What moto cannot show (it accepts the parameters but keeps or reports
 * nothing): tenancy and placement group (RunInstances' Placement other than
 * the zone is dropped), CPU credits (DescribeInstanceCreditSpecifications
 * always answers standard). Those are carried but not asserted here.
 */
async function instances(): Promise<Instance[]> {
  return ((await aws().ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

async function instanceProfile(name: string): Promise<string> {
  const iam = new IAMClient(clientConfig());
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  const profile = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
  return profile.Arn!;
}

const SCRIPT = '#!/bin/sh\necho configured > /etc/motd\n';

describe('replace-instance, standalone', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 });
  });

  it('carries user data, metadata options (IMDSv2 required), monitoring, EBS optimisation, instance profile, tags, subnet and security groups', async () => {
    // Prepare
    const { subnetId } = await subnet();
    const vpcId = (await aws().ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets![0].VpcId!;
    const groupId = (await aws().ec2.send(new CreateSecurityGroupCommand({ GroupName: 'bastion', Description: 'bastion', VpcId: vpcId }))).GroupId!;
    const profileArn = await instanceProfile('bastion');
    const metadata = { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2, InstanceMetadataTags: 'enabled' } as const;
    const old = (
      await aws().ec2.send(
        new RunInstancesCommand({
          ImageId: await imageId(),
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnetId,
          SecurityGroupIds: [groupId],
          UserData: Buffer.from(SCRIPT).toString('base64'),
          MetadataOptions: metadata,
          Monitoring: { Enabled: true },
          EbsOptimized: true,
          IamInstanceProfile: { Arn: profileArn },
          TagSpecifications: [
            // recovery:incident: bookkeeping of an earlier incident, which the replacement must not inherit
            { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'bastion' }, { Key: 'team', Value: 'sre' }, { Key: 'recovery:incident', Value: 'an-earlier-one' }] },
          ],
        }),
      )
    ).Instances![0].InstanceId!;
    const name = await putAlarm('status', old, 'InstanceId');
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old })));
    // Assess
    expect(out.outcome).toBe('succeeded');
    const replacement = (await instances()).find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!;
    expect(replacement.State!.Name).toBe('running');
    expect(replacement.MetadataOptions).toMatchObject(metadata);
    expect(replacement.Monitoring!.State).toBe('enabled');
    expect(replacement.EbsOptimized).toBe(true);
    expect(replacement.IamInstanceProfile!.Arn).toBe(profileArn);
    expect(replacement.InstanceType).toBe('t3.micro');
    expect(replacement.SubnetId).toBe(subnetId);
    expect(replacement.SecurityGroups!.map((g) => g.GroupId)).toEqual([groupId]);
    const tags = Object.fromEntries(replacement.Tags!.map((t) => [t.Key!, t.Value!]));
    expect(tags).toMatchObject({ Name: 'bastion', team: 'sre', 'recovery:replaces': old, 'recovery:incident': out.incidentId });
    const userData = (await aws().ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: replacement.InstanceId, Attribute: 'userData' }))).UserData?.Value;
    expect(Buffer.from(userData ?? '', 'base64').toString()).toBe(SCRIPT);
  });

  it('dry-run: the plan names what the replacement carries and what it changes (id, private IP, root volume)', async () => {
    // Prepare
    stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 }, 'dry-run');
    const [old] = await runInstances(1, { Name: 'bastion' });
    const name = await putAlarm('status', old, 'InstanceId');
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old })));
    // Assess
    expect(out.outcome).toBe('skipped');
    const [event] = await busEvents(stack);
    const plan: string[] = event.detail.evidence.plan;
    expect(plan[0]).toMatch(new RegExp(`^RunInstances replacement for ${old} \\(image\\), carrying its user data, metadata options, instance profile, tags`));
    expect(plan[1]).toMatch(/^changes: instance id; primary private IP.*; root volume: a fresh one/);
  });

  it('moves the data volume (same device), the secondary network interface (same index, same private IP) and the Elastic IP; the replacement runs with them, the old instance is stopped and kept', async () => {
    // Prepare
    const [old] = await runInstances(1, { Name: 'db' });
    const { volumeId } = await dataVolumeWithSnapshots(old, 0);
    const { subnetId } = await subnet();
    const eni = (await aws().ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }))).NetworkInterface!;
    await aws().ec2.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId, InstanceId: old, DeviceIndex: 1 }));
    const eip = await aws().ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await aws().ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: old }));
    const before = (await instances()).find((i) => i.InstanceId === old)!;
    const oldRoot = before.BlockDeviceMappings!.find((b) => b.DeviceName === before.RootDeviceName)!.Ebs!.VolumeId;
    const name = await putAlarm('status', old, 'InstanceId');
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old })));
    // Assess
    expect(out.outcome).toBe('succeeded');
    const all = await instances();
    const replacement = all.find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!;
    const retired = all.find((i) => i.InstanceId === old)!;
    expect(replacement.State!.Name).toBe('running');
    expect(retired.State!.Name).toBe('stopped');
    expect(retired.Tags).toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'retired' }, { Key: 'recovery:replaced-by', Value: replacement.InstanceId }]));
    expect(replacement.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdf')?.Ebs?.VolumeId).toBe(volumeId);
    const [vol] = (await aws().ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes!;
    expect(vol.Attachments).toEqual([expect.objectContaining({ InstanceId: replacement.InstanceId, Device: '/dev/sdf', State: 'attached' })]);
    expect(replacement.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdf')?.Ebs?.DeleteOnTermination).toBe(false);
    const moved = replacement.NetworkInterfaces!.find((n) => n.NetworkInterfaceId === eni.NetworkInterfaceId);
    expect(moved?.Attachment?.DeviceIndex).toBe(1);
    expect(moved?.PrivateIpAddress).toBe(eni.PrivateIpAddress);
    // The old root volume stays on the retired instance (the replacement has its own, from the image).
    expect(retired.BlockDeviceMappings!.map((b) => b.Ebs?.VolumeId)).toEqual([oldRoot]);
    expect(retired.NetworkInterfaces).toHaveLength(1);
    const [address] = (await aws().ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses!;
    expect(address.InstanceId).toBe(replacement.InstanceId);
    expect(Object.fromEntries(replacement.Tags!.map((t) => [t.Key!, t.Value!]))).toMatchObject({ 'recovery:lineage': old });
  });

  // Failure injection at each step after the launch (the functions' own EC2 client refuses the named call once;
  // `skip` passes the first calls through, e.g. the replacement's stop before the old instance's).
  it.each([
    ['the replacement\'s stop', 'StopInstancesCommand', 0],
    ['the old instance\'s stop', 'StopInstancesCommand', 1],
    ['detaching the data volume', 'DetachVolumeCommand', 0],
    ['attaching the data volume', 'AttachVolumeCommand', 0],
    ['detaching the network interface', 'DetachNetworkInterfaceCommand', 0],
    ['attaching the network interface', 'AttachNetworkInterfaceCommand', 0],
    ['starting the replacement', 'StartInstancesCommand', 0],
    ['moving the Elastic IP', 'AssociateAddressCommand', 0],
    ['tagging the old instance retired', 'CreateTagsCommand', 0],
  ] as const)('a fault at %s is rolled back with nothing lost: data and addresses back on the old instance, running; replacement stopped and tagged', async (_step, command, skip) => {
    // Prepare
    const [old] = await runInstances(1, { Name: 'db' });
    const { volumeId } = await dataVolumeWithSnapshots(old, 0);
    const { subnetId } = await subnet();
    const eni = (await aws().ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }))).NetworkInterface!.NetworkInterfaceId!;
    await aws().ec2.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni, InstanceId: old, DeviceIndex: 1 }));
    const eip = await aws().ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await aws().ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: old }));
    const name = await putAlarm('status', old, 'InstanceId');
    const fault = await failOnce('ec2', command, { skip });
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old }))).finally(() => fault.detach());
    // Assess
    expect(fault.fired()).toBe(true);
    expect(out.outcome).toBe('failed');
    const all = await instances();
    expect(all.every((i) => i.State!.Name !== 'terminated' && i.State!.Name !== 'shutting-down')).toBe(true);
    const original = all.find((i) => i.InstanceId === old)!;
    expect(['running', 'pending']).toContain(original.State!.Name);
    expect(original.Tags).not.toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'retired' }]));
    expect(original.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdf')?.Ebs?.VolumeId).toBe(volumeId);
    expect(original.NetworkInterfaces!.find((n) => n.NetworkInterfaceId === eni)?.Attachment?.DeviceIndex).toBe(1);
    const replacement = all.find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!;
    expect(['stopped', 'stopping']).toContain(replacement.State!.Name);
    expect(replacement.Tags).toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'failed-replacement' }]));
    const [address] = (await aws().ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses!;
    expect(address.InstanceId).toBe(old);
    const failed = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Failed')!;
    expect(failed.detail.evidence.result.rollback.filter((s: string) => s.startsWith('FAILED'))).toEqual([]);
  });

  // STAND-IN: moto has no EBS Multi-Attach (a second AttachVolume moves the volume). AWS reports a Multi-Attach
  // volume with one Attachments entry per instance (DescribeVolumes, Volume.Attachments:
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html), which the functions' own EC2 client
  // answers here for this volume.
  it('does not launch when a data volume is also attached to another instance (Multi-Attach): failed naming it, nothing changed', async () => {
    // Prepare
    const [old, other] = await runInstances(2, { Name: 'cluster' });
    const { volumeId } = await dataVolumeWithSnapshots(old, 0);
    const { ec2 } = await import('../../functions/runtime/sdk');
    const { client } = await ec2();
    client.middlewareStack.add(
      (next: (a: any) => Promise<any>, ctx: { commandName?: string }) => async (args: any) => {
        const out = await next(args);
        if (ctx.commandName === 'DescribeVolumesCommand')
          for (const v of out.output.Volumes ?? []) if (v.VolumeId === volumeId) v.Attachments = [...(v.Attachments ?? []), { InstanceId: other, Device: '/dev/sdf', State: 'attached', VolumeId: volumeId }];
        return out;
      },
      { step: 'initialize', name: 'multiAttach' },
    );
    const name = await putAlarm('status', old, 'InstanceId');
    const counter = await countMutations();
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old }))).finally(async () => {
      client.middlewareStack.remove('multiAttach');
      await counter.detach();
    });
    // Assess
    expect(out.outcome).toBe('failed');
    expect(counter.fleet).toEqual([]);
    const failed = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Failed')!;
    expect(failed.detail.reason).toContain(`data volume ${volumeId} (also attached to ${other})`);
  });
});

describe('replace-instance, standalone: the root volume must be identifiable', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 });
  });

  // moto attaches every root volume at /dev/sda1, also for images whose root device is /dev/xvda (so
  // DescribeInstances names a root device no volume is at). Whatever the cause, no volume can then be told
  // to be the root one: the rung does not launch, and says why.
  it('no volume at the instance\'s root device: not launched, the reason says so', async () => {
    // Prepare
    const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
    const image = (await aws().ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'root-device-name', Values: ['/dev/xvda'] }] }))).Images![0];
    const { subnetId } = await subnet();
    const old = (await aws().ec2.send(new RunInstancesCommand({ ImageId: image.ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: subnetId }))).Instances![0];
    const [volume] = old.BlockDeviceMappings!;
    expect(volume.DeviceName).not.toBe(old.RootDeviceName);
    const name = await putAlarm('status', old.InstanceId!, 'InstanceId');
    const counter = await countMutations();
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old.InstanceId! }))).finally(() => counter.detach());
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(counter.fleet).toEqual([]);
    const escalated = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Escalated')!;
    expect(escalated.detail.reason).toContain(`data volume ${volume.Ebs!.VolumeId} (${volume.DeviceName}) (no volume at the root device ${old.RootDeviceName})`);
  });
});

describe('replace-instance, standalone: read again before launching', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 });
  });

  it('a data volume attached after diagnosis read the instance moves too (run reads the instance again)', async () => {
    // Prepare: the volume is attached (through the test's own client) once diagnosis has read the instance,
    // when the function asks for its status checks
    const [old] = await runInstances(1, { Name: 'app' });
    const { az } = await subnet();
    const { CreateVolumeCommand, AttachVolumeCommand } = await import('@aws-sdk/client-ec2');
    const volumeId = (await aws().ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 8 }))).VolumeId!;
    const name = await putAlarm('status', old, 'InstanceId');
    const { ec2 } = await import('../../functions/runtime/sdk');
    const { client } = await ec2();
    let attached = false;
    client.middlewareStack.add(
      (next: (a: any) => Promise<any>, ctx: { commandName?: string }) => async (args: any) => {
        if (!attached && ctx.commandName === 'DescribeInstanceStatusCommand') {
          attached = true;
          await aws().ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: old, Device: '/dev/sdg' }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'attachAfterDiagnosis' },
    );
    const counter = await countMutations();
    // Act
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: old }))).finally(async () => {
      client.middlewareStack.remove('attachAfterDiagnosis');
      await counter.detach();
    });
    // Assess
    expect(attached).toBe(true);
    expect(out.outcome).toBe('succeeded');
    const replacement = (await instances()).find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!;
    expect(replacement.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdg')?.Ebs?.VolumeId).toBe(volumeId);
  });
});
