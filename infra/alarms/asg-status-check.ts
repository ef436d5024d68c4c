import type { Detector } from './detector';

/** AWS/EC2 StatusCheckFailed aggregated by AutoScalingGroupName: some member is impaired. */
export const asgStatusCheck: Detector = {
  name: 'asg-status-check',
  resourceKind: 'autoscaling-group',
  detects: 'an instance in the Auto Scaling group failed its EC2 status checks (system or instance) for 3 minutes',
  defaultLadder: ['replace-instance'],
  ladderOverridable: true,
  runbookSection: 'runbook-asg-status-check',
  alarm: (r) => ({
    metric: { namespace: 'AWS/EC2', metricName: 'StatusCheckFailed', statistic: 'Maximum', period: 60, dimensions: { AutoScalingGroupName: r.id } },
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'notBreaching',
  }),
};
