import type { Detector } from './detector';

/** AWS/EC2 StatusCheckFailed_Instance: the guest OS is unreachable (kernel panic, exhausted memory, bad network config). */
export const ec2InstanceStatus: Detector = {
  name: 'ec2-instance-status',
  resourceKind: 'instance',
  detects: 'the EC2 instance status check failed (guest OS unreachable: hung kernel, memory exhaustion, broken network config)',
  defaultLadder: ['reboot', 'replace-instance'],
  ladderOverridable: true,
  runbookSection: 'runbook-ec2-instance-status',
  alarm: (r) => ({
    metric: { namespace: 'AWS/EC2', metricName: 'StatusCheckFailed_Instance', statistic: 'Maximum', period: 60, dimensions: { InstanceId: r.id } },
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    // Three minutes: a slow boot after a deliberate restart should not trigger a reboot loop.
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'notBreaching',
  }),
};
