import type { Fleet, SeededInstance } from '../fleet';
import { instance } from './fleet-state';
import { alarmOf, check, eventsFor, fleetCalls, type Scenario } from './scenario';

/**
 * EventBridge delivers at least once: the same alarm event reaches the
 * function twice. Exactly one remediation may follow.
 */
interface Seed {
  i: SeededInstance;
}

export const duplicateDelivery: Scenario<Seed> = {
  name: 'duplicate-delivery',
  title: 'The same alarm delivered twice',
  fault: 'EC2 system status check impaired; the alarm event is delivered twice',
  expected: 'one reboot, the second delivery recognised as a duplicate',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('duplicate', 'drill-app-2') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot', 'replace-instance'] }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    env.loop.duplicateNextDelivery('ssm-automation');
    return [alarmOf(env, 'ec2-system-status', s.i.instanceId)];
  },
  async recovered(env, s) {
    return (await instance(env.clients, s.i.instanceId))?.State?.Name === 'running' && env.proxy.impairments.active(s.i.instanceId).length === 0;
  },
  async judge(env, s) {
    const deliveries = env.loop.deliveries.filter((d) => d.at >= env.since && d.fn === 'ssm-automation').length;
    const reboots = fleetCalls(env, 'StartAutomationExecution').filter((c) => c.ids.includes(s.i.instanceId));
    const stops = fleetCalls(env, 'StopInstances').length;
    const inst = await instance(env.clients, s.i.instanceId);
    const verified = eventsFor(env, [s.i.instanceId], 'Remediation Verified');
    const checks = [
      check('the event was delivered twice', deliveries === 2, `${deliveries} deliveries to ssm-automation`),
      check('exactly one remediation ran', reboots.length === 1, `${reboots.length} AWS-RestartEC2Instance execution(s)`),
      check('no other fleet change', stops === 0 && fleetCalls(env).length === reboots.length, `${fleetCalls(env).length} fleet-changing call(s)`),
      check('the instance is healthy and running', inst?.State?.Name === 'running' && env.proxy.impairments.active(s.i.instanceId).length === 0, `${inst?.State?.Name}`),
      check('verified once', verified.length === 1, `${verified.length} Remediation Verified event(s)`),
    ];
    return { outcome: `${reboots.length} action for ${deliveries} deliveries`, checks };
  },
};
