import type { Fleet, SeededInstance } from '../fleet';
import { instance } from './fleet-state';
import { RECOVERABLE_TYPE } from './ec2-recovers';
import { alarmOf, check, eventsFor, fleetCalls, type Scenario } from './scenario';

/**
 * As ec2-auto-recovery, but EC2's own recovery fails (e.g. no capacity for the type): it reports
 * AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE and the host stays impaired. The reboot rung, which waited
 * for that outcome, acts: AWS-RestartEC2Instance stops and starts the instance onto healthy hardware.
 */
interface Seed {
  i: SeededInstance;
}

export const ec2RecoveryFails: Scenario<Seed> = {
  name: 'ec2-auto-recovery-failure',
  title: "EC2's own recovery fails",
  fault: `EC2 system status check impaired on a ${RECOVERABLE_TYPE}; EC2's simplified automatic recovery fails`,
  expected: "EC2's FAILURE awaited, then reboot (stop/start); the same instance healthy, verified",
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('ec2fails', 'drill-app-8', { instanceType: RECOVERABLE_TYPE }) };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    env.proxy.autoRecovery.failFor(s.i.instanceId);
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmOf(env, 'ec2-system-status', s.i.instanceId)];
  },
  async recovered(env, s) {
    return (await instance(env.clients, s.i.instanceId))?.State?.Name === 'running' && env.proxy.impairments.active(s.i.instanceId).length === 0;
  },
  async judge(env, s) {
    const byEc2 = env.proxy.autoRecovery.records.filter((r) => r.instanceId === s.i.instanceId);
    const reboots = fleetCalls(env, 'StartAutomationExecution').filter((c) => c.ids.includes(s.i.instanceId));
    const others = fleetCalls(env).filter((c) => c.operation !== 'StartAutomationExecution');
    const inst = await instance(env.clients, s.i.instanceId);
    const started = eventsFor(env, [s.i.instanceId], 'Remediation Started');
    const evidence = (started[0]?.detail.evidence as { ec2AutoRecovery?: { outcome?: string } } | undefined)?.ec2AutoRecovery;
    const verified = eventsFor(env, [s.i.instanceId], 'Remediation Verified');
    const checks = [
      check('EC2 tried and failed (its FAILURE Health event)', byEc2.length === 1 && byEc2[0].outcome === 'failed', byEc2.map((r) => `${r.outcome}: ${r.why}`).join('; ') || 'EC2 did nothing'),
      check("the reboot rung acted on EC2's failure", reboots.length === 1 && evidence?.outcome === 'failed', `${reboots.length} AWS-RestartEC2Instance execution(s); evidence: ${JSON.stringify(evidence ?? null)}`),
      check('no other fleet change', others.length === 0, others.map((c) => `${c.service}:${c.operation}`).join(', ') || 'none'),
      check('same instance, host healthy', inst?.State?.Name === 'running' && env.proxy.impairments.active(s.i.instanceId).length === 0, `${s.i.instanceId}: ${inst?.State?.Name}`),
      check('the fix was verified', verified.length >= 1, `${verified.length} Remediation Verified event(s)`),
    ];
    return { outcome: reboots.length === 1 ? `EC2 failed; rebooted ${s.i.instanceId}` : `${reboots.length} reboot(s)`, checks };
  },
};
