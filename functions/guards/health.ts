import { health } from '../runtime/sdk';
import { isEc2RecoveryOutcome } from './ec2-auto-recovery';
import { sharedReading } from './shared-readings';
import { allow, deny, type Verdict } from './verdict';

/**
 * Stand down when AWS itself reports an open issue for the service in the
 * resource's AZ/region: replacing instances during a regional EC2 event adds
 * load and churn without helping. The Health API needs a Business/Enterprise
 * support plan; when it cannot be read the guard lets the remediation proceed
 * (recording why), since every other guard still applies.
 *
 * Read and judged apart: the region's open issues are read as soon as the
 * remediation starts (readHealthIssues), without waiting for the diagnosis to
 * name the instance's AZ, and judgeHealth then keeps only the issues in that
 * AZ, the scope the AZ filter of DescribeEvents gave: an issue in another AZ,
 * or one without an AZ, does not stand an instance in a known AZ down; with
 * no AZ known every open issue in the region does.
 *
 * EC2's simplified automatic recovery outcomes (AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS / _FAILURE) are
 * account-specific events about one instance, not provider issues: they never stand anything down (an
 * open one would otherwise stand down every fault in its AZ until it closes). Their meaning for the
 * instance they name is judged by ./ec2-auto-recovery.ts.
 *
 * The region's reading is shared by the container's faults for `maxAgeSeconds`
 * (./shared-readings.ts: a storm reads Health once, not once per fault).
 */
export interface HealthIssue {
  arn?: string;
  eventTypeCode?: string;
  availabilityZone?: string;
}

export type HealthReading =
  | { checked: false; evidence: Record<string, unknown> }
  | { checked: true; issues: HealthIssue[]; service: string; region: string; unreadPages?: true; readAt?: string };

/** Issues reported at most (the evidence keeps them all); the AZ-filtered query asked for 10. */
const MAX_REPORTED = 10;
/** Pages of 100 read at most: a region rarely has more than a few open issues for one service. */
const MAX_PAGES = 5;

export async function readHealthIssues(opts: { enabled: boolean; service: string; region: string; maxAgeSeconds?: number }): Promise<HealthReading> {
  if (!opts.enabled) return { checked: false, evidence: { health: 'stand-down disabled by guardrails' } };
  const { value, readAt } = await sharedReading(`health|${opts.service}|${opts.region}`, opts.maxAgeSeconds ?? 0, () => fetchHealthIssues(opts), (r) => r.checked);
  return value.checked ? { ...value, readAt } : value;
}

async function fetchHealthIssues(opts: { service: string; region: string }): Promise<HealthReading> {
  const { client, sdk } = await health();
  const issues: HealthIssue[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      const out = await client.send(
        new sdk.DescribeEventsCommand({
          filter: { services: [opts.service], regions: [opts.region], eventStatusCodes: ['open'], eventTypeCategories: ['issue'] },
          maxResults: 100,
          nextToken,
        }),
      );
      for (const e of out.events ?? []) issues.push({ arn: e.arn, eventTypeCode: e.eventTypeCode, availabilityZone: e.availabilityZone });
      nextToken = out.nextToken;
    } while (nextToken && ++pages < MAX_PAGES);
  } catch (e) {
    return { checked: false, evidence: { health: `AWS Health not readable (${(e as { name?: string }).name ?? (e as Error).message}); stand-down check skipped` } };
  }
  return { checked: true, issues, service: opts.service, region: opts.region, ...(nextToken ? { unreadPages: true as const } : {}) };
}

/** The verdict for a resource in `availabilityZone` (undefined: not known, the whole region counts). */
export function judgeHealth(reading: HealthReading, availabilityZone: string | undefined): Verdict {
  if (!reading.checked) return allow(reading.evidence);
  const open = reading.issues
    .filter((e) => !isEc2RecoveryOutcome(e.eventTypeCode))
    .filter((e) => availabilityZone === undefined || e.availabilityZone === availabilityZone)
    .slice(0, MAX_REPORTED);
  if (open.length > 0) {
    return deny(`AWS Health reports ${open.length} open ${reading.service} issue(s) in ${availabilityZone ?? reading.region}: ${open[0].eventTypeCode}`, { healthEvents: open, healthReadAt: reading.readAt });
  }
  // Stopped at MAX_PAGES with more to read: say so rather than claim there is none.
  return allow({ healthEvents: [], healthReadAt: reading.readAt, ...(reading.unreadPages ? { healthUnreadPages: true } : {}) });
}
