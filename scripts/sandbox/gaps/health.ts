import { jsonResponse, type AwsRequest, type StandInResponse } from './protocol';

/**
 * STAND-IN for AWS Health DescribeEvents (moto has no Health API). Empty by
 * default; a scenario can open an event (e.g. an EC2 issue in one AZ) to check
 * that the automation stands down while AWS is already working on it.
 * EC2's simplified automatic recovery publishes its outcomes here (./auto-recovery.ts).
 * Filters honoured: services, regions, availabilityZones, eventStatusCodes,
 * eventTypeCategories, eventTypeCodes, entityValues, startTimes (from/to); maxResults and nextToken page the answer
 * (the functions read a region's open issues page by page).
 */
export interface HealthEvent {
  arn: string;
  service: string;
  eventTypeCode: string;
  eventTypeCategory: 'issue' | 'accountNotification' | 'scheduledChange' | 'investigation';
  region: string;
  availabilityZone?: string;
  statusCode: 'open' | 'closed' | 'upcoming';
  startTime: Date;
  /** Resource ids affected (entityValues). */
  entities: string[];
}

type Filter = Partial<Record<'services' | 'regions' | 'availabilityZones' | 'eventStatusCodes' | 'eventTypeCategories' | 'eventTypeCodes' | 'entityValues', string[]>> & {
  startTimes?: Array<{ from?: number; to?: number }>;
};

export class HealthEvents {
  private readonly events: HealthEvent[] = [];

  open(e: Omit<HealthEvent, 'arn' | 'statusCode' | 'startTime'>): HealthEvent {
    const ev: HealthEvent = {
      ...e,
      arn: `arn:aws:health:${e.region}::event/${e.service}/${e.eventTypeCode}/${e.eventTypeCode}_DRILL_${this.events.length + 1}`,
      statusCode: 'open',
      startTime: new Date(),
    };
    this.events.push(ev);
    return ev;
  }

  /** An event in any state (e.g. an account-specific outcome about one instance). */
  publish(e: Omit<HealthEvent, 'arn' | 'startTime'>): HealthEvent {
    const ev = this.open(e);
    ev.statusCode = e.statusCode;
    return ev;
  }

  all(): readonly HealthEvent[] {
    return this.events;
  }

  closeAll(): void {
    for (const e of this.events) e.statusCode = 'closed';
  }

  clear(): void {
    this.events.length = 0;
  }

  handle(req: AwsRequest): StandInResponse | undefined {
    if (req.operation !== 'DescribeEvents') return undefined;
    const f = (req.json.filter ?? {}) as Filter;
    const ok = (wanted: string[] | undefined, value: string | undefined) => !wanted || wanted.length === 0 || (value !== undefined && wanted.includes(value));
    const events = this.events.filter(
      (e) =>
        ok(f.services, e.service) &&
        ok(f.regions, e.region) &&
        ok(f.availabilityZones, e.availabilityZone) &&
        ok(f.eventStatusCodes, e.statusCode) &&
        ok(f.eventTypeCategories, e.eventTypeCategory) &&
        ok(f.eventTypeCodes, e.eventTypeCode) &&
        // startTimes: epoch seconds on the wire (JSON protocol timestamps).
        (!f.startTimes || f.startTimes.length === 0 || f.startTimes.some((r) => (r.from === undefined || e.startTime.getTime() >= r.from * 1000) && (r.to === undefined || e.startTime.getTime() <= r.to * 1000))) &&
        (!f.entityValues || f.entityValues.length === 0 || e.entities.some((x) => f.entityValues!.includes(x))),
    );
    // nextToken: where the next page starts (opaque to callers, as AWS's is). Without maxResults, one page.
    const from = Number(req.json.nextToken ?? 0) || 0;
    const size = typeof req.json.maxResults === 'number' && req.json.maxResults > 0 ? req.json.maxResults : events.length;
    const page = events.slice(from, from + size);
    const nextToken = from + size < events.length ? String(from + size) : undefined;
    return jsonResponse({
      ...(nextToken ? { nextToken } : {}),
      events: page.map((e) => ({
        arn: e.arn,
        service: e.service,
        eventTypeCode: e.eventTypeCode,
        eventTypeCategory: e.eventTypeCategory,
        region: e.region,
        availabilityZone: e.availabilityZone,
        startTime: e.startTime.getTime() / 1000,
        lastUpdatedTime: e.startTime.getTime() / 1000,
        statusCode: e.statusCode,
        eventScopeCode: 'ACCOUNT_SPECIFIC',
      })),
    });
  }
}
