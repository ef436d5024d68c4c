import type { Fleet, SeededInstance } from '../fleet';
import { alarmFor, literally, stoppedByGuard } from './guard-skip';
import { check, type Scenario, type ScenarioEnv } from './scenario';

/**
 * A release freeze: the SSM Change Calendar the stack's config names
 * (recovery-stack:changeCalendar) is CLOSED when a real fault arrives.
 * Nothing may change; the skip names that calendar. The calendar's name comes
 * from Pulumi.<stack>.yaml, not from the functions' environment, so a stack
 * that never hands the calendar to its functions fails here.
 */
interface Seed {
  i: SeededInstance;
}

/** The stack's configured calendar; a stack without one cannot run the calendar scenarios. */
export function configuredCalendar(env: ScenarioEnv): string {
  if (!env.changeCalendar) throw new Error(`stack ${env.stage} configures no recovery-stack:changeCalendar: run this scenario on a stack that does (e.g. --stack prod)`);
  return env.changeCalendar;
}

/** GetCalendarState requests of this scenario, as the gap proxy saw them. */
export const calendarReads = (env: ScenarioEnv) => env.proxy.calls.filter((c) => c.at >= env.since && c.service === 'ssm' && c.operation === 'GetCalendarState');

export const calendarClosed: Scenario<Seed> = {
  name: 'calendar-closed',
  title: 'Change calendar CLOSED',
  fault: "EC2 system status failure while the stack's change calendar is CLOSED",
  expected: 'no action; the skip is notified naming the closed calendar',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('calclosed', 'drill-guard-calendar') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot'] }],
  async inject(env, s) {
    env.proxy.calendar.set(configuredCalendar(env), 'CLOSED', new Date(Date.now() + 3600_000));
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmFor(env, 'ec2-system-status', s.i.instanceId)];
  },
  async judge(env, s) {
    const name = configuredCalendar(env);
    const { calls, checks } = await stoppedByGuard(env, { guard: `closed change calendar ${name}`, ids: [s.i.instanceId], words: [/calendar/i, literally(name), /closed/i] });
    const reads = calendarReads(env).filter((c) => c.status === 200);
    return {
      outcome: calls.length === 0 ? `no action while ${name} is CLOSED` : `${calls.length} fleet call(s) while ${name} was CLOSED`,
      checks: [check(`the functions read calendar ${name}`, reads.length >= 1, `${reads.length} GetCalendarState answer(s)`), ...checks],
    };
  },
};
