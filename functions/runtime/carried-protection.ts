/**
 * Protection that survives a recovery. The stack's alarms are keyed by
 * resource id (recovery-<stage>-<playbook>-<id>, with the id in the metric's
 * dimensions), so a standalone replacement or a restored volume would be
 * watched by nothing until the next deploy. Before the action returns, each
 * alarm of the predecessor is copied for its successor: same metric,
 * threshold, periods and missing-data handling (the detector's definition as
 * deployed), the successor's ids in the dimensions and the name, the
 * predecessor's tags plus where it came from. The playbook's rule matches the
 * name prefix, so the copy routes like the original.
 *
 * An alarm whose name keeps its id (a data volume that moved to the
 * replacement: same volume, new InstanceId dimension) is updated in place.
 * PutMetricAlarm creates or replaces (API reference:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
 * so a retried action writes the same alarms again, and the next `pulumi up`,
 * which resolves the successor from its tags (infra/targets.ts) and declares an
 * alarm of the same name, takes it over rather than adding a second one.
 */
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { alarmName } from '../contracts/naming';
import type { ActionContext } from './action-context';
import { cloudwatch } from './sdk';

export interface Watched {
  kind: 'instance' | 'volume';
  id: string;
}

export interface CarriedProtection {
  /** Alarms written for the successors (created, or updated in place). */
  carried: string[];
  /** Alarms that could not be written, with why: the successor is not watched by them. */
  failed: string[];
}

const DESCRIPTION_MAX = 1024;

/** The alarm's definition with every id in `swaps` replaced by its successor's. Pure. */
export function successorAlarm(a: MetricAlarm, swaps: Record<string, string>, note: string): { name: string; dimensions: NonNullable<MetricAlarm['Dimensions']>; description: string } {
  const swap = (v: string) => swaps[v] ?? v;
  const oldName = a.AlarmName!;
  const suffix = Object.keys(swaps).find((id) => oldName.endsWith(`-${id}`));
  const name = suffix ? `${oldName.slice(0, -suffix.length)}${swaps[suffix]}` : oldName;
  let description = a.AlarmDescription ?? '';
  for (const [from, to] of Object.entries(swaps)) description = description.split(from).join(to);
  description = `${description} ${note}`.trim();
  if (description.length > DESCRIPTION_MAX) description = `${description.slice(0, DESCRIPTION_MAX - 3)}...`;
  return { name, dimensions: (a.Dimensions ?? []).map((d) => ({ Name: d.Name, Value: swap(d.Value ?? '') })), description };
}

/**
 * Copies the stack's alarms on `watched` (the predecessors) for their successors (`swaps`: old id -> new id).
 * Never throws: what could not be written is returned, for the action's result and the ledger.
 */
export async function carryProtection(ctx: ActionContext, watched: Watched[], swaps: Record<string, string>): Promise<CarriedProtection> {
  const names = watched.flatMap((w) => (ctx.protectionPlaybooks[w.kind] ?? []).map((pb) => alarmName(ctx.stage, pb, w.id)));
  const out: CarriedProtection = { carried: [], failed: [] };
  if (names.length === 0) return out;
  const { client, sdk } = await cloudwatch();
  const alarms: MetricAlarm[] = [];
  try {
    for (let i = 0; i < names.length; i += 100) {
      alarms.push(...((await client.send(new sdk.DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ['MetricAlarm'] }))).MetricAlarms ?? []));
    }
  } catch (e) {
    out.failed.push(`could not read the alarms of ${watched.map((w) => w.id).join(', ')}: ${(e as Error).message}`);
    return out;
  }
  const note = `(Carried at run time from ${'{from}'} by recovery-stack incident ${ctx.incidentId}; the next pulumi up adopts it.)`;
  for (const a of alarms) {
    // Composite-metric alarms (Metrics) are not among the instance and volume detectors; copied as they are, never.
    if (!a.MetricName || !a.AlarmName) continue;
    const next = successorAlarm(a, swaps, note.replace('{from}', a.AlarmName));
    try {
      const tags = a.AlarmArn ? ((await client.send(new sdk.ListTagsForResourceCommand({ ResourceARN: a.AlarmArn }))).Tags ?? []) : [];
      const kept = tags.filter((t) => t.Key && !t.Key.startsWith('recovery-stack:carried-') && !t.Key.startsWith('aws:'));
      await client.send(
        new sdk.PutMetricAlarmCommand({
          AlarmName: next.name,
          AlarmDescription: next.description,
          ActionsEnabled: a.ActionsEnabled,
          OKActions: a.OKActions,
          AlarmActions: a.AlarmActions,
          InsufficientDataActions: a.InsufficientDataActions,
          Namespace: a.Namespace,
          MetricName: a.MetricName,
          Dimensions: next.dimensions,
          ...(a.ExtendedStatistic ? { ExtendedStatistic: a.ExtendedStatistic } : { Statistic: a.Statistic }),
          Period: a.Period,
          Unit: a.Unit,
          EvaluationPeriods: a.EvaluationPeriods,
          DatapointsToAlarm: a.DatapointsToAlarm,
          Threshold: a.Threshold,
          ComparisonOperator: a.ComparisonOperator,
          TreatMissingData: a.TreatMissingData,
          EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile,
          // Ignored by CloudWatch when the alarm exists (an update): the deployment's tags stay.
          Tags: [...kept, { Key: 'recovery-stack:carried-from', Value: a.AlarmName }, { Key: 'recovery-stack:carried-by', Value: ctx.incidentId }],
        }),
      );
      out.carried.push(next.name);
    } catch (e) {
      out.failed.push(`${next.name} (from ${a.AlarmName}): ${(e as Error).message}`);
    }
  }
  const missing = names.filter((n) => !alarms.some((a) => a.AlarmName === n));
  if (missing.length) ctx.log.info('predecessor alarms not found (detector not deployed for it): nothing to carry', { missing });
  if (out.failed.length) ctx.log.error('successor left without some of its alarms', { failed: out.failed });
  return out;
}
