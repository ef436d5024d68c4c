import { Guardrails } from '../../../functions/contracts/guardrails';
import type { Fleet, SeededInstance } from '../fleet';
import { instance } from './fleet-state';
import { alarmOf, check, fleetCalls, notificationsFor, type Scenario } from './scenario';

/**
 * Every member of one blast-radius group (`recovery-group` tag, selected by
 * tags at deploy time) alarms at once. At most min(maxConcurrentPerGroup,
 * maxPercentPerGroup of the group) may be remediated; every other member is
 * skipped, untouched, and people are told why.
 */
interface Seed {
  members: SeededInstance[];
}

const SIZE = 6;
const GROUP = 'drill-storm';

/** The cap as the guardrails contract defines it, computed here independently of the functions. */
export function expectedCap(guardrailsJson: string | undefined, size: number): number {
  const g = Guardrails.parse(guardrailsJson ? JSON.parse(guardrailsJson) : {});
  return Math.max(1, Math.min(g.maxConcurrentPerGroup, Math.floor((size * g.maxPercentPerGroup) / 100)));
}

export const alarmStorm: Scenario<Seed> = {
  name: 'alarm-storm',
  title: 'Alarm storm across a group',
  fault: `EC2 system status check impaired on all ${SIZE} members of group ${GROUP} at once`,
  expected: 'the blast-radius cap holds: only the cap is remediated, the rest skipped and notified',
  async seed(fleet: Fleet) {
    const members = await Promise.all(Array.from({ length: SIZE }, (_, i) => fleet.standalone('storm', `drill-storm-${i + 1}`, { group: GROUP })));
    return { members };
  },
  targets: () => [{ kind: 'instance', tags: { 'recovery-drill': 'storm' }, ladder: ['reboot', 'replace-instance'], group: GROUP }],
  async inject(env, s) {
    for (const m of s.members) env.proxy.impairments.inject({ kind: 'instance-system', resourceId: m.instanceId });
    return s.members.map((m) => alarmOf(env, 'ec2-system-status', m.instanceId));
  },
  async judge(env, s) {
    const ids = s.members.map((m) => m.instanceId);
    const cap = expectedCap(env.deployment.functions.get('ssm-automation')?.env.GUARDRAILS, SIZE);
    const acted = [...new Set(fleetCalls(env).flatMap((c) => c.ids.filter((id) => ids.includes(id))))];
    const skipped = ids.filter((id) => !acted.includes(id));
    const told = new Set(notificationsFor(env, skipped, 'Remediation Skipped').map((n) => (JSON.parse(n.message) as { resource: { id: string } }).resource.id));
    const untouched = await Promise.all(skipped.map(async (id) => (await instance(env.clients, id))?.State?.Name === 'running'));
    const checks = [
      check(`exactly the cap (${cap}) remediated`, acted.length === cap, `acted on ${acted.length}: ${acted.join(', ')}`),
      check('the rest untouched', untouched.every(Boolean) && skipped.length === SIZE - cap, `${skipped.length} skipped, all running: ${untouched.every(Boolean)}`),
      check('every skipped member notified', skipped.every((id) => told.has(id)), `${told.size} of ${skipped.length} skipped members notified`),
    ];
    return { outcome: `${acted.length} acted (cap ${cap}), ${skipped.length} skipped, ${told.size} notified`, checks };
  },
};
