import { jsonError, jsonResponse, type AwsRequest, type StandInResponse } from './protocol';

/**
 * STAND-IN for SSM GetCalendarState (moto has no Change Calendar), modelled on
 * the API reference:
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCalendarState.html
 *   - request: CalendarNames (names or document ARNs, required), AtTime (optional ISO 8601);
 *   - response: State OPEN | CLOSED (CLOSED when any named calendar is closed), AtTime
 *     (the time asked for, else now), NextTransitionTime (only when a transition is known);
 *   - a name that is no calendar document: InvalidDocument, HTTP 400 ("The specified SSM
 *     document doesn't exist"); no CalendarNames: ValidationException, HTTP 400.
 * Only declared calendars exist (the drill declares the one the stack configures), OPEN
 * until a scenario closes one. A scenario may also make every read fail the way AWS
 * does for a caller that cannot read it (common errors,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html):
 * AccessDeniedException or ThrottlingException, both HTTP 400, awsJson1_1 `__type`.
 */
export type CalendarState = 'OPEN' | 'CLOSED';
export type CalendarFailure = 'AccessDeniedException' | 'ThrottlingException';

const FAILURE_MESSAGES: Record<CalendarFailure, string> = {
  AccessDeniedException: 'User is not authorized to perform: ssm:GetCalendarState on resource',
  ThrottlingException: 'Rate exceeded',
};

export class ChangeCalendar {
  private readonly calendars = new Map<string, { state: CalendarState; nextTransition?: Date }>();
  private failure?: CalendarFailure;

  /** A Change Calendar document that exists (OPEN unless said otherwise). */
  declare(name: string, state: CalendarState = 'OPEN'): void {
    this.calendars.set(name, { state });
  }

  /** Sets a declared calendar's state; `until`: when it changes back (NextTransitionTime). */
  set(name: string, state: CalendarState, until?: Date): void {
    if (!this.calendars.has(name)) throw new Error(`change calendar ${name} was never declared (declare it as the stack's calendar first)`);
    this.calendars.set(name, { state, nextTransition: until });
  }

  /** Every GetCalendarState fails with this AWS error until cleared. */
  failWith(error: CalendarFailure | undefined): void {
    this.failure = error;
  }

  /** Back to every declared calendar OPEN, no failure. */
  reset(): void {
    for (const name of this.calendars.keys()) this.calendars.set(name, { state: 'OPEN' });
    this.failure = undefined;
  }

  handle(req: AwsRequest): StandInResponse | undefined {
    if (req.operation !== 'GetCalendarState') return undefined;
    if (this.failure) return jsonError(this.failure, FAILURE_MESSAGES[this.failure], 400);
    const names = Array.isArray(req.json.CalendarNames) ? (req.json.CalendarNames as unknown[]).map(String) : [];
    if (names.length === 0) return jsonError('ValidationException', '1 validation error detected: Value null at \'calendarNames\' failed to satisfy constraint: Member must not be null', 400);
    // A document ARN names the document after `document/`.
    const found = names.map((n) => this.calendars.get(n.includes(':document/') ? n.slice(n.indexOf(':document/') + ':document/'.length) : n));
    if (found.some((c) => !c)) return jsonError('InvalidDocument', "The specified SSM document doesn't exist.", 400);
    const closed = found.filter((c) => c!.state === 'CLOSED');
    const next = (closed.length ? closed : found).map((c) => c!.nextTransition).filter((d): d is Date => !!d).sort((a, b) => a.getTime() - b.getTime())[0];
    return jsonResponse({
      State: closed.length ? 'CLOSED' : 'OPEN',
      AtTime: typeof req.json.AtTime === 'string' ? req.json.AtTime : new Date().toISOString(),
      ...(next ? { NextTransitionTime: next.toISOString() } : {}),
    });
  }
}
