import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, SetAlarmStateCommand, type MetricAlarm, type StateValue } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { AlarmStateChangeEvent } from '../../functions/contracts/alarm-event';
import type { Impairments } from '../sandbox/gaps/impairments';
import type { Clients } from './aws';

/**
 * STAND-IN for CloudWatch's alarm evaluation and its EventBridge emission
 * (moto stores alarms but neither evaluates them against the fleet nor emits
 * `CloudWatch Alarm State Change` events). For each alarm the drill watches it
 * derives the metric from moto's real fleet and the injected impairments,
 * applies the alarm's threshold and missing-data handling, and on a state
 * change does what CloudWatch does: SetAlarmState, then puts the state-change
 * event (functions/contracts/alarm-event.ts) on the default bus, where the
 * stack's rules route it. Time is compressed: an injected fault counts as
 * having lasted the alarm's evaluation periods.
 *
 * Metrics modelled: AWS/EC2 StatusCheckFailed_System, StatusCheckFailed_Instance
 * (per InstanceId), StatusCheckFailed (per AutoScalingGroupName), AWS/EBS
 * VolumeStalledIOCheck (per VolumeId/InstanceId), AWS/RDS CPUUtilization
 * SampleCount (per DBInstanceIdentifier: is the instance reporting at all),
 * AWS/Lambda Errors (per FunctionName + Resource alias). Other alarms are left alone.
 */
export interface AlarmTransition {
  at: Date;
  alarmName: string;
  from: string;
  to: StateValue;
  reason: string;
  eventId?: string;
}

type Datapoint = number | 'missing' | 'unmodelled';

function cloudWatchTimestamp(d: Date): string {
  // CloudWatch's own format in these events: 2019-10-02T17:04:40.989+0000
  return d.toISOString().replace('Z', '+0000');
}

export class CloudWatchStandIn {
  readonly transitions: AlarmTransition[] = [];

  constructor(
    private readonly c: Clients,
    private readonly impairments: Impairments,
  ) {}

  async describe(alarmName: string): Promise<MetricAlarm> {
    const out = await this.c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }));
    const alarm = out.MetricAlarms?.[0];
    if (!alarm) throw new Error(`alarm ${alarmName} does not exist in the emulator (was the stack recreated?)`);
    return alarm;
  }

  /** Re-evaluates the given alarms; returns the transitions it made (and emitted). */
  async evaluate(alarmNames: Iterable<string>): Promise<AlarmTransition[]> {
    const made: AlarmTransition[] = [];
    for (const name of alarmNames) {
      const alarm = await this.describe(name);
      const point = await this.datapoint(alarm);
      if (point === 'unmodelled') continue;
      let next: StateValue;
      let reason: string;
      if (point === 'missing') {
        const t = alarm.TreatMissingData ?? 'missing';
        if (t === 'ignore') continue;
        next = t === 'breaching' ? 'ALARM' : t === 'notBreaching' ? 'OK' : 'INSUFFICIENT_DATA';
        reason = `no datapoints (treatMissingData=${t})`;
      } else {
        const breaching = this.breaches(alarm, point);
        next = breaching ? 'ALARM' : 'OK';
        reason = `Threshold Crossed: ${alarm.EvaluationPeriods ?? 1} datapoints [${point}] ${breaching ? 'were' : 'were not'} ${alarm.ComparisonOperator} the threshold (${alarm.Threshold}) (drill: derived from the emulated fleet)`;
      }
      if (next === alarm.StateValue) continue;
      made.push(await this.transition(alarm, next, reason));
    }
    return made;
  }

  /** Emits the same state-change event again (EventBridge/CloudWatch at-least-once delivery). */
  async reemit(alarmName: string): Promise<void> {
    const t = [...this.transitions].reverse().find((x) => x.alarmName === alarmName);
    if (!t?.eventId) throw new Error(`no emitted transition of ${alarmName} to repeat`);
    const alarm = await this.describe(alarmName);
    await this.put(this.event(alarm, t.from, t.eventId));
  }

  private async transition(alarm: MetricAlarm, next: StateValue, reason: string): Promise<AlarmTransition> {
    const from = alarm.StateValue ?? 'INSUFFICIENT_DATA';
    await this.c.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm.AlarmName, StateValue: next, StateReason: reason.slice(0, 1023) }));
    const updated = await this.describe(alarm.AlarmName!);
    const t: AlarmTransition = { at: new Date(), alarmName: alarm.AlarmName!, from, to: next, reason };
    const event = this.event(updated, from, undefined, alarm);
    t.eventId = await this.put(event);
    this.transitions.push(t);
    return t;
  }

  private event(alarm: MetricAlarm, previous: string, id?: string, before?: MetricAlarm): Omit<AlarmStateChangeEvent, 'id' | 'time' | 'account' | 'version'> & { id?: string } {
    const metrics = alarm.Metrics?.length
      ? alarm.Metrics.map((m) => ({
          id: m.Id,
          ...(m.Expression ? { expression: m.Expression, label: m.Label } : {}),
          ...(m.MetricStat
            ? {
                metricStat: {
                  metric: {
                    namespace: m.MetricStat.Metric!.Namespace!,
                    name: m.MetricStat.Metric!.MetricName!,
                    dimensions: Object.fromEntries((m.MetricStat.Metric!.Dimensions ?? []).map((d) => [d.Name!, d.Value!])),
                  },
                  period: m.MetricStat.Period,
                  stat: m.MetricStat.Stat,
                },
              }
            : {}),
          returnData: m.ReturnData ?? false,
        }))
      : [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: alarm.Namespace!,
                name: alarm.MetricName!,
                dimensions: Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name!, d.Value!])),
              },
              period: alarm.Period,
              stat: alarm.Statistic ?? alarm.ExtendedStatistic,
            },
            returnData: true,
          },
        ];
    return {
      id,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      region: 'us-east-1',
      resources: [alarm.AlarmArn!],
      detail: {
        alarmName: alarm.AlarmName!,
        state: {
          value: alarm.StateValue as 'ALARM',
          reason: alarm.StateReason,
          timestamp: cloudWatchTimestamp(alarm.StateUpdatedTimestamp ?? new Date()),
        },
        previousState: {
          value: previous as 'OK',
          reason: before?.StateReason ?? 'Unchecked: Initial alarm creation',
          timestamp: cloudWatchTimestamp(before?.StateUpdatedTimestamp ?? alarm.AlarmConfigurationUpdatedTimestamp ?? new Date()),
        },
        configuration: { description: alarm.AlarmDescription, metrics: metrics as AlarmStateChangeEvent['detail']['configuration']['metrics'] },
      },
    };
  }

  private async put(event: ReturnType<CloudWatchStandIn['event']>): Promise<string> {
    // moto accepts source aws.cloudwatch from PutEvents (AWS reserves it for itself).
    const out = await this.c.events.send(
      new PutEventsCommand({
        Entries: [{ Source: event.source, DetailType: event['detail-type'], Resources: event.resources, Detail: JSON.stringify(event.detail), Time: new Date() }],
      }),
    );
    const entry = out.Entries?.[0];
    if (!entry?.EventId) throw new Error(`PutEvents rejected the alarm event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
    return entry.EventId;
  }

  private breaches(alarm: MetricAlarm, v: number): boolean {
    const t = alarm.Threshold ?? 0;
    switch (alarm.ComparisonOperator) {
      case 'GreaterThanOrEqualToThreshold':
        return v >= t;
      case 'GreaterThanThreshold':
        return v > t;
      case 'LessThanThreshold':
        return v < t;
      case 'LessThanOrEqualToThreshold':
        return v <= t;
      default:
        return false;
    }
  }

  /** The metric's current value for this alarm, from the fleet in moto and the impairments. */
  private async datapoint(alarm: MetricAlarm): Promise<Datapoint> {
    const dims = Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name!, d.Value!]));
    const metric = `${alarm.Namespace}/${alarm.MetricName}`;
    switch (metric) {
      case 'AWS/EC2/StatusCheckFailed_System':
      case 'AWS/EC2/StatusCheckFailed_Instance':
      case 'AWS/EC2/StatusCheckFailed': {
        const kinds =
          alarm.MetricName === 'StatusCheckFailed_System'
            ? (['instance-system'] as const)
            : alarm.MetricName === 'StatusCheckFailed_Instance'
              ? (['instance-status'] as const)
              : (['instance-system', 'instance-status'] as const);
        let ids: string[];
        if (dims.InstanceId) ids = [dims.InstanceId];
        else if (dims.AutoScalingGroupName) {
          const g = await this.c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [dims.AutoScalingGroupName] }));
          ids = (g.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId!);
        } else return 'unmodelled';
        if (ids.length === 0) return 'missing';
        const out = await this.c.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
        const running = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name === 'running');
        // Status checks are only reported for running instances (Maximum over the group's members).
        if (running.length === 0) return 'missing';
        return running.some((i) => kinds.some((k) => this.impairments.active(i.InstanceId!, k).length > 0)) ? 1 : 0;
      }
      case 'AWS/EBS/VolumeStalledIOCheck': {
        if (!dims.VolumeId) return 'unmodelled';
        const out = await this.c.ec2.send(new DescribeVolumesCommand({ VolumeIds: [dims.VolumeId] }));
        const attachment = out.Volumes?.[0]?.Attachments?.find((a) => !dims.InstanceId || a.InstanceId === dims.InstanceId);
        // Reported while the volume is attached to a running instance.
        if (!attachment || attachment.State !== 'attached') return 'missing';
        const inst = await this.c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [attachment.InstanceId!] }));
        if (inst.Reservations?.[0]?.Instances?.[0]?.State?.Name !== 'running') return 'missing';
        return this.impairments.active(dims.VolumeId, 'volume-io').length > 0 ? 1 : 0;
      }
      case 'AWS/RDS/CPUUtilization': {
        // Only "is it reporting" (rds-unresponsive); CPU levels are not modelled.
        if (alarm.Statistic !== 'SampleCount' || !dims.DBInstanceIdentifier) return 'unmodelled';
        const db = await this.c.rds
          .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: dims.DBInstanceIdentifier }))
          .then((o) => o.DBInstances?.[0])
          .catch(() => undefined);
        if (!db || db.DBInstanceStatus !== 'available') return 'missing';
        // The fault belongs to one physical instance: whichever instance holds the identifier now.
        const key = `${dims.DBInstanceIdentifier}@${db.InstanceCreateTime?.toISOString()}`;
        return this.impairments.active(key, 'db-unresponsive').length > 0 ? 'missing' : 1;
      }
      case 'AWS/Lambda/Errors': {
        const fn = dims.FunctionName;
        const alias = dims.Resource?.startsWith(`${fn}:`) ? dims.Resource.slice(fn.length + 1) : undefined;
        if (!fn || !alias) return 'unmodelled';
        const a = await this.c.lambda.send(new GetAliasCommand({ FunctionName: fn, Name: alias })).catch(() => undefined);
        if (!a?.FunctionVersion) return 'missing';
        // Errors come from the version(s) the alias routes to.
        const versions = [a.FunctionVersion, ...Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {})];
        return versions.some((v) => this.impairments.active(`${fn}:${v}`, 'lambda-errors').length > 0) ? 10 : 0;
      }
      default:
        return 'unmodelled';
    }
  }
}
