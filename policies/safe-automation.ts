import * as aws from '@pulumi/aws';
import {
  validateResourceOfType,
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from '@pulumi/policy';
import { refersTo } from './lib/references';
import { tagsOf } from './lib/tags';
import { isSet } from './lib/unknown';

const FUNCTION = 'aws:lambda/function:Function';
const EVENT_INVOKE_CONFIG = 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig';

/**
 * Which Lambda functions are remediation functions. Decision: a function is
 * one when it carries the tag `recovery:remediation` (any value but
 * "false"/"off"), or when the environment's config says every function in the
 * stack is (`allFunctions: true`, which this project's own config files set:
 * all its functions are recovery automation). Tags travel with the function,
 * so the same rule works in any user's stack without naming conventions.
 */
export interface RemediationSelector {
  remediationTagKey: string;
  allFunctions: boolean;
}

export const REMEDIATION_SELECTOR_DEFAULTS: RemediationSelector = {
  remediationTagKey: 'recovery:remediation',
  allFunctions: false,
};

const SELECTOR_SCHEMA = {
  remediationTagKey: { type: 'string' as const, minLength: 1, default: REMEDIATION_SELECTOR_DEFAULTS.remediationTagKey },
  allFunctions: { type: 'boolean' as const, default: REMEDIATION_SELECTOR_DEFAULTS.allFunctions },
};

export function isRemediationFunction(props: Record<string, any>, selector: RemediationSelector): boolean {
  if (selector.allFunctions) return true;
  const value = tagsOf(props)[selector.remediationTagKey];
  return value !== undefined && !['false', 'off', 'no'].includes(value.trim().toLowerCase());
}

/** Lambda runtimes AWS still supports for create and update (checked 2026-11; override with `supportedRuntimes`). */
export const SUPPORTED_RUNTIMES = [
  'nodejs22.x',
  'nodejs24.x',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'java17',
  'java21',
  'java25',
  'dotnet8',
  'dotnet10',
  'ruby3.3',
  'ruby3.4',
  'provided.al2023',
  'provided.al2',
];

interface FunctionLimitsConfig extends RemediationSelector {
  maxTimeoutSeconds: number;
}

function selectorFrom(args: { getConfig<T extends object>(): T }): RemediationSelector {
  return { ...REMEDIATION_SELECTOR_DEFAULTS, ...args.getConfig<Partial<RemediationSelector>>() };
}

function requireRemediationFunction(props: Record<string, any>, args: ResourceValidationArgs, selector: RemediationSelector): void {
  if (!isRemediationFunction(props, selector)) {
    args.notApplicable(`not a remediation function (no \`${selector.remediationTagKey}\` tag and allFunctions is false)`);
  }
}

export const remediationFunctionLimits: ResourceValidationPolicy = {
  name: 'remediation-function-limits',
  description:
    'Remediation functions set an explicit timeout and reserved concurrency, so a fault storm cannot run them unbounded or starve the account.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: { ...SELECTOR_SCHEMA, maxTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 900, default: 900 } },
  },
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, args, reportViolation) => {
    const cfg: FunctionLimitsConfig = { ...REMEDIATION_SELECTOR_DEFAULTS, maxTimeoutSeconds: 900, ...args.getConfig<Partial<FunctionLimitsConfig>>() };
    requireRemediationFunction(fn, args, cfg);
    if (fn.timeout === undefined) {
      reportViolation('No explicit timeout (Lambda defaults to 3 seconds). Fix: set `timeout` to the longest the remediation may take, in seconds.');
    } else if (fn.timeout > cfg.maxTimeoutSeconds) {
      reportViolation(`timeout ${fn.timeout}s exceeds the ${cfg.maxTimeoutSeconds}s allowed here. Fix: lower \`timeout\`.`);
    }
    const reserved = fn.reservedConcurrentExecutions;
    if (reserved === undefined || reserved < 0) {
      reportViolation('No reserved concurrency. Fix: set `reservedConcurrentExecutions` to a small positive number (the most remediations that may run at once).');
    } else if (reserved === 0) {
      reportViolation('reservedConcurrentExecutions is 0, which stops the function from running at all. Fix: set it to a small positive number.');
    }
  }),
};

export const remediationFunctionRuntime: ResourceValidationPolicy = {
  name: 'remediation-function-runtime',
  description: 'Remediation functions run on a Lambda runtime AWS still supports (no deprecated runtimes).',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: { ...SELECTOR_SCHEMA, supportedRuntimes: { type: 'array', items: { type: 'string' }, default: SUPPORTED_RUNTIMES } },
  },
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, args, reportViolation) => {
    const cfg = { supportedRuntimes: SUPPORTED_RUNTIMES, ...selectorFrom(args), ...args.getConfig<{ supportedRuntimes?: string[] }>() };
    requireRemediationFunction(fn, args, cfg);
    if (fn.packageType === 'Image') args.notApplicable('container image functions bring their own runtime');
    if (!fn.runtime) {
      reportViolation(`No runtime set. Fix: set \`runtime\` to one of ${cfg.supportedRuntimes.join(', ')}.`);
    } else if (!cfg.supportedRuntimes.includes(String(fn.runtime))) {
      reportViolation(`Runtime '${fn.runtime}' is deprecated or not allowed. Fix: move to one of ${cfg.supportedRuntimes.join(', ')} (recovery-stack builds nodejs22.x).`);
    }
  }),
};

function hasOnFailureDestination(config: PolicyResource): boolean {
  return isSet(() => config.props.destinationConfig?.onFailure?.destination);
}

export const remediationFunctionFailureDestination: StackValidationPolicy = {
  name: 'remediation-function-failure-destination',
  description:
    'Remediation functions keep the events they fail on: a dead-letter queue or an on-failure destination (FunctionEventInvokeConfig), so no fault is silently dropped.',
  enforcementLevel: 'mandatory',
  configSchema: { properties: { ...SELECTOR_SCHEMA } },
  validateStack: (args, reportViolation) => {
    const selector = selectorFrom(args);
    const functions = args.resources.filter((r) => r.type === FUNCTION && isRemediationFunction(r.props, selector));
    if (functions.length === 0) args.notApplicable('the stack has no remediation functions');
    const invokeConfigs = args.resources.filter((r) => r.type === EVENT_INVOKE_CONFIG);
    for (const fn of functions) {
      if (isSet(() => fn.props.deadLetterConfig?.targetArn)) continue;
      const configs = invokeConfigs.filter((c) => refersTo(c, fn, ['functionName']));
      if (configs.some(hasOnFailureDestination)) continue;
      reportViolation(
        `Remediation function '${fn.name}' has no dead-letter queue and no on-failure destination` +
          (configs.length > 0 ? ' (its FunctionEventInvokeConfig has no destinationConfig.onFailure)' : '') +
          '. Fix: add an aws.lambda.FunctionEventInvokeConfig with `destinationConfig: { onFailure: { destination: <SQS/SNS/EventBridge ARN> } }`, ' +
          'or set `deadLetterConfig: { targetArn: <SQS or SNS ARN> }` on the function.',
        fn.urn,
      );
    }
  },
};

export const eventTargetDlqRetry: ResourceValidationPolicy = {
  name: 'eventbridge-target-dlq-retry',
  description: 'EventBridge targets have a retry policy and a dead-letter queue, so a failed delivery is retried and then kept.',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.cloudwatch.EventTarget, (target, _args, reportViolation) => {
    const missing: string[] = [];
    if (!isSet(() => target.deadLetterConfig?.arn)) missing.push('`deadLetterConfig: { arn: <SQS queue ARN> }`');
    const retry = target.retryPolicy;
    if (!retry || (retry.maximumRetryAttempts === undefined && retry.maximumEventAgeInSeconds === undefined)) {
      missing.push('`retryPolicy: { maximumRetryAttempts, maximumEventAgeInSeconds }`');
    }
    if (missing.length > 0) {
      reportViolation(`The target lacks a ${missing.length === 2 ? 'dead-letter queue and a retry policy' : missing[0].startsWith('`dead') ? 'dead-letter queue' : 'retry policy'}. Fix: set ${missing.join(' and ')}.`);
    }
  }),
};

const MISSING_DATA = ['missing', 'ignore', 'breaching', 'notBreaching'];

export const alarmMissingDataExplicit: ResourceValidationPolicy = {
  name: 'alarm-missing-data-explicit',
  description: 'CloudWatch alarms say how to treat missing data, so a stopped or silent resource is not mistaken for a healthy one (or vice versa).',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.cloudwatch.MetricAlarm, (alarm, _args, reportViolation) => {
    if (alarm.treatMissingData === undefined) {
      reportViolation(
        'treatMissingData is not set (AWS defaults to "missing"). Fix: set `treatMissingData` explicitly: "breaching" for heartbeat/status-check alarms, "notBreaching" for error counts, "missing" or "ignore" when that is really meant.',
      );
    } else if (!MISSING_DATA.includes(String(alarm.treatMissingData))) {
      reportViolation(`treatMissingData '${alarm.treatMissingData}' is not one of ${MISSING_DATA.join(', ')}. Fix: use one of those.`);
    }
  }),
};

export const safeAutomationPolicies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  remediationFunctionLimits,
  remediationFunctionRuntime,
  remediationFunctionFailureDestination,
  eventTargetDlqRetry,
  alarmMissingDataExplicit,
];
