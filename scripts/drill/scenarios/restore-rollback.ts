import { DATA_DEVICE, type Fleet, type SeededInstance } from '../fleet';
import { instance, volumesAt } from './fleet-state';
import { alarmOf, check, eventsFor, handedToHumansChecks, notificationsFor, pageResolvedChecks, type Scenario } from './scenario';

/**
 * The same stalled volume, but attaching the restored volume fails (the gap
 * proxy answers that one AttachVolume with an AWS error). The half-done swap
 * must be rolled back: the ORIGINAL volume back at its device, the instance
 * running as before, and, the ladder being exhausted, humans paged. Then the
 * storage recovers by itself: the played CloudWatch sets the alarm OK and emits
 * the OK state change, the stack's alarm OK rule hands it to the notifier,
 * which must resolve that one page (`Remediation Resolved`, same incident id)
 * and do nothing else.
 */
interface Seed {
  i: SeededInstance;
  /** When the stalled I/O cleared (after the page). */
  clearedAt?: Date;
}

export const restoreRollback: Scenario<Seed> = {
  name: 'restore-failure-rollback',
  title: 'Failure inside a volume restore',
  fault: 'stalled data volume; AttachVolume of the restored volume fails (injected)',
  expected: 'rolled back to the original volume, instance running, escalated to humans; once the I/O recovers, the page is resolved',
  expectedUnder: (g) =>
    g.requireApprovalForDestructive
      ? 'no restore attempted (approval required): the injected failure is never reached, people paged; once the I/O recovers, the page is resolved'
      : restoreRollback.expected,
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('rollback', 'drill-db-2', { snapshots: 2 }) };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'volume-io', resourceId: s.i.dataVolumeId! });
    env.proxy.apiFaults.failNext({
      service: 'ec2',
      operation: 'AttachVolume',
      when: (req) => req.form.get('VolumeId') !== s.i.dataVolumeId && req.form.get('InstanceId') === s.i.instanceId,
      code: 'AttachmentLimitExceeded',
      message: 'drill: injected failure attaching the restored volume',
    });
    return [alarmOf(env, 'ebs-stalled-io', s.i.dataVolumeId!)];
  },
  async clearFault(env, s, timeline) {
    const healed = env.proxy.impairments.heal(s.i.dataVolumeId!, 'volume-io', 'drill: the storage recovered by itself');
    s.clearedAt = new Date();
    timeline.add('fault', `cleared: ${healed.length} stalled-I/O impairment(s) of ${s.i.dataVolumeId} healed (after the page)`);
  },
  async judge(env, s) {
    const at = await volumesAt(env.clients, s.i.instanceId, DATA_DEVICE);
    const inst = await instance(env.clients, s.i.instanceId);
    const injected = env.proxy.calls.filter((c) => c.at >= env.since && c.by === 'injected-fault');
    const failed = eventsFor(env, [s.i.dataVolumeId!, s.i.instanceId], 'Remediation Failed');
    const paged = notificationsFor(env, [s.i.dataVolumeId!, s.i.instanceId], 'Remediation Escalated');
    if (env.guardrails.requireApprovalForDestructive) {
      return {
        outcome: 'handed to humans for approval; no restore attempted',
        checks: [
          ...handedToHumansChecks(env, [s.i.dataVolumeId!, s.i.instanceId]),
          check('the injected failure was never reached', injected.length === 0, `${injected.length} injected failure(s)`),
          check('the original volume is still attached', at.length === 1 && at[0].VolumeId === s.i.dataVolumeId, `${DATA_DEVICE}: ${at.map((v) => v.VolumeId).join(', ')}`),
          ...pageResolvedChecks(env, [s.i.dataVolumeId!, s.i.instanceId], s.clearedAt),
        ],
      };
    }
    const checks = [
      check('the injected failure happened', injected.length === 1, `${injected.length} injected AttachVolume failure(s)`),
      check('the original volume is back at its device', at.length === 1 && at[0].VolumeId === s.i.dataVolumeId, `${DATA_DEVICE}: ${at.map((v) => v.VolumeId).join(', ') || 'nothing'}`),
      check('the instance runs as before', inst?.State?.Name === 'running', `${s.i.instanceId}: ${inst?.State?.Name}`),
      check('the failure was recorded', failed.length >= 1, `${failed.length} Remediation Failed event(s)${failed[0]?.detail.reason ? `: ${String(failed[0].detail.reason).slice(0, 120)}` : ''}`),
      check('humans were paged', paged.length >= 1, `${paged.length} Escalated notification(s)`),
      ...pageResolvedChecks(env, [s.i.dataVolumeId!, s.i.instanceId], s.clearedAt),
    ];
    const rolledBack = at.length === 1 && at[0].VolumeId === s.i.dataVolumeId;
    const resolved = eventsFor(env, [s.i.dataVolumeId!, s.i.instanceId], 'Remediation Resolved').length;
    return {
      outcome: `${rolledBack ? 'rolled back to the original volume' : 'NOT rolled back'}${paged.length ? ', escalated to humans' : ''}${resolved ? ', page resolved when the I/O recovered' : ''}`,
      checks,
    };
  },
};
