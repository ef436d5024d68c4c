import { DescribeInstancesCommand, DescribeVolumesCommand, type EC2Client, type Instance, type Volume } from '@aws-sdk/client-ec2';
import type { Impairments } from './impairments';
import { ec2Error, ec2Response, queryFilters, queryList, type AwsRequest, type StandInResponse, type XmlObject } from './protocol';

/**
 * STAND-IN for EC2 DescribeInstanceStatus / DescribeVolumeStatus. moto
 * reports every running instance as `ok` and does not implement
 * DescribeVolumeStatus at all, so a status-check fault cannot be seen through
 * it. These answers are built from moto's real fleet (DescribeInstances /
 * DescribeVolumes) with the drill's injected impairments laid over it.
 */
const SUPPORTED_INSTANCE_FILTERS = ['instance-state-name', 'system-status.status', 'instance-status.status', 'availability-zone'];
const SUPPORTED_VOLUME_FILTERS = ['volume-status.status', 'availability-zone'];

function awsErrorOf(e: unknown): StandInResponse {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return ec2Error(err.name ?? 'InternalError', err.message ?? String(e), err.$metadata?.httpStatusCode ?? 500);
}

function unsupported(filters: Record<string, string[]>, supported: string[]): StandInResponse | undefined {
  const bad = Object.keys(filters).filter((f) => !supported.includes(f));
  if (bad.length === 0) return undefined;
  // Loud, so a handler that relies on another filter is noticed instead of silently mis-served.
  return ec2Error('InvalidParameterValue', `drill stand-in: filter(s) ${bad.join(', ')} not supported (supported: ${supported.join(', ')})`);
}

function matches(filters: Record<string, string[]>, values: Record<string, string | undefined>): boolean {
  return Object.entries(filters).every(([name, wanted]) => wanted.includes(values[name] ?? ''));
}

export async function describeInstanceStatus(ec2: EC2Client, req: AwsRequest, impairments: Impairments): Promise<StandInResponse> {
  const ids = queryList(req.form, 'InstanceId');
  const includeAll = req.form.get('IncludeAllInstances') === 'true';
  const filters = queryFilters(req.form);
  const bad = unsupported(filters, SUPPORTED_INSTANCE_FILTERS);
  if (bad) return bad;
  let instances: Instance[];
  try {
    const out = await ec2.send(new DescribeInstancesCommand(ids.length ? { InstanceIds: ids } : {}));
    instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  } catch (e) {
    return awsErrorOf(e);
  }
  const items: XmlObject[] = [];
  for (const inst of instances) {
    const state = inst.State?.Name ?? 'pending';
    if (!includeAll && state !== 'running') continue;
    const running = state === 'running';
    const system = running ? impairments.active(inst.InstanceId!, 'instance-system')[0] : undefined;
    const os = running ? impairments.active(inst.InstanceId!, 'instance-status')[0] : undefined;
    const summary = (imp: typeof system) =>
      running
        ? {
            status: imp ? 'impaired' : 'ok',
            details: [{ name: 'reachability', status: imp ? 'failed' : 'passed', impairedSince: imp?.since }],
          }
        : { status: 'not-applicable', details: [] };
    const systemStatus = summary(system);
    const instanceStatus = summary(os);
    const az = inst.Placement?.AvailabilityZone;
    if (
      !matches(filters, {
        'instance-state-name': state,
        'system-status.status': systemStatus.status,
        'instance-status.status': instanceStatus.status,
        'availability-zone': az,
      })
    )
      continue;
    items.push({
      instanceId: inst.InstanceId,
      availabilityZone: az,
      eventsSet: [],
      instanceState: { code: inst.State?.Code ?? 0, name: state },
      systemStatus,
      instanceStatus,
    });
  }
  return ec2Response('DescribeInstanceStatus', { instanceStatusSet: items });
}

export async function describeVolumeStatus(ec2: EC2Client, req: AwsRequest, impairments: Impairments): Promise<StandInResponse> {
  const ids = queryList(req.form, 'VolumeId');
  const filters = queryFilters(req.form);
  const bad = unsupported(filters, SUPPORTED_VOLUME_FILTERS);
  if (bad) return bad;
  let volumes: Volume[];
  try {
    const out = await ec2.send(new DescribeVolumesCommand(ids.length ? { VolumeIds: ids } : {}));
    volumes = out.Volumes ?? [];
  } catch (e) {
    return awsErrorOf(e);
  }
  const items: XmlObject[] = [];
  for (const vol of volumes) {
    const stalled = impairments.active(vol.VolumeId!, 'volume-io')[0];
    const status = stalled ? 'impaired' : 'ok';
    if (!matches(filters, { 'volume-status.status': status, 'availability-zone': vol.AvailabilityZone })) continue;
    items.push({
      volumeId: vol.VolumeId,
      availabilityZone: vol.AvailabilityZone,
      volumeStatus: {
        status,
        details: [
          { name: 'io-enabled', status: stalled ? 'failed' : 'passed' },
          { name: 'io-performance', status: stalled ? 'stalled' : 'normal' },
        ],
      },
      actionsSet: stalled
        ? [{ code: 'enable-volume-io', description: 'Enable volume I/O', eventId: `evol-${vol.VolumeId}`, eventType: 'potential-data-inconsistency' }]
        : [],
      eventsSet: stalled
        ? [
            {
              eventId: `evol-${vol.VolumeId}`,
              eventType: 'potential-data-inconsistency',
              description: 'THIS IS AN AUTOMATED EVENT: stalled I/O injected by the drill',
              notBefore: stalled.since,
            },
          ]
        : [],
      attachmentStatuses: (vol.Attachments ?? []).map((a) => ({ instanceId: a.InstanceId, ioPerformance: stalled ? 'stalled' : 'normal' })),
    });
  }
  return ec2Response('DescribeVolumeStatus', { volumeStatusSet: items });
}
