import type { RungName } from '../../functions/contracts/rungs';

/**
 * A detector: one CloudWatch alarm shape for one kind of protected resource.
 * Its name is also the default playbook name (alarm names are
 * `recovery-<stage>-<playbook>-<resource>`), so detector names must never be
 * a `-`-prefix of each other (checked in catalog.ts).
 */
export type ResourceKind = 'instance' | 'autoscaling-group' | 'volume' | 'rds-instance' | 'lambda-alias' | 'ecs-service';

/** A concrete thing an alarm watches, after tag selectors are resolved. */
export interface ProtectedResource {
  kind: ResourceKind;
  /** Instance id, ASG name, volume id, DB identifier, `function:alias`. */
  id: string;
  /** Blast-radius group (config `group`, ASG name, or `standalone`). */
  group: string;
  /** Index of the config target it came from (ladder overrides, error messages). */
  targetIndex: number;
  /** Extra dimensions some detectors need (e.g. the instance a volume is attached to). */
  attributes: Record<string, string>;
}

/** The metric part of an alarm, in @pulumi/aws MetricAlarm argument names. */
export interface AlarmShape {
  comparisonOperator:
    | 'GreaterThanOrEqualToThreshold'
    | 'GreaterThanThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: 'missing' | 'ignore' | 'breaching' | 'notBreaching';
  /** Single-metric alarms. */
  metric?: { namespace: string; metricName: string; statistic: string; period: number; dimensions: Record<string, string> };
  /** Metric-math alarms (MetricQueries). */
  metricQueries?: {
    id: string;
    expression?: string;
    label?: string;
    returnData?: boolean;
    metric?: { namespace: string; metricName: string; stat: string; period: number; dimensions: Record<string, string> };
  }[];
}

export interface Detector {
  name: string;
  resourceKind: ResourceKind;
  /** One line for people: what this alarm means. */
  detects: string;
  /** Rungs when the target does not override its ladder; [] = notify-only. */
  defaultLadder: RungName[];
  /** Whether a target's `ladder` override applies (recovery detectors on the target's own resource). */
  ladderOverridable: boolean;
  /** README section with what to check by hand. */
  runbookSection: string;
  alarm(resource: ProtectedResource): AlarmShape;
}
