import type { Detector } from './detector';

/**
 * AWS/RDS CPUUtilization high: queries or load. Notify-only on purpose: a
 * reboot drops every connection and only hides the query that will come back;
 * a restore loses writes and fixes nothing about load.
 */
export const rdsCpu: Detector = {
  name: 'rds-cpu',
  resourceKind: 'rds-instance',
  detects: 'RDS CPU utilization at or above 90% for 15 minutes',
  defaultLadder: [],
  ladderOverridable: false,
  runbookSection: 'runbook-rds-cpu',
  alarm: (r) => ({
    metric: { namespace: 'AWS/RDS', metricName: 'CPUUtilization', statistic: 'Average', period: 300, dimensions: { DBInstanceIdentifier: r.id } },
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 90,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'missing',
  }),
};
