import { ssm } from '../runtime/sdk';
import { sharedReading } from './shared-readings';
import { allow, deny, type Verdict } from './verdict';

/**
 * Optional SSM Change Calendar (CHANGE_CALENDAR): CLOSED = no automated
 * change. The operator asked for the calendar, so an unreadable calendar also
 * means no action (fail closed). Its state is shared by the container's
 * faults for `maxAgeSeconds` (./shared-readings.ts); a failed read is not kept.
 */
export async function checkChangeCalendar(calendar: string | undefined, maxAgeSeconds = 0): Promise<Verdict> {
  if (!calendar) return allow();
  const { value, readAt } = await sharedReading(`calendar|${calendar}`, maxAgeSeconds, () => readState(calendar), (r) => 'state' in r);
  if ('error' in value) return deny(`change calendar ${calendar} could not be read (${value.error}); not acting while it is unknown`);
  const evidence = { changeCalendar: { name: calendar, state: value.state, readAt } };
  if (value.state === 'OPEN') return allow(evidence);
  return deny(`change calendar ${calendar} is ${value.state ?? 'unknown'}`, evidence);
}

async function readState(calendar: string): Promise<{ state: string | undefined } | { error: string }> {
  const { client, sdk } = await ssm();
  try {
    return { state: (await client.send(new sdk.GetCalendarStateCommand({ CalendarNames: [calendar] }))).State };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
