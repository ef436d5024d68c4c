import type { Detector } from './detector';

/**
 * Fewer instances InService than the group wants, for 10 minutes (metric math
 * on the group metrics: the group must have metrics collection enabled).
 * The group replaces instances itself; when it cannot (capacity, AMI,
 * launch template), people must look, so notify only.
 */
export const asgInService: Detector = {
  name: 'asg-in-service',
  resourceKind: 'autoscaling-group',
  detects: 'the Auto Scaling group has fewer InService instances than its desired capacity for 10 minutes (needs group metrics collection enabled)',
  defaultLadder: [],
  ladderOverridable: false,
  runbookSection: 'runbook-asg-in-service',
  alarm: (r) => ({
    metricQueries: [
      {
        id: 'inservice',
        metric: { namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', stat: 'Minimum', period: 60, dimensions: { AutoScalingGroupName: r.id } },
        returnData: false,
      },
      {
        id: 'desired',
        metric: { namespace: 'AWS/AutoScaling', metricName: 'GroupDesiredCapacity', stat: 'Maximum', period: 60, dimensions: { AutoScalingGroupName: r.id } },
        returnData: false,
      },
      { id: 'shortfall', expression: 'IF(inservice < desired, 1, 0)', label: 'InService below desired', returnData: true },
    ],
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 10,
    datapointsToAlarm: 10,
    // No group metrics means collection is off: stay INSUFFICIENT_DATA so it shows on the dashboard.
    treatMissingData: 'missing',
  }),
};
