import type { Detector } from './detector';

/**
 * AWS/EBS VolumeStalledIOCheck (Nitro instances): the volume stopped
 * completing I/O. Reported per VolumeId and InstanceId.
 */
export const ebsStalledIo: Detector = {
  name: 'ebs-stalled-io',
  resourceKind: 'volume',
  detects: 'the EBS volume stopped completing I/O (VolumeStalledIOCheck) for 5 minutes',
  defaultLadder: ['restore-volume'],
  ladderOverridable: false,
  runbookSection: 'runbook-ebs-stalled-io',
  alarm: (r) => ({
    metric: {
      namespace: 'AWS/EBS',
      metricName: 'VolumeStalledIOCheck',
      statistic: 'Maximum',
      period: 60,
      dimensions: { VolumeId: r.id, InstanceId: r.attributes.instanceId },
    },
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    // Only Nitro instances publish it; silence is not a stall.
    treatMissingData: 'notBreaching',
  }),
};
