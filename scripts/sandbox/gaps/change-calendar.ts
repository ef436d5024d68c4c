import { jsonResponse, type AwsRequest, type StandInResponse } from './protocol';

/**
 * STAND-IN for SSM GetCalendarState (moto has no Change Calendar). OPEN unless
 * a scenario closes it, so a stack configured with a change calendar still
 * runs in the drill, and a closed window can be drilled on purpose.
 */
export class ChangeCalendar {
  state: 'OPEN' | 'CLOSED' = 'OPEN';

  handle(req: AwsRequest): StandInResponse | undefined {
    if (req.operation !== 'GetCalendarState') return undefined;
    return jsonResponse({
      State: this.state,
      AtTime: new Date().toISOString(),
      NextTransitionTime: new Date(Date.now() + 3600_000).toISOString(),
    });
  }
}
