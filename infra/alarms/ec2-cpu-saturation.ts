import type { Detector } from './detector';

/** AWS/EC2 CPUUtilization pinned: usually load or a runaway process; a restart is not a fix, so notify only. */
export const ec2CpuSaturation: Detector = {
  name: 'ec2-cpu-saturation',
  resourceKind: 'instance',
  detects: 'EC2 CPU utilization at or above 95% for 15 minutes',
  defaultLadder: [],
  ladderOverridable: false,
  runbookSection: 'runbook-ec2-cpu-saturation',
  alarm: (r) => ({
    metric: { namespace: 'AWS/EC2', metricName: 'CPUUtilization', statistic: 'Average', period: 300, dimensions: { InstanceId: r.id } },
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 95,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'notBreaching',
  }),
};
