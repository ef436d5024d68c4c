import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionContext, ActionResult } from '../runtime/action-context';
import type { Diagnosis, VolumeFacts } from '../runtime/diagnosis';
import { ec2 } from '../runtime/sdk';
import { waitFor } from '../runtime/poll';
import { tagList } from '../runtime/tags';
import { rollbackSteps } from '../runtime/rollback-steps';
import { EBS_KMS_KEY_PERMISSIONS } from './ebs-kms-keys';
import { carryProtection } from '../runtime/carried-protection';
import { ALARM_SUCCESSION_PERMISSIONS } from './alarm-succession';

/**
 * Which attached volume to restore: the one the alarm names, else the one
 * EBS reports impaired, else the root volume (an instance that fails its
 * status checks after a reboot most often has a broken root filesystem).
 */
export function targetVolume(d: Diagnosis): { volume?: VolumeFacts; why: string } {
  const vols = d.instance?.volumes ?? [];
  if (d.volumeId) {
    const v = vols.find((x) => x.volumeId === d.volumeId);
    return v ? { volume: v, why: 'named by the alarm' } : { why: `volume ${d.volumeId} is not attached to an instance` };
  }
  const impaired = vols.filter((v) => v.status === 'impaired');
  if (impaired.length === 1) return { volume: impaired[0], why: 'EBS reports it impaired' };
  if (impaired.length > 1) return { why: `${impaired.length} volumes are impaired; refusing to guess which to restore` };
  const root = vols.find((v) => v.device === d.instance?.rootDeviceName);
  return root ? { volume: root, why: 'root volume (no volume named or impaired)' } : { why: 'no attached volume to restore' };
}

export const restoreVolume = defineAction({
  name: 'restore-volume',
  description:
    'Restore the failed EBS volume from its latest completed snapshot in the same AZ, swap it in at the same device and keep the old volume tagged; any failure puts the original volume back.',
  destructive: true,
  input: z.object({ volumeType: z.optional(z.enum(['gp3', 'gp2', 'io1', 'io2', 'st1', 'sc1'])) }),
  permissions: [
    {
      sid: 'ReadVolumes',
      actions: ['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:DescribeSnapshots'],
      resources: ['*'],
    },
    {
      sid: 'CreateVolumeFromSnapshot',
      actions: ['ec2:CreateVolume'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*', 'arn:{partition}:ec2:{region}::snapshot/*'],
    },
    {
      sid: 'TagVolumes',
      // The new volume's tags on create and the old (or failed) volume's recovery:state: all this stage's
      // recovery:* keys, so the role cannot rewrite tags other policies key on.
      actions: ['ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*'],
      condition: { StringEquals: { 'aws:RequestTag/recovery:stage': '{stage}' }, 'ForAllValues:StringLike': { 'aws:TagKeys': ['recovery:*'] } },
    },
    {
      sid: 'SwapOnProtectedInstance',
      actions: ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:DetachVolume', 'ec2:AttachVolume'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'AttachDetachVolumes',
      actions: ['ec2:DetachVolume', 'ec2:AttachVolume'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*'],
    },
    // CreateVolume from a snapshot under a customer managed key, AttachVolume and StartInstances of its instance.
    ...EBS_KMS_KEY_PERMISSIONS,
    // The restored volume gets the old volume's alarms.
    ...ALARM_SUCCESSION_PERMISSIONS,
  ],
  fits(d) {
    if (!d.instance) return `no instance found for ${d.resource.type} ${d.resource.id}`;
    if (['terminated', 'shutting-down'].includes(d.instance.state)) return `instance ${d.instance.instanceId} is ${d.instance.state}`;
    if (d.instance.autoScalingGroupName) return `instance ${d.instance.instanceId} belongs to group ${d.instance.autoScalingGroupName}: group members are replaced, not restored`;
    const t = targetVolume(d);
    return t.volume ? undefined : t.why;
  },
  plan(d, p) {
    const i = d.instance!;
    const t = targetVolume(d);
    return [
      `DescribeSnapshots: latest completed snapshot of ${t.volume?.volumeId} (${t.why})`,
      `CreateVolume from it in ${i.availabilityZone}${p.volumeType ? ` as ${p.volumeType}` : ''}`,
      i.state === 'running' ? `StopInstances ${i.instanceId}` : `instance is ${i.state}: no stop`,
      `DetachVolume ${t.volume?.volumeId} from ${t.volume?.device}`,
      `AttachVolume new volume at ${t.volume?.device}`,
      i.state === 'running' ? `StartInstances ${i.instanceId}` : 'no start',
      `tag ${t.volume?.volumeId} retired (kept)`,
      `copy ${t.volume?.volumeId}'s alarms for the new volume (watched before this returns)`,
    ];
  },
  async run(ctx, p) {
    return restore(ctx, p.volumeType);
  },
});

async function restore(ctx: ActionContext, volumeType: string | undefined): Promise<ActionResult> {
  const { client, sdk } = await ec2();
  const instance = ctx.diagnosis.instance!;
  const { volume: target } = targetVolume(ctx.diagnosis);
  const instanceId = instance.instanceId;
  const oldId = target!.volumeId;
  const device = target!.device;
  const wait = <T>(what: string, probe: () => Promise<T | undefined>) => waitFor(what, probe, { intervalMs: ctx.pollIntervalMs, deadline: ctx.deadline });
  const volume = async (id: string) => (await client.send(new sdk.DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0];
  const instanceState = async () =>
    (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
  const volumeIs = (id: string, state: string) => async () => ((await volume(id))?.State === state ? true : undefined);
  const instanceIs = (state: string) => async () => ((await instanceState()) === state ? true : undefined);

  // Read-only preparation: nothing to roll back if these fail.
  const old = await volume(oldId);
  if (!old) return { outcome: 'failed', reason: `volume ${oldId} not found` };
  const snapshots = (
    await client.send(
      new sdk.DescribeSnapshotsCommand({ Filters: [{ Name: 'volume-id', Values: [oldId] }, { Name: 'status', Values: ['completed'] }], OwnerIds: ['self'] }),
    )
  ).Snapshots ?? [];
  const latest = snapshots.filter((s) => s.State === 'completed' && s.StartTime).sort((a, b) => b.StartTime!.getTime() - a.StartTime!.getTime())[0];
  if (!latest?.SnapshotId) return { outcome: 'failed', reason: `no completed snapshot of ${oldId}; nothing changed` };
  const wasRunning = (await instanceState()) === 'running';
  const steps: string[] = [];
  let newId: string | undefined;

  try {
    const type = volumeType ?? old.VolumeType;
    const created = await client.send(
      new sdk.CreateVolumeCommand({
        SnapshotId: latest.SnapshotId,
        AvailabilityZone: old.AvailabilityZone,
        VolumeType: type as never,
        // Provisioned performance carries over only where the type supports it.
        Iops: ['io1', 'io2', 'gp3'].includes(type ?? '') && old.VolumeType === type ? old.Iops : undefined,
        Throughput: type === 'gp3' && old.VolumeType === 'gp3' ? old.Throughput : undefined,
        // The snapshot's own key, asked for by name: a volume from an encrypted snapshot you own gets the
        // snapshot's key when none is given ("Amazon EBS encryption examples", Encryption outcomes,
        // https://docs.aws.amazon.com/ebs/latest/userguide/encryption-examples.html), and naming it keeps the
        // restored volume on the key the role is granted (recovery-stack:ebsKmsKeys) whatever the account's
        // default key for encryption by default is.
        ...(latest.Encrypted && latest.KmsKeyId ? { Encrypted: true, KmsKeyId: latest.KmsKeyId } : {}),
        // Same incident + rung = same token: a retried create returns the same volume.
        ClientToken: ctx.clientToken('create-volume'),
        TagSpecifications: [{ ResourceType: 'volume', Tags: tagList({ ...ctx.recoveryTags, 'recovery:restored-from': latest.SnapshotId, 'recovery:replaces': oldId }) }],
      }),
    );
    newId = created.VolumeId!;
    steps.push(`created ${newId} from ${latest.SnapshotId}`);
    await wait(`${newId} available`, volumeIs(newId, 'available'));
    if (wasRunning) {
      await client.send(new sdk.StopInstancesCommand({ InstanceIds: [instanceId] }));
      await wait(`${instanceId} stopped`, instanceIs('stopped'));
      steps.push(`stopped ${instanceId}`);
    }
    await client.send(new sdk.DetachVolumeCommand({ VolumeId: oldId, InstanceId: instanceId, Device: device }));
    await wait(`${oldId} detached`, volumeIs(oldId, 'available'));
    steps.push(`detached ${oldId}`);
    await client.send(new sdk.AttachVolumeCommand({ VolumeId: newId, InstanceId: instanceId, Device: device }));
    await wait(`${newId} attached`, volumeIs(newId, 'in-use'));
    steps.push(`attached ${newId} at ${device}`);
    if (wasRunning) {
      await client.send(new sdk.StartInstancesCommand({ InstanceIds: [instanceId] }));
      await wait(`${instanceId} running`, instanceIs('running'));
      steps.push(`started ${instanceId}`);
    }
    await client.send(new sdk.CreateTagsCommand({ Resources: [oldId], Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': 'retired', 'recovery:replaced-by': newId }) }));
    const protection = await carryProtection(ctx, [{ kind: 'volume', id: oldId }], { [oldId]: newId });
    return {
      outcome: 'succeeded',
      detail: { instanceId, device, oldVolume: oldId, newVolume: newId, snapshot: latest.SnapshotId, snapshotTime: latest.StartTime?.toISOString(), steps, protection },
    };
  } catch (e) {
    const rollback = await rollBack(ctx, { instanceId, device, oldId, newId, wasRunning });
    return {
      outcome: 'failed',
      reason: `restoring ${oldId} failed after [${steps.join(', ') || 'no step'}]: ${(e as Error).message}; rolled back: ${rollback.join('; ')}`,
      detail: { instanceId, device, oldVolume: oldId, newVolume: newId, snapshot: latest.SnapshotId, steps, rollback },
    };
  }
}

/**
 * Puts the instance back as it was, from the actual state (not from which
 * step threw: a failed call may still have taken effect). Never deletes: the
 * new volume is kept and tagged failed-restore for inspection.
 */
async function rollBack(
  ctx: ActionContext,
  o: { instanceId: string; device: string; oldId: string; newId?: string; wasRunning: boolean },
): Promise<string[]> {
  const { client, sdk } = await ec2();
  const { done, attempt } = rollbackSteps();
  const wait = <T>(what: string, probe: () => Promise<T | undefined>) =>
    // Rollback gets its own minute even when the main deadline is spent.
    waitFor(what, probe, { intervalMs: ctx.pollIntervalMs, deadline: Math.max(ctx.deadline, Date.now() + 60_000) });
  const volume = async (id: string) => (await client.send(new sdk.DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0];
  const instanceState = async () =>
    (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [o.instanceId] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;

  if (o.newId) {
    const nv = await volume(o.newId);
    if (nv?.Attachments?.some((a) => a.InstanceId === o.instanceId && a.State !== 'detached')) {
      // Detaching needs the instance stopped when it is the root device; make sure it is.
      if ((await instanceState()) === 'running') {
        await attempt(`stop ${o.instanceId} to undo the swap`, async () => {
          await client.send(new sdk.StopInstancesCommand({ InstanceIds: [o.instanceId] }));
          await wait(`${o.instanceId} stopped`, async () => ((await instanceState()) === 'stopped' ? true : undefined));
        });
      }
      await attempt(`detach ${o.newId}`, async () => {
        await client.send(new sdk.DetachVolumeCommand({ VolumeId: o.newId, InstanceId: o.instanceId }));
        await wait(`${o.newId} detached`, async () => ((await volume(o.newId!))?.State === 'available' ? true : undefined));
      });
    }
  }
  const ov = await volume(o.oldId);
  if (!ov?.Attachments?.some((a) => a.InstanceId === o.instanceId && (a.State === 'attached' || a.State === 'attaching'))) {
    await attempt(`reattach ${o.oldId} at ${o.device}`, async () => {
      await client.send(new sdk.AttachVolumeCommand({ VolumeId: o.oldId, InstanceId: o.instanceId, Device: o.device }));
      await wait(`${o.oldId} attached`, async () => ((await volume(o.oldId))?.State === 'in-use' ? true : undefined));
    });
  }
  if (o.wasRunning) {
    const s = await instanceState();
    if (s !== 'running' && s !== 'pending') {
      await attempt(`start ${o.instanceId}`, async () => {
        if (s === 'stopping') await wait(`${o.instanceId} stopped`, async () => ((await instanceState()) === 'stopped' ? true : undefined));
        await client.send(new sdk.StartInstancesCommand({ InstanceIds: [o.instanceId] }));
        await wait(`${o.instanceId} running`, async () => ((await instanceState()) === 'running' ? true : undefined));
      });
    }
  }
  if (o.newId) {
    await attempt(`tag ${o.newId} failed-restore (kept)`, () =>
      client.send(new sdk.CreateTagsCommand({ Resources: [o.newId!], Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': 'failed-restore' }) })),
    );
  }
  return done;
}
