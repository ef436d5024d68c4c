import type { Fleet, SeededInstance } from '../fleet';
import { address, instance, tagsOf } from './fleet-state';
import { alarmOf, check, fleetCalls, handedToHumansChecks, type Scenario } from './scenario';

/**
 * A standalone instance's OS hangs in a way a restart does not fix. Rung 0
 * (reboot via SSM Automation) runs, verification finds the alarm still in
 * ALARM, and the ladder escalates to rung 1: a replacement is launched from
 * the instance's launch template, its Elastic IP moves over, and the old
 * instance is stopped and tagged (kept, never terminated).
 */
interface Seed {
  i: SeededInstance;
}

export const escalate: Scenario<Seed> = {
  name: 'hung-instance-escalation',
  title: 'Standalone instance hung, reboot does not help',
  fault: 'EC2 instance status check impaired; the fault survives a stop/start',
  expected: 'reboot, verification fails, escalated to replace-instance: EIP on a new instance, old one stopped + tagged',
  expectedUnder: (g) =>
    g.requireApprovalForDestructive ? 'reboot, verification fails, escalated: replace-instance handed to humans for approval, instance kept' : escalate.expected,
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('escalate', 'drill-app-1', { elasticIp: true }) };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-status', resourceId: s.i.instanceId, survivesRestart: true });
    return [alarmOf(env, 'ec2-instance-status', s.i.instanceId)];
  },
  async recovered(env, s) {
    const eip = await address(env.clients, s.i.allocationId!);
    if (!eip?.InstanceId || eip.InstanceId === s.i.instanceId) return false;
    return (await instance(env.clients, eip.InstanceId))?.State?.Name === 'running';
  },
  async judge(env, s) {
    const old = await instance(env.clients, s.i.instanceId);
    const eip = await address(env.clients, s.i.allocationId!);
    const replacement = eip?.InstanceId && eip.InstanceId !== s.i.instanceId ? await instance(env.clients, eip.InstanceId) : undefined;
    const reboots = fleetCalls(env, 'StartAutomationExecution').filter((c) => c.ids.includes(s.i.instanceId));
    const alarm = alarmOf(env, 'ec2-instance-status', s.i.instanceId);
    // Remediation Requested carries the RemediationRequest itself (no resource field): match its alarm.
    const escalations = env.observers.events.filter(
      (e) => e.at >= env.since && e.detailType === 'Remediation Requested' && e.detail.rung === 1 && (e.detail.event as { detail?: { alarmName?: string } })?.detail?.alarmName === alarm,
    );
    if (env.guardrails.requireApprovalForDestructive) {
      return {
        outcome: `reboot -> still ALARM -> replace-instance handed to humans; ${s.i.instanceId} ${old?.State?.Name}`,
        checks: [
          check('reboot tried first (rung 0)', reboots.length === 1, `${reboots.length} AWS-RestartEC2Instance execution(s) for ${s.i.instanceId}`),
          check('verification failed and escalated to rung 1', escalations.length >= 1, `${escalations.length} Remediation Requested (rung 1) event(s)`),
          ...handedToHumansChecks(env, [s.i.instanceId]),
          check('the instance keeps running with its Elastic IP', old?.State?.Name === 'running' && eip?.InstanceId === s.i.instanceId, `${s.i.instanceId}: ${old?.State?.Name}, EIP on ${eip?.InstanceId}`),
        ],
      };
    }
    const oldTags = tagsOf(old);
    const newTags = Object.keys(oldTags).filter((k) => !['Name', 'recovery-drill', 'launched-from'].includes(k));
    const checks = [
      check('reboot tried first (rung 0)', reboots.length === 1, `${reboots.length} AWS-RestartEC2Instance execution(s) for ${s.i.instanceId}`),
      check('verification failed and escalated to rung 1', escalations.length >= 1, `${escalations.length} Remediation Requested (rung 1) event(s)`),
      check('a replacement runs', replacement?.State?.Name === 'running', `${replacement?.InstanceId ?? 'none'}: ${replacement?.State?.Name ?? '-'}`),
      check('the replacement came from the same launch template', tagsOf(replacement)['aws:ec2launchtemplate:id'] === s.i.launchTemplateId || replacement?.ImageId === old?.ImageId, `template ${tagsOf(replacement)['aws:ec2launchtemplate:id'] ?? '?'}, image ${replacement?.ImageId}`),
      check('the Elastic IP moved to the replacement', !!replacement && eip?.InstanceId === replacement.InstanceId, `${s.i.publicIp} -> ${eip?.InstanceId}`),
      check('the old instance is stopped, not terminated', old?.State?.Name === 'stopped', `${s.i.instanceId}: ${old?.State?.Name}`),
      check('the old instance is tagged for people', newTags.length > 0, newTags.map((k) => `${k}=${oldTags[k]}`).join(', ') || 'no new tags'),
    ];
    return {
      outcome: replacement ? `reboot -> still ALARM -> replaced by ${replacement.InstanceId}; ${s.i.instanceId} ${old?.State?.Name}` : `not replaced (old ${old?.State?.Name})`,
      checks,
    };
  },
};
