import type { ResourceRef } from '../../contracts/recovery-event';
import { autoscaling, ec2 } from '../sdk';
import { carryFactsOf } from '../standalone-replacement';
import { GROUP_TAG, type Diagnosers, type Diagnosis, type InstanceFacts } from '../diagnosis';

/**
 * EC2 resources (instance, volume, Auto Scaling group): the instance the
 * remediation would touch, its status checks and volumes, and its
 * blast-radius group (the ASG, else the `recovery-group` tag's fleet).
 * Reaches the EC2 and Auto Scaling clients only.
 */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

type GroupRecord = NonNullable<Awaited<ReturnType<typeof asgFacts>>>;

/** The instance's blast-radius group: its ASG (read whole), else its `recovery-group` tag's live fleet. */
interface GroupFacts {
  group: string;
  groupSize: number;
  asg?: GroupRecord;
}

async function groupOf(instance: InstanceFacts): Promise<GroupFacts> {
  if (instance.autoScalingGroupName) {
    const asg = await asgFacts(instance.autoScalingGroupName);
    return { group: instance.autoScalingGroupName, groupSize: asg?.DesiredCapacity ?? 1, asg };
  }
  if (instance.tags[GROUP_TAG]) return { group: instance.tags[GROUP_TAG], groupSize: Math.max(1, await taggedFleetSize(instance.tags[GROUP_TAG])) };
  return { group: 'standalone', groupSize: 1 };
}

/**
 * The instance's facts; with `withGroup`, also its group, read alongside the
 * status checks (it needs only the instance's tags, or its membership).
 */
async function describeInstance(instanceId: string, recorded: Promise<void>): Promise<InstanceFacts | undefined>;
async function describeInstance(instanceId: string, recorded: Promise<void>, withGroup: true): Promise<(InstanceFacts & { groupFacts: GroupFacts }) | undefined>;
async function describeInstance(instanceId: string, recorded: Promise<void>, withGroup = false): Promise<(InstanceFacts & { groupFacts?: GroupFacts }) | undefined> {
  const { client, sdk } = await ec2();
  let reservations;
  try {
    reservations = (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations ?? [];
  } catch (e) {
    if ((e as { name?: string }).name === 'InvalidInstanceID.NotFound') return undefined;
    throw e;
  }
  const i = reservations.flatMap((r) => r.Instances ?? [])[0];
  if (!i?.InstanceId) return undefined;
  const tags = Object.fromEntries((i.Tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
  const carried = carryFactsOf(i);
  const facts: InstanceFacts = {
    instanceId: i.InstanceId,
    state: i.State?.Name ?? 'unknown',
    availabilityZone: i.Placement?.AvailabilityZone,
    instanceType: i.InstanceType,
    tenancy: i.Placement?.Tenancy,
    autoRecovery: i.MaintenanceOptions?.AutoRecovery,
    subnetId: i.SubnetId,
    rootDeviceName: i.RootDeviceName,
    autoScalingGroupName: tags['aws:autoscaling:groupName'],
    tags,
    volumes: (i.BlockDeviceMappings ?? [])
      .filter((b) => b.Ebs?.VolumeId && b.DeviceName)
      .map((b) => ({ volumeId: b.Ebs!.VolumeId!, device: b.DeviceName!, deleteOnTermination: b.Ebs!.DeleteOnTermination })),
    launchTime: i.LaunchTime?.toISOString(),
    // What a standalone replacement moves or could not take along (functions/runtime/standalone-replacement.ts).
    secondaryNetworkInterfaces: carried.secondaryNetworkInterfaces,
    ...(carried.metadataOptions ? { metadataOptions: carried.metadataOptions } : {}),
  };
  // The rest only once this delivery holds its idempotency record (a duplicate stops after the lookup).
  await recorded;
  // Status checks, volume status and group membership (then the group itself) each need only the
  // instance: read them at once. All settle before the first failure (in this order) is thrown, so none
  // is left in flight.
  const readStatus = async () => {
    const status = (await client.send(new sdk.DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true }))).InstanceStatuses?.[0];
    facts.instanceStatus = status?.InstanceStatus?.Status;
    facts.systemStatus = status?.SystemStatus?.Status;
  };
  const readVolumeStatus = async () => {
    if (facts.volumes.length === 0) return;
    // Best effort: volume status is evidence, not a precondition (and moto does not implement the call).
    try {
      const vs = await client.send(new sdk.DescribeVolumeStatusCommand({ VolumeIds: facts.volumes.map((v) => v.volumeId) }));
      for (const s of vs.VolumeStatuses ?? []) {
        const v = facts.volumes.find((x) => x.volumeId === s.VolumeId);
        if (v) v.status = s.VolumeStatus?.Status;
      }
    } catch (e) {
      for (const v of facts.volumes) v.status = `unknown (DescribeVolumeStatus: ${(e as { name?: string }).name ?? 'error'})`;
    }
  };
  const readMembership = async () => {
    if (facts.autoScalingGroupName || facts.state === 'terminated') return;
    const { client: asg, sdk: asgSdk } = await autoscaling();
    const m = await asg.send(new asgSdk.DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    facts.autoScalingGroupName = m.AutoScalingInstances?.[0]?.AutoScalingGroupName;
  };
  let groupFacts: GroupFacts | undefined;
  const readGroup = async () => {
    await readMembership();
    if (withGroup) groupFacts = await groupOf(facts);
    facts.groupLifecycle = groupFacts?.asg?.Instances?.find((m) => m.InstanceId === instanceId)?.LifecycleState;
  };
  for (const r of await Promise.allSettled([readStatus(), readVolumeStatus(), readGroup()])) if (r.status === 'rejected') throw r.reason;
  return withGroup ? { ...facts, groupFacts: groupFacts! } : facts;
}

async function asgFacts(name: string) {
  const { client, sdk } = await autoscaling();
  const g = (await client.send(new sdk.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
  return g;
}

async function taggedFleetSize(group: string): Promise<number> {
  const { client, sdk } = await ec2();
  let count = 0;
  let NextToken: string | undefined;
  do {
    const out = await client.send(
      new sdk.DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${GROUP_TAG}`, Values: [group] },
          { Name: 'instance-state-name', Values: LIVE_STATES },
        ],
        NextToken,
      }),
    );
    count += (out.Reservations ?? []).reduce((n, r) => n + (r.Instances?.length ?? 0), 0);
    NextToken = out.NextToken;
  } while (NextToken);
  return count;
}

async function diagnoseEc2(resource: ResourceRef, recorded: Promise<void>): Promise<Diagnosis> {
  const evidence: Record<string, unknown> = {};
  let instance: InstanceFacts | undefined;
  let volumeId: string | undefined;
  let groupFacts: GroupFacts | undefined;

  if (resource.type === 'instance') {
    const found = await describeInstance(resource.id, recorded, true);
    if (!found) evidence.instance = `instance ${resource.id} not found`;
    else ({ groupFacts, ...instance } = found);
  } else if (resource.type === 'volume') {
    volumeId = resource.id;
    const { client, sdk } = await ec2();
    const v = (await client.send(new sdk.DescribeVolumesCommand({ VolumeIds: [resource.id] }))).Volumes?.[0];
    await recorded;
    evidence.volume = { volumeId: resource.id, state: v?.State, availabilityZone: v?.AvailabilityZone, attachments: v?.Attachments?.map((a) => ({ instanceId: a.InstanceId, device: a.Device, state: a.State })) };
    const attachedTo = v?.Attachments?.find((a) => a.State === 'attached' || a.State === 'attaching')?.InstanceId;
    const found = attachedTo ? await describeInstance(attachedTo, recorded, true) : undefined;
    if (found) ({ groupFacts, ...instance } = found);
  } else {
    const asg = await asgFacts(resource.id);
    await recorded;
    // The alarm names the group: it is the blast-radius group whatever the member's tags say.
    groupFacts = { group: resource.id, groupSize: asg?.DesiredCapacity ?? 1, asg };
    if (!asg) evidence.autoScalingGroup = `group ${resource.id} not found`;
    else {
      const members = asg.Instances ?? [];
      evidence.autoScalingGroup = {
        name: asg.AutoScalingGroupName,
        desired: asg.DesiredCapacity,
        members: members.map((m) => ({ instanceId: m.InstanceId, lifecycle: m.LifecycleState, health: m.HealthStatus })),
      };
      // An ASG-level alarm acts on a member only when one is identifiably unhealthy.
      const sick = members.find((m) => m.HealthStatus !== 'Healthy' && m.LifecycleState === 'InService');
      if (sick?.InstanceId) instance = await describeInstance(sick.InstanceId, recorded);
    }
  }

  if (instance) {
    evidence.instance = {
      instanceId: instance.instanceId,
      state: instance.state,
      availabilityZone: instance.availabilityZone,
      instanceType: instance.instanceType,
      ...(instance.autoRecovery ? { autoRecovery: instance.autoRecovery } : {}),
      instanceStatus: instance.instanceStatus,
      systemStatus: instance.systemStatus,
      autoScalingGroupName: instance.autoScalingGroupName,
      ...(instance.groupLifecycle ? { groupLifecycle: instance.groupLifecycle } : {}),
      volumes: instance.volumes,
    };
  }

  const { group, groupSize, asg } = groupFacts ?? { group: 'standalone', groupSize: 1 };
  evidence.group = { name: group, size: groupSize };
  return {
    resource: { ...resource, group },
    instance,
    volumeId,
    groupSize,
    ...(asg?.AutoScalingGroupName
      ? { autoScalingGroup: { name: asg.AutoScalingGroupName, desiredCapacity: asg.DesiredCapacity, instanceIds: (asg.Instances ?? []).flatMap((m) => (m.InstanceId ? [m.InstanceId] : [])) } }
      : {}),
    evidence,
  };
}

export const ec2Diagnosers: Diagnosers = { instance: diagnoseEc2, volume: diagnoseEc2, 'autoscaling-group': diagnoseEc2 };
