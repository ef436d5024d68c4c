import type { Detector } from './detector';

/**
 * AWS/Lambda Errors for one alias: Lambda publishes alias metrics with the
 * dimensions FunctionName and Resource = `<function>:<alias>`. Errors on an
 * alias right after a deploy are the deploy's: lambda-rollback points the
 * alias back at the previous version (and skips, saying why, when there is
 * none or the version is older than maxDeployAgeMinutes).
 */
export const lambdaAliasErrors: Detector = {
  name: 'lambda-alias-errors',
  resourceKind: 'lambda-alias',
  detects: 'the Lambda alias returned 5 or more errors a minute in 2 of the last 3 minutes',
  defaultLadder: ['lambda-rollback'],
  ladderOverridable: false,
  runbookSection: 'runbook-lambda-alias-errors',
  alarm: (r) => ({
    metric: {
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      statistic: 'Sum',
      period: 60,
      dimensions: { FunctionName: r.attributes.functionName, Resource: r.id },
    },
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 5,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    // No invocations means no errors.
    treatMissingData: 'notBreaching',
  }),
};
