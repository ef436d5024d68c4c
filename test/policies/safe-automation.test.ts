import {
  alarmMissingDataExplicit,
  eventTargetDlqRetry,
  remediationFunctionFailureDestination,
  remediationFunctionLimits,
  remediationFunctionRuntime,
} from '../../policies/safe-automation';
import { check, resource, T, urnOf, violators, type Fixture } from './fixtures';

const REMEDIATION = { 'recovery:remediation': 'true' };
const fn = (name: string, inputs: Record<string, unknown> = {}) =>
  resource(T.fn, name, {
    name,
    role: 'arn:aws:iam::1:role/r',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    timeout: 120,
    reservedConcurrentExecutions: 2,
    tags: REMEDIATION,
    ...inputs,
  });
const ALL = { allFunctions: true };

const cases: Array<{ policy: { name: string }; fixtures: Fixture[] }> = [
  {
    policy: remediationFunctionLimits,
    fixtures: [
      { title: 'passes: timeout and reserved concurrency set', resources: [fn('restart')], violators: [] },
      { title: 'passes: untagged function is not a remediation function by default', resources: [fn('api', { tags: {}, timeout: undefined })], violators: [] },
      { title: 'fails: no timeout', resources: [fn('restart', { timeout: undefined })], violators: ['restart'], says: 'set `timeout`' },
      { title: 'fails: no reserved concurrency', resources: [fn('restart', { reservedConcurrentExecutions: undefined })], violators: ['restart'], says: 'reservedConcurrentExecutions' },
      { title: 'fails: reserved concurrency 0 stops the function', resources: [fn('restart', { reservedConcurrentExecutions: 0 })], violators: ['restart'], says: 'stops the function' },
      {
        title: 'fails: untagged function when allFunctions is configured',
        resources: [fn('api', { tags: {}, reservedConcurrentExecutions: -1 })],
        violators: ['api'],
        config: { 'remediation-function-limits': { properties: ALL } },
      },
    ],
  },
  {
    policy: remediationFunctionRuntime,
    fixtures: [
      { title: 'passes: nodejs22.x', resources: [fn('restart')], violators: [] },
      { title: 'passes: container image function', resources: [fn('restart', { runtime: undefined, packageType: 'Image' })], violators: [] },
      { title: 'fails: deprecated nodejs16.x', resources: [fn('restart', { runtime: 'nodejs16.x' })], violators: ['restart'], says: "'nodejs16.x' is deprecated" },
      { title: 'fails: no runtime on a zip function', resources: [fn('restart', { runtime: undefined })], violators: ['restart'] },
      {
        title: 'fails: runtime outside a narrowed supportedRuntimes list',
        resources: [fn('restart', { runtime: 'python3.12' })],
        violators: ['restart'],
        config: { 'remediation-function-runtime': { properties: { supportedRuntimes: ['nodejs22.x'] } } },
      },
    ],
  },
  {
    policy: remediationFunctionFailureDestination,
    fixtures: [
      { title: 'passes: dead-letter queue on the function', resources: [fn('restart', { deadLetterConfig: { targetArn: 'arn:aws:sqs:us-east-1:1:dlq' } })], violators: [] },
      {
        title: 'passes: on-failure destination via FunctionEventInvokeConfig (by function name)',
        resources: [fn('restart'), resource(T.invokeConfig, 'restart-async', { functionName: 'restart', destinationConfig: { onFailure: { destination: 'arn:aws:sqs:us-east-1:1:failed' } } })],
        violators: [],
      },
      {
        title: 'passes: on-failure destination via FunctionEventInvokeConfig (by dependency, ARN form)',
        resources: [
          fn('restart'),
          resource(T.invokeConfig, 'cfg', { functionName: 'arn:aws:lambda:us-east-1:1:function:restart', destinationConfig: { onFailure: { destination: 'arn:aws:sns:us-east-1:1:t' } } }, {
            dependencies: [urnOf(T.fn, 'restart')],
          }),
        ],
        violators: [],
      },
      { title: 'fails: neither DLQ nor destination', resources: [fn('restart')], violators: ['restart'], says: 'FunctionEventInvokeConfig' },
      {
        title: 'fails: invoke config only for another function, or without onFailure',
        resources: [
          fn('restart'),
          fn('replace'),
          resource(T.invokeConfig, 'a', { functionName: 'replace', destinationConfig: { onSuccess: { destination: 'arn:aws:sqs:us-east-1:1:ok' } } }),
          resource(T.invokeConfig, 'b', { functionName: 'other', destinationConfig: { onFailure: { destination: 'arn:aws:sqs:us-east-1:1:f' } } }),
        ],
        violators: ['replace', 'restart'],
      },
    ],
  },
  {
    policy: eventTargetDlqRetry,
    fixtures: [
      {
        title: 'passes: DLQ and retry policy',
        resources: [resource(T.target, 't', { rule: 'r', arn: 'arn:aws:lambda:us-east-1:1:function:f', deadLetterConfig: { arn: 'arn:aws:sqs:us-east-1:1:dlq' }, retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeInSeconds: 3600 } })],
        violators: [],
      },
      { title: 'fails: neither', resources: [resource(T.target, 't', { rule: 'r', arn: 'x' })], violators: ['t'], says: 'dead-letter queue and a retry policy' },
      {
        title: 'fails: retry policy without DLQ',
        resources: [resource(T.target, 't', { rule: 'r', arn: 'x', retryPolicy: { maximumRetryAttempts: 2 } })],
        violators: ['t'],
        says: 'lacks a dead-letter queue',
      },
      {
        title: 'fails: DLQ with an empty retry policy',
        resources: [resource(T.target, 't', { rule: 'r', arn: 'x', deadLetterConfig: { arn: 'arn:aws:sqs:us-east-1:1:dlq' }, retryPolicy: {} })],
        violators: ['t'],
        says: 'lacks a retry policy',
      },
    ],
  },
  {
    policy: alarmMissingDataExplicit,
    fixtures: [
      { title: 'passes: breaching', resources: [resource(T.alarm, 'a', { comparisonOperator: 'GreaterThanThreshold', evaluationPeriods: 1, treatMissingData: 'breaching' })], violators: [] },
      { title: 'fails: not set', resources: [resource(T.alarm, 'a', { comparisonOperator: 'GreaterThanThreshold', evaluationPeriods: 1 })], violators: ['a'], says: 'set `treatMissingData` explicitly' },
      { title: 'fails: invalid value', resources: [resource(T.alarm, 'a', { comparisonOperator: 'GreaterThanThreshold', evaluationPeriods: 1, treatMissingData: 'zero' })], violators: ['a'] },
    ],
  },
];

describe.each(cases)('$policy.name', ({ policy, fixtures }) => {
  it.each(fixtures)('$title', async ({ resources, violators: expected, says, config }) => {
    // Prepare: fixture resources in the analyzer's shape
    // Act
    const result = await check(policy as Parameters<typeof check>[0], resources, config);
    // Assess
    expect(result.errors).toEqual([]);
    expect(violators(result)).toEqual(expected);
    if (says) expect(result.findings[0].message).toContain(says);
  });
});
