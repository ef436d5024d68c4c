import type { Guardrails } from '../../../functions/contracts/guardrails';
import type { Fleet, SeededInstance } from '../fleet';
import { alarmFor, stoppedByGuard } from './guard-skip';
import { check, fleetCalls, type Scenario } from './scenario';

/**
 * The blast-radius caps, one at a time. A group (the `recovery-group` tag) of
 * `size` members, `targeted` of them protected (reboot only: no approval
 * involved); one more member than the cap under test allows fails at once.
 * The group's size makes the cap under test the tighter one, so the last member
 * can only have been stopped by it: the caps are computed here from the stack's
 * guardrails, as the config reference defines them (count: maxConcurrentPerGroup;
 * percentage: maxPercentPerGroup of the group, rounded down), and the scenario
 * fails when this stack cannot tell the two apart for this group.
 */
export type Cap = 'count' | 'percentage';

interface Seed {
  /** The protected members (the rest of the group is unprotected, only counted). */
  members: SeededInstance[];
}

export function caps(g: Guardrails, size: number): { count: number; percentage: number } {
  return { count: g.maxConcurrentPerGroup, percentage: Math.floor((size * g.maxPercentPerGroup) / 100) };
}

export function groupCapScenario(o: { name: string; cap: Cap; group: string; size: number; targeted: number }): Scenario<Seed> {
  const other: Cap = o.cap === 'count' ? 'percentage' : 'count';
  return {
    name: o.name,
    title: `Group ${o.cap} cap`,
    fault: `EC2 system status failure on one member more than the ${o.cap} cap allows, in a group of ${o.size}`,
    expected: `only the ${o.cap} cap's number of members rebooted; the last one untouched, its skip names the group cap`,
    async seed(fleet: Fleet) {
      const scenario = o.name.replace(/[^a-z]/g, '');
      const [members] = await Promise.all([
        Promise.all(Array.from({ length: o.targeted }, (_, i) => fleet.standalone(scenario, `${o.group}-${i + 1}`, { group: o.group }))),
        o.size > o.targeted ? fleet.groupMembers(scenario, o.group, o.size - o.targeted) : Promise.resolve([]),
      ]);
      return { members };
    },
    targets: (s) => s.members.slice(0, o.targeted).map((m) => ({ kind: 'instance', id: m.instanceId, ladder: ['reboot'], group: o.group })),
    async inject(env, s) {
      const limit = caps(env.guardrails, o.size)[o.cap];
      const failing = s.members.slice(0, Math.min(limit + 1, o.targeted));
      for (const m of failing) env.proxy.impairments.inject({ kind: 'instance-system', resourceId: m.instanceId });
      return failing.map((m) => alarmFor(env, 'ec2-system-status', m.instanceId));
    },
    async judge(env, s) {
      const c = caps(env.guardrails, o.size);
      const limit = c[o.cap];
      const failing = s.members.slice(0, Math.min(limit + 1, o.targeted)).map((m) => m.instanceId);
      const acted = failing.filter((id) => fleetCalls(env).some((call) => call.ids.includes(id)));
      const left = failing.filter((id) => !acted.includes(id));
      const { checks } = await stoppedByGuard(env, { guard: 'group cap', ids: left, words: [/group/i, /cap|limit/i], onlyIds: true });
      return {
        outcome: `${acted.length} of ${failing.length} failing members rebooted (${o.cap} cap ${limit}, ${other} cap ${c[other]}); ${left.length} left`,
        checks: [
          check(
            `for a group of ${o.size} the ${o.cap} cap (${limit}) is the tighter one and allows at least 1`,
            limit >= 1 && limit < c[other] && limit + 1 <= o.targeted,
            `count cap ${c.count} (maxConcurrentPerGroup), percentage cap ${c.percentage} (${env.guardrails.maxPercentPerGroup}% of ${o.size}); ${o.targeted} members protected`,
          ),
          check(`exactly the ${o.cap} cap (${limit}) rebooted`, acted.length === limit, `acted on ${acted.join(', ') || 'none'}`),
          check('one failing member left for the cap to stop', left.length === 1, `${left.length}: ${left.join(', ')}`),
          ...checks,
        ],
      };
    },
  };
}
