import type { Fleet, SeededInstance } from '../fleet';
import { calendarReads, configuredCalendar } from './calendar-closed';
import { alarmFor, literally, stoppedByGuard } from './guard-skip';
import { check, type Scenario } from './scenario';

/**
 * The stack's change calendar cannot be read (its GetCalendarState answers
 * AccessDeniedException, as for a role without the grant). The operator asked
 * for the calendar, so not knowing its state must mean no action (fail
 * closed), and the skip must say the calendar could not be read.
 */
interface Seed {
  i: SeededInstance;
}

export const calendarUnreadable: Scenario<Seed> = {
  name: 'calendar-unreadable',
  title: 'Change calendar unreadable',
  fault: "EC2 system status failure while the stack's change calendar answers AccessDeniedException",
  expected: 'no action (fail closed); the skip says the calendar could not be read',
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('calunread', 'drill-guard-calendar-unread') };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: ['reboot'] }],
  async inject(env, s) {
    configuredCalendar(env);
    env.proxy.calendar.failWith('AccessDeniedException');
    env.proxy.impairments.inject({ kind: 'instance-system', resourceId: s.i.instanceId });
    return [alarmFor(env, 'ec2-system-status', s.i.instanceId)];
  },
  async judge(env, s) {
    const name = configuredCalendar(env);
    const unread = /(could ?n[o']t|can ?n[o']t|unable to|failed to) (be )?read|unreadable|not readable/i;
    const { calls, checks } = await stoppedByGuard(env, { guard: `unreadable change calendar ${name}`, ids: [s.i.instanceId], words: [/calendar/i, literally(name), unread] });
    const denied = calendarReads(env).filter((c) => c.error === 'AccessDeniedException');
    return {
      outcome: calls.length === 0 ? `no action while ${name} could not be read` : `${calls.length} fleet call(s) with the calendar unreadable`,
      checks: [check(`the functions asked for ${name} and were denied`, denied.length >= 1, `${denied.length} denied GetCalendarState call(s)`), ...checks],
    };
  },
};
