import * as z from 'zod/mini';
import type { Instance } from '@aws-sdk/client-ec2';
import { defineAction } from './declaration';
import type { ActionContext, ActionResult } from '../runtime/action-context';
import { autoscaling, ec2 } from '../runtime/sdk';
import { waitFor } from '../runtime/poll';
import type { InstanceFacts } from '../runtime/diagnosis';
import { deletedWith, describeVolumes, retain, RETAINED, undoRetention, type Retention } from '../runtime/retained-volumes';
import { tagList } from '../runtime/tags';
import { carryFactsOf, CHANGED_BY_REPLACEMENT, dataVolumes, leftBehind } from '../runtime/standalone-replacement';
import { carriedSettings, carriedTags, readAttributes } from '../runtime/replacement-launch';
import { EBS_KMS_KEY_PERMISSIONS } from './ebs-kms-keys';
import { dataToMove, describeMoves, InstanceSwap } from '../runtime/instance-swap';
import { rollbackSteps } from '../runtime/rollback-steps';
import { FAILED_REPLACEMENT, LINEAGE_TAG, RETIRED } from '../contracts/naming';
import { carryProtection, type CarriedProtection } from '../runtime/carried-protection';
import { ALARM_SUCCESSION_PERMISSIONS } from './alarm-succession';

export const replaceInstance = defineAction({
  name: 'replace-instance',
  description:
    'ASG member: keep its EBS volumes (DeleteOnTermination off, tagged recovery:state=retained), terminate it in the group without decrementing desired capacity and wait for the replacement in service. Standalone: launch a replacement from its launch template or image with its settings carried over (user data, metadata options, instance profile, tags, placement, monitoring, EBS optimisation, CPU credits, subnet and security groups), stop both, move the data volumes (same device names) and secondary network interfaces (same device indexes), start it, move Elastic IPs, then tag the old instance retired (stopped, never terminated); never when the root volume cannot be told from the data, a data volume is shared with another instance, or metadata options would be weakened.',
  destructive: true,
  input: z.object({ waitForReplacementSeconds: z.optional(z.int().check(z.minimum(0), z.maximum(600))) }),
  permissions: [
    {
      sid: 'ReadFleet',
      // DescribeInstanceCreditSpecifications: a T instance's CPU credits, carried to its standalone replacement
      // (the call takes no resource-level permissions).
      // DescribeVolumes / DescribeNetworkInterfaces: the moved data's state while it moves.
      actions: ['ec2:DescribeInstances', 'ec2:DescribeAddresses', 'ec2:DescribeInstanceCreditSpecifications', 'ec2:DescribeVolumes', 'ec2:DescribeNetworkInterfaces', 'autoscaling:DescribeAutoScalingGroups'],
      resources: ['*'],
    },
    {
      sid: 'ReadUserDataOfProtectedInstance',
      // A standalone replacement gets the old instance's user data (DescribeInstanceAttribute userData, which
      // EC2 authorizes against the instance ARN): only the protected instances' own.
      actions: ['ec2:DescribeInstanceAttribute'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'TerminateInProtectedGroups',
      actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'],
      resources: ['arn:{partition}:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/*'],
      scope: 'protected',
    },
    {
      sid: 'KeepVolumesOfProtectedInstance',
      // Before an ASG member is terminated its volumes' DeleteOnTermination goes off (and back on in rollback).
      // The attribute lives on the instance: EC2 authorizes ModifyInstanceAttribute against the instance ARN.
      actions: ['ec2:ModifyInstanceAttribute'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'TagRetainedVolumes',
      // The kept volumes' tags. Not `scope: 'protected'`: infra narrows only instance, group, DB, function and
      // service ARNs (infra/iam/policy-document.ts protectedType refuses volume/*), and nothing on a volume ties
      // it to a protected instance in IAM: its instance's id is no condition key for CreateTags, and the
      // aws:autoscaling:groupName tag is on members, not their volumes. Tagging deletes nothing; the condition
      // keeps it to this stage's recovery:* tags, so the role cannot rewrite tags other policies key on.
      actions: ['ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*'],
      condition: { StringEquals: { 'aws:RequestTag/recovery:stage': '{stage}' }, 'ForAllValues:StringLike': { 'aws:TagKeys': ['recovery:*'] } },
    },
    {
      sid: 'LaunchReplacement',
      actions: ['ec2:RunInstances'],
      resources: [
        'arn:{partition}:ec2:{region}:{account}:instance/*',
        'arn:{partition}:ec2:{region}:{account}:volume/*',
        'arn:{partition}:ec2:{region}:{account}:network-interface/*',
        'arn:{partition}:ec2:{region}:{account}:subnet/*',
        'arn:{partition}:ec2:{region}:{account}:security-group/*',
        'arn:{partition}:ec2:{region}:{account}:launch-template/*',
        'arn:{partition}:ec2:{region}:{account}:key-pair/*',
        'arn:{partition}:ec2:{region}::image/*',
        // The old instance's placement group, carried over (RunInstances authorizes it as a resource).
        'arn:{partition}:ec2:{region}:{account}:placement-group/*',
      ],
    },
    {
      sid: 'TagOnLaunch',
      actions: ['ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*', 'arn:{partition}:ec2:{region}:{account}:volume/*'],
      condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    },
    {
      sid: 'RetireProtectedInstance',
      // StartInstances: rollback restarts the old instance if the swap fails after it was stopped. Detach/Attach:
      // its data volumes and secondary interfaces leave it, and come back in rollback (EC2 authorizes them
      // against the instance ARN as well as the volume's or interface's).
      actions: ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:CreateTags', 'ec2:DetachVolume', 'ec2:AttachVolume', 'ec2:DetachNetworkInterface', 'ec2:AttachNetworkInterface'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'RunReplacement',
      // A replacement this stage launched: stopped while its data arrives and started after, the data attached to
      // it (and detached again in rollback), stopped and tagged (never terminated) when the swap fails.
      actions: ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:CreateTags', 'ec2:DetachVolume', 'ec2:AttachVolume', 'ec2:DetachNetworkInterface', 'ec2:AttachNetworkInterface'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      condition: { StringEquals: { 'aws:ResourceTag/recovery:stage': '{stage}' } },
    },
    {
      sid: 'MoveDataBetweenInstances',
      // The volume and interface side of the moves above. Either instance must be allowed too (statements above),
      // so these reach only volumes and interfaces on a protected instance or this stage's replacement.
      actions: ['ec2:DetachVolume', 'ec2:AttachVolume', 'ec2:DetachNetworkInterface', 'ec2:AttachNetworkInterface'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*', 'arn:{partition}:ec2:{region}:{account}:network-interface/*'],
    },
    {
      sid: 'MoveElasticIps',
      // The address side: any of the account's (the old instance's are found at run time). The instance side is
      // below: only this stage's replacement, or a protected instance (rollback puts an address back).
      actions: ['ec2:AssociateAddress'],
      resources: ['arn:{partition}:ec2:{region}:{account}:elastic-ip/*', 'arn:{partition}:ec2:{region}:{account}:network-interface/*'],
    },
    {
      sid: 'MoveElasticIpsToReplacement',
      actions: ['ec2:AssociateAddress'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      condition: { StringEquals: { 'aws:ResourceTag/recovery:stage': '{stage}' } },
    },
    {
      sid: 'MoveElasticIpsBack',
      actions: ['ec2:AssociateAddress'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'PassInstanceProfileRole',
      // The role of the old instance's instance profile, passed to its replacement. Protected instances use
      // profiles the stack does not know at deploy time (a tag selector's, a replacement's), so the role side is
      // any role, and only to EC2 (iam:PassedToService): the role launches nothing but a replacement
      // (LaunchReplacement), carrying a profile the old instance already had.
      actions: ['iam:PassRole'],
      resources: ['arn:{partition}:iam::{account}:role/*'],
      condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
    // Standalone: RunInstances with block devices under a customer managed key, and StartInstances of the old
    // instance in rollback. (A group member's replacement is launched by the group's service-linked role,
    // whose access to the key is the key policy's business.)
    ...EBS_KMS_KEY_PERMISSIONS,
    // Standalone: the replacement (and its root volume, and the moved data volumes) get the old instance's alarms.
    ...ALARM_SUCCESSION_PERMISSIONS,
  ],
  standDown(d) {
    // The group's own health checks got there first: it is replacing the member. A second termination
    // would race it (and fail, or take a fresh member), and escalating would page humans for a fault
    // AWS is fixing; the next alarm, if any, starts over.
    const i = d.instance;
    if (!i?.autoScalingGroupName) return undefined;
    if (['terminated', 'shutting-down'].includes(i.state)) return `instance ${i.instanceId} is already ${i.state}; group ${i.autoScalingGroupName} replaces it itself`;
    if (i.groupLifecycle?.startsWith('Terminating')) return `group ${i.autoScalingGroupName} is already replacing instance ${i.instanceId} (lifecycle ${i.groupLifecycle})`;
    return undefined;
  },
  fits(d) {
    if (!d.instance) return `no instance to replace (${d.resource.type} ${d.resource.id} has no identifiable unhealthy member)`;
    if (['terminated', 'shutting-down'].includes(d.instance.state)) return `instance ${d.instance.instanceId} is already ${d.instance.state}`;
    // Standalone: a replacement launched without the old instance's data, or with weaker metadata
    // protection, is worse than none. Humans get the reason (the rung is skipped, the ladder escalates).
    const lost = d.instance.autoScalingGroupName ? [] : leftBehind(d.instance);
    if (lost.length > 0) return `a standalone replacement of ${d.instance.instanceId} would leave behind: ${lost.join('; ')}; not launched (move them by hand, or replace it yourself)`;
    return undefined;
  },
  plan(d) {
    const i = d.instance!;
    if (i.autoScalingGroupName) {
      const kept = deletedWith(i);
      return [
        kept.length > 0
          ? `ModifyInstanceAttribute ${i.instanceId}: DeleteOnTermination=false on ${describeVolumes(kept)}, and tag them recovery:state=${RETAINED} (kept after the termination)`
          : `keep volumes: none of ${i.instanceId}'s EBS volumes is deleted on termination`,
        `TerminateInstanceInAutoScalingGroup ${i.instanceId} in ${i.autoScalingGroupName} (ShouldDecrementDesiredCapacity=false)`,
        'wait for a replacement InService',
      ];
    }
    const lost = leftBehind(i);
    const data = [
      ...dataVolumes(i).map((v) => `data volume ${v.volumeId} at ${v.device}`),
      ...(i.secondaryNetworkInterfaces ?? []).map((n) => `network interface ${n}`),
    ];
    return [
      ...(lost.length ? [`NOT launched: would leave behind ${lost.join('; ')}`] : []),
      `RunInstances replacement for ${i.instanceId} (${i.tags['aws:ec2launchtemplate:id'] ? `launch template ${i.tags['aws:ec2launchtemplate:id']}` : 'image'}), carrying its user data, metadata options, instance profile, tags (not aws:* or recovery:*), instance type, key pair, subnet, security groups, placement (tenancy, placement group), detailed monitoring, EBS optimisation and CPU credits`,
      `changes: ${CHANGED_BY_REPLACEMENT.join('; ')}`,
      'wait for the replacement running',
      ...(data.length
        ? [
            `StopInstances replacement and ${i.instanceId}; move ${data.join(', ')} to the replacement at the same device names/indexes (DeleteOnTermination off); StartInstances replacement`,
          ]
        : [`StopInstances ${i.instanceId}`]),
      'AssociateAddress: move Elastic IPs to the replacement',
      `tag ${i.instanceId} retired (stopped, never terminated); any failure puts everything back on it and starts it again`,
    ];
  },
  async run(ctx, p) {
    const i = ctx.diagnosis.instance!;
    return i.autoScalingGroupName ? replaceInGroup(ctx, i, i.autoScalingGroupName, p.waitForReplacementSeconds ?? 300) : replaceStandalone(ctx, i.instanceId);
  },
});

async function replaceInGroup(ctx: ActionContext, instance: InstanceFacts, groupName: string, waitSeconds: number): Promise<ActionResult> {
  const instanceId = instance.instanceId;
  const { client, sdk } = await autoscaling();
  // The members before the termination: as diagnosis read them moments ago, else read now. Either is
  // evidence, not a precondition: the terminate call does not depend on it (ShouldDecrement=false, and
  // AWS refuses it if the instance has left the group). A member launched since that read (a scale-out,
  // the group replacing another member) would count as fresh, but the wait also needs as many members
  // InService, besides the terminated one, as the group desires now, so it still ends only once the
  // group has made up for the termination; only the replacement it names could be that other member,
  // as when such a launch comes right after the termination.
  const known = ctx.diagnosis.autoScalingGroup?.name === groupName ? ctx.diagnosis.autoScalingGroup : await readGroup(client, sdk, groupName);
  const desired = known?.desiredCapacity;
  // Never delete data: terminating the member would take every EBS volume with DeleteOnTermination on
  // (its root volume, usually) and with it the evidence of why it failed. Keep them first; if that
  // fails, do not terminate (nothing is lost; the ladder goes on).
  const kept = deletedWith(instance);
  const progress: Retention = { flagsAttempted: false, tagsAttempted: false };
  try {
    await retain(ctx, instanceId, kept, progress);
  } catch (e) {
    const rollback = await undoRetention(ctx, instanceId, groupName, kept, progress);
    return {
      outcome: 'failed',
      reason: `could not keep ${instanceId}'s volumes ${describeVolumes(kept)} before terminating it (${(e as Error).message}); not terminated, nothing lost${rollback.length ? `; rolled back: ${rollback.join('; ')}` : ''}`,
      detail: { instance: instanceId, group: groupName, notTerminated: true, volumes: kept, rollback },
    };
  }
  try {
    await client.send(new sdk.TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
  } catch (e) {
    // Put the volumes back as they were, unless the termination took effect after all (undoRetention reads that).
    const rollback = await undoRetention(ctx, instanceId, groupName, kept, progress);
    return {
      outcome: 'failed',
      reason: `TerminateInstanceInAutoScalingGroup ${instanceId} failed: ${(e as Error).message}${rollback.length ? `; rolled back: ${rollback.join('; ')}` : ''}`,
      detail: { instance: instanceId, group: groupName, volumes: kept, rollback },
    };
  }
  ctx.log.info('terminated in group; waiting for the replacement', { instanceId, groupName, desired, keptVolumes: kept });
  const deadline = Math.min(ctx.deadline, Date.now() + waitSeconds * 1000);
  const before = new Set(known?.instanceIds ?? []);
  try {
    const replacement = await waitFor(
      `a replacement InService in ${groupName}`,
      async () => {
        const g = (await client.send(new sdk.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }))).AutoScalingGroups?.[0];
        const inService = (g?.Instances ?? []).filter((m) => m.LifecycleState === 'InService' && m.InstanceId !== instanceId);
        const fresh = inService.find((m) => !before.has(m.InstanceId!));
        return fresh && inService.length >= (g?.DesiredCapacity ?? 0) ? fresh.InstanceId : undefined;
      },
      { intervalMs: ctx.pollIntervalMs, deadline },
    );
    return { outcome: 'succeeded', detail: { terminated: instanceId, replacement, group: groupName, desiredCapacity: desired, keptVolumes: kept } };
  } catch (e) {
    // The group keeps replacing on its own; verification reads the alarm either way.
    return { outcome: 'failed', reason: `${(e as Error).message} (the group still replaces ${instanceId} on its own)`, detail: { terminated: instanceId, group: groupName, keptVolumes: kept } };
  }
}

async function readGroup(
  client: Awaited<ReturnType<typeof autoscaling>>['client'],
  sdk: Awaited<ReturnType<typeof autoscaling>>['sdk'],
  groupName: string,
): Promise<{ desiredCapacity?: number; instanceIds: string[] } | undefined> {
  const g = (await client.send(new sdk.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }))).AutoScalingGroups?.[0];
  return g && { desiredCapacity: g.DesiredCapacity, instanceIds: (g.Instances ?? []).flatMap((m) => (m.InstanceId ? [m.InstanceId] : [])) };
}

async function replaceStandalone(ctx: ActionContext, oldId: string): Promise<ActionResult> {
  const { client, sdk } = await ec2();
  const timing = { intervalMs: ctx.pollIntervalMs, deadline: ctx.deadline };
  const wait = <T>(what: string, probe: () => Promise<T | undefined>) => waitFor(what, probe, timing);
  const describe = async (id: string) => (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
  const inState = (id: string, state: string) => wait(`${id} ${state}`, async () => ((await describe(id))?.State?.Name === state ? true : undefined));

  const old = await describe(oldId);
  if (!old) return { outcome: 'failed', reason: `instance ${oldId} disappeared before replacement` };
  // Diagnosis judged this moments ago (`fits`); what changed since is judged again on this read.
  const lost = leftBehind(carryFactsOf(old));
  const moves = dataToMove(old);
  let read;
  try {
    lost.push(...(await sharedVolumes(moves.volumes.map((v) => v.volumeId), oldId)));
    read = await readAttributes(old);
  } catch (e) {
    return { outcome: 'failed', reason: `could not read ${oldId}'s volumes, user data or CPU credits (${(e as Error).message}); not launched, nothing changed`, detail: { notLaunched: true } };
  }
  if (lost.length > 0) return { outcome: 'failed', reason: `a standalone replacement of ${oldId} would leave behind: ${lost.join('; ')}; not launched, nothing changed`, detail: { notLaunched: true, leftBehind: lost } };
  // The lineage names the instance the stack was first told to protect, through every replacement since: the
  // next deploy follows it from an `id:` target, and the roles' lineage statements let the functions act on it.
  const lineage = old.Tags?.find((t) => t.Key === LINEAGE_TAG)?.Value ?? oldId;
  const newTags = { ...carriedTags(old), ...ctx.recoveryTags, 'recovery:replaces': oldId, [LINEAGE_TAG]: lineage };
  const templateId = (old.Tags ?? []).find((t) => t.Key === 'aws:ec2launchtemplate:id')?.Value;
  const templateVersion = (old.Tags ?? []).find((t) => t.Key === 'aws:ec2launchtemplate:version')?.Value;

  const launched = await client.send(
    new sdk.RunInstancesCommand({
      MinCount: 1,
      MaxCount: 1,
      // Same incident + rung = same token: a retried launch does not start a second instance.
      ClientToken: ctx.clientToken('run-instances'),
      ...(templateId ? { LaunchTemplate: { LaunchTemplateId: templateId, Version: templateVersion ?? '$Default' } } : { ImageId: old.ImageId }),
      ...carriedSettings(old, read),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tagList(newTags) },
        { ResourceType: 'volume', Tags: tagList({ ...ctx.recoveryTags, 'recovery:replaces': oldId }) },
      ],
    }),
  );
  const newId = launched.Instances?.[0]?.InstanceId;
  if (!newId) return { outcome: 'failed', reason: 'RunInstances returned no instance' };

  const swap = new InstanceSwap(oldId, newId, timing);
  const moved: Array<{ allocationId?: string; publicIp?: string }> = [];
  let stoppedOld = false;
  const carrying = moves.volumes.length + moves.interfaces.length > 0;
  try {
    await inState(newId, 'running');
    if (carrying) {
      // The image or launch template may map a device name a data volume needs: found now, before the old
      // instance is touched, rather than as an attach failure with both instances stopped.
      const mapped = new Set(((await describe(newId))?.BlockDeviceMappings ?? []).map((b) => b.DeviceName));
      const taken = moves.volumes.filter((v) => mapped.has(v.device));
      if (taken.length) throw new Error(`the replacement already has a volume at ${taken.map((v) => v.device).join(', ')} (from its image or launch template), where ${oldId}'s data volumes go`);
      // Stopped while its data arrives, so it boots with its volumes (and fstab mounts them) as the old one did.
      await client.send(new sdk.StopInstancesCommand({ InstanceIds: [newId] }));
      await inState(newId, 'stopped');
    }
    if (old.State?.Name === 'running' || old.State?.Name === 'pending') {
      await client.send(new sdk.StopInstancesCommand({ InstanceIds: [oldId] }));
      stoppedOld = true;
      await inState(oldId, 'stopped');
    }
    if (carrying) {
      await swap.move(moves);
      await client.send(new sdk.StartInstancesCommand({ InstanceIds: [newId] }));
      await inState(newId, 'running');
    }
    // Elastic IPs still on the old instance: its primary interface's (those of moved interfaces went with them).
    const addresses = (await client.send(new sdk.DescribeAddressesCommand({ Filters: [{ Name: 'instance-id', Values: [oldId] }] }))).Addresses ?? [];
    for (const a of addresses) {
      await client.send(new sdk.AssociateAddressCommand({ AllocationId: a.AllocationId, PublicIp: a.AllocationId ? undefined : a.PublicIp, InstanceId: newId, AllowReassociation: true }));
      moved.push({ allocationId: a.AllocationId, publicIp: a.PublicIp });
    }
    await client.send(
      new sdk.CreateTagsCommand({ Resources: [oldId], Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': RETIRED, 'recovery:replaced-by': newId }) }),
    );
    const protection = await protectReplacement(ctx, old, newId, moves.volumes.map((v) => v.volumeId), describe);
    return {
      outcome: 'succeeded',
      detail: { retired: oldId, replacement: newId, movedAddresses: moved.map((m) => m.publicIp), movedData: describeMoves(moves), launchTemplate: templateId, lineage, protection },
    };
  } catch (e) {
    // Roll back, each step tried: the replacement stopped first (nothing is detached from a running OS), addresses,
    // volumes and interfaces back on the old instance, the old one running again, the replacement tagged and kept.
    const rb = rollbackSteps();
    await rb.attempt(`stop replacement ${newId}`, async () => {
      await client.send(new sdk.StopInstancesCommand({ InstanceIds: [newId] }));
      if (swap.started) await inState(newId, 'stopped');
    });
    for (const m of moved) {
      await rb.attempt(`put address ${m.publicIp} back on ${oldId}`, () =>
        client.send(new sdk.AssociateAddressCommand({ AllocationId: m.allocationId, PublicIp: m.allocationId ? undefined : m.publicIp, InstanceId: oldId, AllowReassociation: true })),
      );
    }
    await swap.putBack(rb);
    if (stoppedOld) await rb.attempt(`start ${oldId} again`, () => client.send(new sdk.StartInstancesCommand({ InstanceIds: [oldId] })));
    await rb.attempt(`tag replacement ${newId} failed-replacement (kept for inspection)`, () =>
      client.send(new sdk.CreateTagsCommand({ Resources: [newId], Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': FAILED_REPLACEMENT }) })),
    );
    return { outcome: 'failed', reason: `replacing ${oldId} failed: ${(e as Error).message}; rolled back`, detail: { replacement: newId, rollback: rb.done } };
  }
}

/**
 * The replacement watched before `run` returns: the old instance's alarms copied for it, its fresh root volume
 * getting the old root volume's, and each moved data volume's alarms following it to the new instance.
 */
async function protectReplacement(
  ctx: ActionContext,
  old: Instance,
  newId: string,
  movedVolumes: string[],
  describe: (id: string) => Promise<Instance | undefined>,
): Promise<CarriedProtection> {
  const rootOf = (i?: Instance) => i?.BlockDeviceMappings?.find((b) => b.DeviceName === i.RootDeviceName)?.Ebs?.VolumeId;
  const oldRoot = rootOf(old);
  let newRoot: string | undefined;
  try {
    newRoot = rootOf(await describe(newId));
  } catch (e) {
    ctx.log.warn('could not read the replacement\'s root volume; its alarms are not carried', { error: (e as Error).message });
  }
  const watched = [{ kind: 'instance' as const, id: old.InstanceId! }, ...(oldRoot && newRoot ? [{ kind: 'volume' as const, id: oldRoot }] : []), ...movedVolumes.map((id) => ({ kind: 'volume' as const, id }))];
  return carryProtection(ctx, watched, { [old.InstanceId!]: newId, ...(oldRoot && newRoot ? { [oldRoot]: newRoot } : {}) });
}

/**
 * Data volumes attached to other instances as well (EBS Multi-Attach): moving one would take it from them, so the
 * replacement is not launched. Read from DescribeVolumes, which DescribeInstances does not report.
 */
async function sharedVolumes(volumeIds: string[], instanceId: string): Promise<string[]> {
  if (volumeIds.length === 0) return [];
  const { client, sdk } = await ec2();
  const volumes = (await client.send(new sdk.DescribeVolumesCommand({ VolumeIds: volumeIds }))).Volumes ?? [];
  return volumes.flatMap((v) => {
    const others = (v.Attachments ?? []).filter((a) => a.InstanceId !== instanceId).map((a) => a.InstanceId);
    return others.length ? [`data volume ${v.VolumeId} (also attached to ${others.join(', ')})`] : [];
  });
}
