import { health } from '../runtime/sdk';
import { allow, deny, type Verdict } from './verdict';

/**
 * Stand down when AWS itself reports an open issue for the service in the
 * resource's AZ/region: replacing instances during a regional EC2 event adds
 * load and churn without helping. The Health API needs a Business/Enterprise
 * support plan; when it cannot be read the guard lets the remediation proceed
 * (recording why), since every other guard still applies.
 */
export async function checkHealth(opts: { enabled: boolean; service: string; region: string; availabilityZone?: string }): Promise<Verdict> {
  if (!opts.enabled) return allow({ health: 'stand-down disabled by guardrails' });
  const { client, sdk } = await health();
  try {
    const out = await client.send(
      new sdk.DescribeEventsCommand({
        filter: {
          services: [opts.service],
          regions: [opts.region],
          ...(opts.availabilityZone ? { availabilityZones: [opts.availabilityZone] } : {}),
          eventStatusCodes: ['open'],
          eventTypeCategories: ['issue'],
        },
        maxResults: 10,
      }),
    );
    const open = (out.events ?? []).map((e) => ({ arn: e.arn, eventTypeCode: e.eventTypeCode, availabilityZone: e.availabilityZone }));
    if (open.length > 0) {
      return deny(`AWS Health reports ${open.length} open ${opts.service} issue(s) in ${opts.availabilityZone ?? opts.region}: ${open[0].eventTypeCode}`, { healthEvents: open });
    }
    return allow({ healthEvents: [] });
  } catch (e) {
    return allow({ health: `AWS Health not readable (${(e as { name?: string }).name ?? (e as Error).message}); stand-down check skipped` });
  }
}
