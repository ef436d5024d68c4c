import { ssm } from '../runtime/sdk';
import { allow, deny, type Verdict } from './verdict';

/**
 * Optional SSM Change Calendar (CHANGE_CALENDAR): CLOSED = no automated
 * change. The operator asked for the calendar, so an unreadable calendar also
 * means no action (fail closed).
 */
export async function checkChangeCalendar(calendar: string | undefined): Promise<Verdict> {
  if (!calendar) return allow();
  const { client, sdk } = await ssm();
  try {
    const out = await client.send(new sdk.GetCalendarStateCommand({ CalendarNames: [calendar] }));
    if (out.State === 'OPEN') return allow({ changeCalendar: { name: calendar, state: out.State } });
    return deny(`change calendar ${calendar} is ${out.State ?? 'unknown'}`, { changeCalendar: { name: calendar, state: out.State } });
  } catch (e) {
    return deny(`change calendar ${calendar} could not be read (${(e as Error).message}); not acting while it is unknown`);
  }
}
