import type { Detector } from './detector';

/**
 * AWS/RDS FreeStorageSpace low: writes fail when it reaches zero. Notify-only
 * on purpose: a reboot frees nothing and a point-in-time restore gets the same
 * allocated storage (and loses recent writes); the fix is more storage
 * (AllocatedStorage / MaxAllocatedStorage) or less data, a human decision.
 */
export const FREE_STORAGE_THRESHOLD_BYTES = 5 * 1024 ** 3;

export const rdsFreeStorage: Detector = {
  name: 'rds-free-storage',
  resourceKind: 'rds-instance',
  detects: 'the RDS instance has less than 5 GiB of free storage',
  defaultLadder: [],
  ladderOverridable: false,
  runbookSection: 'runbook-rds-free-storage',
  alarm: (r) => ({
    metric: { namespace: 'AWS/RDS', metricName: 'FreeStorageSpace', statistic: 'Minimum', period: 300, dimensions: { DBInstanceIdentifier: r.id } },
    comparisonOperator: 'LessThanThreshold',
    threshold: FREE_STORAGE_THRESHOLD_BYTES,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    // An instance that stops reporting is a problem in itself: keep INSUFFICIENT_DATA visible.
    treatMissingData: 'missing',
  }),
};
