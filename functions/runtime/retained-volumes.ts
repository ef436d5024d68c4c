import type { ActionContext } from './action-context';
import type { InstanceFacts } from './diagnosis';
import { autoscaling, ec2 } from './sdk';
import { tagList } from './tags';

/**
 * The EBS volumes an instance takes with it when it is terminated
 * (DeleteOnTermination on, usually the root volume), kept instead: before the
 * termination the flag goes off and the volumes are tagged, so the disk of a
 * failed member (its logs included) outlives it and can be found again.
 *
 * `recovery:state=retained` is what the README's clean-up filter looks for: a
 * kept volume costs EBS storage until someone deletes it.
 */
export const RETAINED = 'retained';
/** A volume whose retention was undone (the instance was not terminated): it is attached and live again. */
export const RETENTION_ROLLED_BACK = 'retention-rolled-back';

export interface KeptVolume {
  volumeId: string;
  device: string;
}

/** `vol-... (/dev/xvda), ...`: the volumes as plans, reasons and rollback notes name them. */
export function describeVolumes(volumes: KeptVolume[]): string {
  return volumes.map((v) => `${v.volumeId} (${v.device})`).join(', ');
}

/** Termination would delete these (as diagnosis read the instance moments ago). */
export function deletedWith(instance: InstanceFacts): KeptVolume[] {
  return instance.volumes.filter((v) => v.deleteOnTermination === true).map((v) => ({ volumeId: v.volumeId, device: v.device }));
}

/** Which of `retain`'s calls were sent, for `undoRetention` (a call that failed may still have taken effect). */
export interface Retention {
  flagsAttempted: boolean;
  tagsAttempted: boolean;
}

/**
 * DeleteOnTermination off on `volumes` (one call for all), then tags them.
 * Throws on the first failure, naming the step; `progress` says what was tried.
 */
export async function retain(ctx: ActionContext, instanceId: string, volumes: KeptVolume[], progress: Retention): Promise<void> {
  if (volumes.length === 0) return;
  const { client, sdk } = await ec2();
  progress.flagsAttempted = true;
  await client
    .send(new sdk.ModifyInstanceAttributeCommand({ InstanceId: instanceId, BlockDeviceMappings: volumes.map((v) => ({ DeviceName: v.device, Ebs: { DeleteOnTermination: false } })) }))
    .catch((e: Error) => Promise.reject(new Error(`turning DeleteOnTermination off failed: ${e.message}`)));
  progress.tagsAttempted = true;
  await client
    .send(
      new sdk.CreateTagsCommand({
        Resources: volumes.map((v) => v.volumeId),
        Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': RETAINED, 'recovery:detached-from': instanceId }),
      }),
    )
    .catch((e: Error) => Promise.reject(new Error(`tagging the volumes failed: ${e.message}`)));
}

/**
 * Undoes `retain` when the instance was not terminated after all: puts
 * DeleteOnTermination back on where it is off now, and re-tags the volumes
 * `recovery:state=retention-rolled-back` (they are live again; the clean-up
 * filter must not find them). Decided from the actual state, not from which
 * call threw: if the termination is under way anyway (the instance
 * shutting-down or terminated, or its group member Terminating or gone), or
 * that cannot be read, the flags stay off and the volumes stay kept: turning
 * them back on then would delete them. Every step is tried; each outcome is
 * recorded.
 */
export async function undoRetention(ctx: ActionContext, instanceId: string, groupName: string, volumes: KeptVolume[], progress: Retention): Promise<string[]> {
  if (volumes.length === 0 || !progress.flagsAttempted) return [];
  const { client, sdk } = await ec2();
  const ids = volumes.map((v) => v.volumeId).join(', ');
  let instance;
  let lifecycle: string | undefined;
  try {
    instance = (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    const { client: asg, sdk: asgSdk } = await autoscaling();
    const g = (await asg.send(new asgSdk.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }))).AutoScalingGroups?.[0];
    lifecycle = g?.Instances?.find((m) => m.InstanceId === instanceId)?.LifecycleState ?? 'not a member';
  } catch (e) {
    return [`could not read ${instanceId} (${(e as Error).message}): DeleteOnTermination left off, ${ids} kept (tagged ${RETAINED} if tagging got that far)`];
  }
  const state = instance?.State?.Name ?? 'gone';
  if (['shutting-down', 'terminated', 'gone'].includes(state) || lifecycle.startsWith('Terminating') || lifecycle === 'not a member') {
    return [`termination of ${instanceId} is under way (state ${state}, group lifecycle ${lifecycle}): DeleteOnTermination left off, ${ids} kept`];
  }
  const off = volumes.filter((v) =>
    (instance?.BlockDeviceMappings ?? []).some((b) => b.DeviceName === v.device && b.Ebs?.VolumeId === v.volumeId && b.Ebs?.DeleteOnTermination === false),
  );
  const done: string[] = [];
  if (off.length > 0) {
    await client
      .send(new sdk.ModifyInstanceAttributeCommand({ InstanceId: instanceId, BlockDeviceMappings: off.map((v) => ({ DeviceName: v.device, Ebs: { DeleteOnTermination: true } })) }))
      .then(() => done.push(`DeleteOnTermination back on for ${describeVolumes(off)}`))
      .catch((e: Error) => done.push(`FAILED to put DeleteOnTermination back on for ${off.map((v) => v.volumeId).join(', ')} (left off: kept after a termination): ${e.message}`));
  }
  if (progress.tagsAttempted) {
    await client
      .send(new sdk.CreateTagsCommand({ Resources: volumes.map((v) => v.volumeId), Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': RETENTION_ROLLED_BACK }) }))
      .then(() => done.push(`${ids} re-tagged recovery:state=${RETENTION_ROLLED_BACK}`))
      .catch((e: Error) => done.push(`FAILED to re-tag ${ids} ${RETENTION_ROLLED_BACK} (may still say ${RETAINED}): ${e.message}`));
  }
  return done;
}
