import type { Detector } from './detector';

/**
 * The RDS instance stopped publishing metrics: RDS emits CPUUtilization every
 * minute while the instance runs, so five silent minutes mean the instance is
 * down, hung, or in a failed state (failed, incompatible-restore,
 * inaccessible-encryption-credentials). Missing data is breaching here.
 *
 * Ladder: reboot-db first (a hung engine or a bad host: Multi-AZ fails over),
 * then restore-db (a point-in-time restore when the instance cannot come back;
 * reboot-db skips itself when RDS cannot reboot it, so the ladder moves on).
 * restore-db is destructive: with requireApprovalForDestructive (prod) it is
 * handed to a human with its plan.
 */
export const rdsUnresponsive: Detector = {
  name: 'rds-unresponsive',
  resourceKind: 'rds-instance',
  detects: 'the RDS instance published no CPUUtilization datapoint for 5 minutes (down, hung or failed)',
  defaultLadder: ['reboot-db', 'restore-db'],
  ladderOverridable: true,
  runbookSection: 'runbook-rds-unresponsive',
  alarm: (r) => ({
    metric: { namespace: 'AWS/RDS', metricName: 'CPUUtilization', statistic: 'SampleCount', period: 60, dimensions: { DBInstanceIdentifier: r.id } },
    comparisonOperator: 'LessThanThreshold',
    threshold: 1,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: 'breaching',
  }),
};
