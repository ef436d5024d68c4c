import { instance } from './fleet-state';
import { check, fleetCalls, notificationsFor, type Check, type ScenarioEnv } from './scenario';

/**
 * The judgement every guard scenario shares: from `since` (the fault the guard must
 * stop), no fleet-changing call at all (or, with `onlyIds`, none naming `ids`: others
 * in the scenario may rightly act), each of `ids` still running, and for each a
 * `Remediation Skipped` notification whose reason matches every one of `words`
 * (the guard's own words, loosely: /cooldown/i, the calendar's name from the stack's
 * config, ...; never the function's message copied).
 */
export interface GuardSkip {
  checks: Check[];
  calls: ReturnType<typeof fleetCalls>;
  /** The first matching skip reason per id ('' when none). */
  reasons: string[];
}

export async function stoppedByGuard(
  env: ScenarioEnv,
  o: { guard: string; ids: string[]; words: RegExp[]; since?: Date; onlyIds?: boolean },
): Promise<GuardSkip> {
  const since = o.since ?? env.since;
  const calls = fleetCalls(env).filter((c) => c.at >= since && (!o.onlyIds || c.ids.some((id) => o.ids.includes(id))));
  const states = await Promise.all(o.ids.map(async (id) => (await instance(env.clients, id))?.State?.Name));
  const reasonsOf = (id: string) =>
    notificationsFor(env, [id], 'Remediation Skipped')
      .filter((n) => n.at >= since)
      .map((n) => String((JSON.parse(n.message) as { reason?: unknown }).reason ?? ''));
  const all = o.ids.map(reasonsOf);
  const reasons = all.map((rs) => rs.find((r) => o.words.every((w) => w.test(r))) ?? '');
  return {
    calls,
    reasons,
    checks: [
      check(
        `zero fleet-changing calls${o.onlyIds ? ` on ${o.ids.join(', ')}` : ''}`,
        calls.length === 0,
        calls.length ? calls.map((c) => `${c.service}:${c.operation} ${c.ids.join(' ')}`).join(', ') : 'none',
      ),
      check('left running, untouched', states.every((s) => s === 'running'), o.ids.map((id, i) => `${id}: ${states[i]}`).join(', ')),
      check(
        `a Remediation Skipped notification naming the ${o.guard}`,
        reasons.every(Boolean),
        o.ids.map((id, i) => `${id}: ${reasons[i] || (all[i].length ? `skipped for other reasons: ${all[i].join(' | ').slice(0, 200)}` : 'no Skipped notification')}`).join('; '),
      ),
    ],
  };
}

/**
 * The alarm of `detector` on resource `id`, whatever the target's ladder (a ladder other than the
 * detector's default makes its own playbook, `<detector>.<rungs>`, and so its own alarm name).
 */
export function alarmFor(env: ScenarioEnv, detector: string, id: string): string {
  const prefix = `recovery-${env.stage}-${detector}`;
  const found = [...env.deployment.alarms.keys()].filter((n) => n.startsWith(prefix) && n.endsWith(`-${id}`) && /^(-|\.)/.test(n.slice(prefix.length)));
  if (found.length !== 1) throw new Error(`expected one ${detector} alarm for ${id} in the synthesized stack, found ${found.length}: ${found.join(', ') || 'none'}`);
  return found[0];
}

/** For regular expressions built from config values (a calendar's name). */
export const literally = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
