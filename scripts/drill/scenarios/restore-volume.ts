import { DATA_DEVICE, type Fleet, type SeededInstance } from '../fleet';
import { instance, tagsOf, volume, volumesAt } from './fleet-state';
import { alarmOf, APPROVAL_EXPECTED, check, eventsFor, handedToHumansChecks, type Scenario } from './scenario';

/**
 * A standalone instance's data volume stops completing I/O. restore-volume
 * must build a new volume from the LATEST of its completed snapshots in the
 * same AZ, swap it in at the same device, start the instance again and keep
 * the old volume (detached and tagged, never deleted).
 */
interface Seed {
  i: SeededInstance;
}

export const restoreVolume: Scenario<Seed> = {
  name: 'ebs-stalled-io',
  title: 'EBS volume stalled I/O',
  fault: 'VolumeStalledIOCheck failing on the data volume of a standalone instance (3 snapshots)',
  expected: 'volume restored from the latest snapshot at the same device; old volume kept and tagged',
  expectedUnder: (g) => (g.requireApprovalForDestructive ? APPROVAL_EXPECTED : restoreVolume.expected),
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('restore', 'drill-db-1', { snapshots: 3 }) };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'volume-io', resourceId: s.i.dataVolumeId! });
    return [alarmOf(env, 'ebs-stalled-io', s.i.dataVolumeId!)];
  },
  async recovered(env, s) {
    const at = await volumesAt(env.clients, s.i.instanceId, DATA_DEVICE);
    return at.length === 1 && at[0].VolumeId !== s.i.dataVolumeId && (await instance(env.clients, s.i.instanceId))?.State?.Name === 'running';
  },
  async judge(env, s) {
    const at = await volumesAt(env.clients, s.i.instanceId, DATA_DEVICE);
    if (env.guardrails.requireApprovalForDestructive) {
      return {
        outcome: 'handed to humans for approval; volume untouched',
        checks: [
          ...handedToHumansChecks(env, [s.i.dataVolumeId!, s.i.instanceId]),
          check('the original volume is still attached', at.length === 1 && at[0].VolumeId === s.i.dataVolumeId, `${DATA_DEVICE}: ${at.map((v) => v.VolumeId).join(', ')}`),
        ],
      };
    }
    const fresh = at.find((v) => v.VolumeId !== s.i.dataVolumeId);
    const old = await volume(env.clients, s.i.dataVolumeId!);
    const inst = await instance(env.clients, s.i.instanceId);
    const latest = s.i.snapshotIds[s.i.snapshotIds.length - 1];
    const oldTags = tagsOf(old);
    const added = Object.keys(oldTags).filter((k) => !['Name', 'recovery-drill'].includes(k));
    const verified = eventsFor(env, [s.i.dataVolumeId!, s.i.instanceId], 'Remediation Verified');
    const checks = [
      check('a new volume is attached at the same device', at.length === 1 && !!fresh, `${DATA_DEVICE}: ${at.map((v) => v.VolumeId).join(', ') || 'nothing'}`),
      check('restored from the latest completed snapshot', fresh?.SnapshotId === latest, `${fresh?.SnapshotId ?? '-'} (latest ${latest}, oldest ${s.i.snapshotIds[0]})`),
      check('in the same availability zone', fresh?.AvailabilityZone === s.i.availabilityZone, `${fresh?.AvailabilityZone ?? '-'}`),
      check('the old volume still exists, detached', old?.State === 'available', `${s.i.dataVolumeId}: ${old?.State ?? 'DELETED'}`),
      check('the old volume is tagged for people', added.length > 0, added.map((k) => `${k}=${oldTags[k]}`).join(', ') || 'no new tags'),
      check('the instance runs again', inst?.State?.Name === 'running', `${s.i.instanceId}: ${inst?.State?.Name}`),
      check('the fix was verified', verified.length >= 1, `${verified.length} Remediation Verified event(s)`),
    ];
    return { outcome: fresh ? `restored ${fresh.VolumeId} from ${fresh.SnapshotId} at ${DATA_DEVICE}` : 'not restored', checks };
  },
};
