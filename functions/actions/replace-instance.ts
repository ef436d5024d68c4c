import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionContext, ActionResult } from '../runtime/action-context';
import { autoscaling, ec2 } from '../runtime/sdk';
import { waitFor } from '../runtime/poll';
import type { InstanceFacts } from '../runtime/diagnosis';
import { deletedWith, describeVolumes, retain, RETAINED, undoRetention, type Retention } from '../runtime/retained-volumes';
import { tagList } from '../runtime/tags';
import { carryFactsOf, CHANGED_BY_REPLACEMENT, leftBehind } from '../runtime/standalone-replacement';
import { carriedSettings, carriedTags, readAttributes } from '../runtime/replacement-launch';
import { EBS_KMS_KEY_PERMISSIONS } from './ebs-kms-keys';

export const replaceInstance = defineAction({
  name: 'replace-instance',
  description:
    'ASG member: keep its EBS volumes (DeleteOnTermination off, tagged recovery:state=retained), terminate it in the group without decrementing desired capacity and wait for the replacement in service. Standalone: launch a replacement from its launch template or image with its settings carried over (user data, metadata options, instance profile, tags, placement, monitoring, EBS optimisation, CPU credits, subnet and security groups), move Elastic IPs, then stop and tag the old instance; never when it has data volumes, secondary network interfaces or metadata options the replacement would not get.',
  destructive: true,
  input: z.object({ waitForReplacementSeconds: z.optional(z.int().check(z.minimum(0), z.maximum(600))) }),
  permissions: [
    {
      sid: 'ReadFleet',
      // DescribeInstanceCreditSpecifications: a T instance's CPU credits, carried to its standalone replacement
      // (the call takes no resource-level permissions).
      actions: ['ec2:DescribeInstances', 'ec2:DescribeAddresses', 'ec2:DescribeInstanceCreditSpecifications', 'autoscaling:DescribeAutoScalingGroups'],
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
      // StartInstances: rollback restarts the old instance if the swap fails after it was stopped.
      actions: ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'RetireFailedReplacement',
      // Rollback stops (never terminates) a replacement this stage launched.
      actions: ['ec2:StopInstances', 'ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      condition: { StringEquals: { 'aws:ResourceTag/recovery:stage': '{stage}' } },
    },
    {
      sid: 'MoveElasticIps',
      actions: ['ec2:AssociateAddress'],
      resources: [
        'arn:{partition}:ec2:{region}:{account}:elastic-ip/*',
        'arn:{partition}:ec2:{region}:{account}:instance/*',
        'arn:{partition}:ec2:{region}:{account}:network-interface/*',
      ],
    },
    {
      sid: 'PassInstanceProfileRole',
      actions: ['iam:PassRole'],
      resources: ['arn:{partition}:iam::{account}:role/*'],
      condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
    // Standalone: RunInstances with block devices under a customer managed key, and StartInstances of the old
    // instance in rollback. (A group member's replacement is launched by the group's service-linked role,
    // whose access to the key is the key policy's business.)
    ...EBS_KMS_KEY_PERMISSIONS,
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
    return [
      ...(lost.length ? [`NOT launched: would leave behind ${lost.join('; ')}`] : []),
      `RunInstances replacement for ${i.instanceId} (${i.tags['aws:ec2launchtemplate:id'] ? `launch template ${i.tags['aws:ec2launchtemplate:id']}` : 'image'}), carrying its user data, metadata options, instance profile, tags (not aws:* or recovery:*), instance type, key pair, subnet, security groups, placement (tenancy, placement group), detailed monitoring, EBS optimisation and CPU credits`,
      `changes: ${CHANGED_BY_REPLACEMENT.join('; ')}`,
      'wait for the replacement running',
      'AssociateAddress: move Elastic IPs to the replacement',
      `StopInstances ${i.instanceId} and tag it retired (never terminated)`,
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
  const wait = <T>(what: string, probe: () => Promise<T | undefined>) => waitFor(what, probe, { intervalMs: ctx.pollIntervalMs, deadline: ctx.deadline });
  const stateOf = async (id: string) =>
    (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;

  const old = (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [oldId] }))).Reservations?.[0]?.Instances?.[0];
  if (!old) return { outcome: 'failed', reason: `instance ${oldId} disappeared before replacement` };
  // Diagnosis judged this moments ago (`fits`); a volume or interface attached since must not be left behind either.
  const lost = leftBehind(carryFactsOf(old));
  if (lost.length > 0) return { outcome: 'failed', reason: `a standalone replacement of ${oldId} would leave behind: ${lost.join('; ')}; not launched, nothing changed`, detail: { notLaunched: true, leftBehind: lost } };
  let read;
  try {
    read = await readAttributes(old);
  } catch (e) {
    return { outcome: 'failed', reason: `could not read ${oldId}'s user data or CPU credits (${(e as Error).message}); not launched, nothing changed`, detail: { notLaunched: true } };
  }
  const newTags = { ...carriedTags(old), ...ctx.recoveryTags, 'recovery:replaces': oldId };
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

  const moved: Array<{ allocationId?: string; publicIp?: string }> = [];
  let stoppedOld = false;
  try {
    await wait(`replacement ${newId} running`, async () => ((await stateOf(newId)) === 'running' ? true : undefined));
    const addresses = (await client.send(new sdk.DescribeAddressesCommand({ Filters: [{ Name: 'instance-id', Values: [oldId] }] }))).Addresses ?? [];
    for (const a of addresses) {
      await client.send(new sdk.AssociateAddressCommand({ AllocationId: a.AllocationId, PublicIp: a.AllocationId ? undefined : a.PublicIp, InstanceId: newId, AllowReassociation: true }));
      moved.push({ allocationId: a.AllocationId, publicIp: a.PublicIp });
    }
    if (old.State?.Name === 'running' || old.State?.Name === 'pending') {
      await client.send(new sdk.StopInstancesCommand({ InstanceIds: [oldId] }));
      stoppedOld = true;
      await wait(`${oldId} stopped`, async () => ((await stateOf(oldId)) === 'stopped' ? true : undefined));
    }
    await client.send(
      new sdk.CreateTagsCommand({ Resources: [oldId], Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': 'retired', 'recovery:replaced-by': newId }) }),
    );
    return { outcome: 'succeeded', detail: { retired: oldId, replacement: newId, movedAddresses: moved.map((m) => m.publicIp), launchTemplate: templateId } };
  } catch (e) {
    // Roll back: addresses back to the old instance, old one running again, the replacement stopped and tagged (kept for inspection).
    const rollback: string[] = [];
    for (const m of moved) {
      await client
        .send(new sdk.AssociateAddressCommand({ AllocationId: m.allocationId, PublicIp: m.allocationId ? undefined : m.publicIp, InstanceId: oldId, AllowReassociation: true }))
        .then(() => rollback.push(`address ${m.publicIp} back on ${oldId}`))
        .catch((err: Error) => rollback.push(`address ${m.publicIp} NOT moved back: ${err.message}`));
    }
    if (stoppedOld) {
      await client
        .send(new sdk.StartInstancesCommand({ InstanceIds: [oldId] }))
        .then(() => rollback.push(`${oldId} started again`))
        .catch((err: Error) => rollback.push(`${oldId} NOT restarted: ${err.message}`));
    }
    await client.send(new sdk.StopInstancesCommand({ InstanceIds: [newId] })).catch(() => undefined);
    await client
      .send(new sdk.CreateTagsCommand({ Resources: [newId], Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': 'failed-replacement' }) }))
      .catch(() => undefined);
    rollback.push(`replacement ${newId} stopped and tagged failed-replacement`);
    return { outcome: 'failed', reason: `replacing ${oldId} failed: ${(e as Error).message}; rolled back`, detail: { replacement: newId, rollback } };
  }
}
