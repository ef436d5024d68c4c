import type { AlarmStateChangeEvent } from '../contracts/alarm-event';
import type { ResourceRef } from '../contracts/recovery-event';
import { InvalidRequest } from './request';

/**
 * Which resource an alarm is about, from its metric dimensions (InstanceId,
 * VolumeId, AutoScalingGroupName). The most specific kind wins (volume >
 * instance > group); two different resources of that kind are refused rather
 * than guessed at.
 */
const PATTERNS = {
  InstanceId: { type: 'instance', re: /^i-[0-9a-f]{8,17}$/ },
  VolumeId: { type: 'volume', re: /^vol-[0-9a-f]{8,17}$/ },
  AutoScalingGroupName: { type: 'autoscaling-group', re: /^[\w+=,.@/-][\w +=,.@/:-]{0,254}$/ },
} as const;

export function resolveResource(event: AlarmStateChangeEvent): ResourceRef {
  const found = new Map<string, ResourceRef>();
  for (const m of event.detail.configuration.metrics) {
    const dims = m.metricStat?.metric.dimensions ?? {};
    for (const [name, spec] of Object.entries(PATTERNS)) {
      const value = dims[name];
      if (value === undefined) continue;
      if (!spec.re.test(value)) throw new InvalidRequest(`metric dimension ${name}=${JSON.stringify(value.slice(0, 80))} is not a valid ${spec.type} id`);
      found.set(`${spec.type}:${value}`, { type: spec.type, id: value });
    }
  }
  if (found.size === 0) {
    throw new InvalidRequest('the alarm names no resource: expected an InstanceId, VolumeId or AutoScalingGroupName metric dimension');
  }
  // Metrics name several kinds at once (VolumeStalledIOCheck: VolumeId + InstanceId; custom
  // instance metrics may add AutoScalingGroupName): the most specific kind is the resource.
  const refs = [...found.values()];
  const kind = (['volume', 'instance', 'autoscaling-group'] as const).find((t) => refs.some((r) => r.type === t))!;
  const pick = refs.filter((r) => r.type === kind);
  if (pick.length > 1) throw new InvalidRequest(`the alarm's metrics name ${pick.length} resources (${pick.map((r) => r.id).join(', ')}); one alarm must watch one resource`);
  return pick[0];
}
