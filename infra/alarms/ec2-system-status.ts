import type { Detector } from './detector';

/** AWS/EC2 StatusCheckFailed_System: the host under the instance is impaired (hardware, power, network). */
export const ec2SystemStatus: Detector = {
  name: 'ec2-system-status',
  resourceKind: 'instance',
  detects: 'the EC2 system status check failed (AWS hardware, power or network under the instance)',
  defaultLadder: ['reboot', 'replace-instance'],
  ladderOverridable: true,
  runbookSection: 'runbook-ec2-system-status',
  alarm: (r) => ({
    metric: { namespace: 'AWS/EC2', metricName: 'StatusCheckFailed_System', statistic: 'Maximum', period: 60, dimensions: { InstanceId: r.id } },
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    // A stopped instance reports nothing: that is not a hardware fault.
    treatMissingData: 'notBreaching',
  }),
};
