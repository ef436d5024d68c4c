import type { PolicyResource, StackValidationPolicy } from '@pulumi/policy';
import { refersTo } from './lib/references';
import { tagsOf } from './lib/tags';
import { ifKnown } from './lib/unknown';

/** What recovery-stack can protect, by Pulumi type token. */
export const PROTECTABLE_TYPES: Record<string, string> = {
  'aws:ec2/instance:Instance': 'EC2 instance',
  'aws:autoscaling/group:Group': 'Auto Scaling group',
  'aws:ebs/volume:Volume': 'EBS volume',
  'aws:rds/instance:Instance': 'RDS instance',
};

export interface CoverageConfig {
  /** Tag key that opts a resource into recovery-stack (`recovery: on`, as in the stack config's tag selectors). */
  tagKey: string;
  /** Tag values that mean "deliberately not protected" (e.g. a bastion host). */
  offValues: string[];
  /** Whether a deliberate opt-out (`recovery: off`) passes; false makes every such resource a violation. */
  allowOptOut: boolean;
  /** Alarm-name prefix of recovery-stack alarms (`recovery-<stage>-<playbook>-<resource>`). */
  alarmNamePrefix: string;
}

export const COVERAGE_DEFAULTS: CoverageConfig = {
  tagKey: 'recovery',
  offValues: ['off', 'false', 'no', 'disabled'],
  allowOptOut: true,
  alarmNamePrefix: 'recovery-',
};

/** The alarm properties that can name the watched resource. */
const ALARM_REFERENCE_PROPS = ['dimensions', 'metricQueries'];

/** 'on': opted in; 'off': deliberately excluded; undefined: nobody decided. */
function recoveryTag(r: PolicyResource, cfg: CoverageConfig): 'on' | 'off' | undefined {
  const value = tagsOf(r.props)[cfg.tagKey];
  if (value === undefined) return undefined;
  return cfg.offValues.includes(value.trim().toLowerCase()) ? 'off' : 'on';
}

function isRecoveryAlarm(r: PolicyResource, cfg: CoverageConfig): boolean {
  if (r.type !== 'aws:cloudwatch/metricAlarm:MetricAlarm') return false;
  const name = ifKnown(() => r.props.name);
  return typeof name === 'string' && name.startsWith(cfg.alarmNamePrefix);
}

export const recoveryCoverage: StackValidationPolicy = {
  name: 'recovery-coverage',
  description:
    'Every EC2 instance, Auto Scaling group, EBS volume and RDS instance is protected by recovery-stack: a recovery tag or a recovery alarm that watches it.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      tagKey: { type: 'string', minLength: 1, default: COVERAGE_DEFAULTS.tagKey },
      offValues: { type: 'array', items: { type: 'string' }, default: COVERAGE_DEFAULTS.offValues },
      allowOptOut: { type: 'boolean', default: COVERAGE_DEFAULTS.allowOptOut },
      alarmNamePrefix: { type: 'string', minLength: 1, default: COVERAGE_DEFAULTS.alarmNamePrefix },
    },
  },
  validateStack: (args, reportViolation) => {
    const cfg: CoverageConfig = { ...COVERAGE_DEFAULTS, ...args.getConfig<Partial<CoverageConfig>>() };
    const targets = args.resources.filter((r) => PROTECTABLE_TYPES[r.type] !== undefined);
    if (targets.length === 0) {
      args.notApplicable('the stack has no EC2 instances, Auto Scaling groups, EBS volumes or RDS instances');
    }
    const alarms = args.resources.filter((r) => isRecoveryAlarm(r, cfg));
    for (const target of targets) {
      const tag = recoveryTag(target, cfg);
      if (tag === 'on') continue;
      if (alarms.some((alarm) => refersTo(alarm, target, ALARM_REFERENCE_PROPS))) continue;
      if (tag === 'off') {
        if (cfg.allowOptOut) continue;
        reportViolation(
          `${PROTECTABLE_TYPES[target.type]} '${target.name}' is tagged \`${cfg.tagKey}: ${tagsOf(target.props)[cfg.tagKey]}\`, ` +
            `but opting out is not allowed in this environment (allowOptOut: false). Fix: tag it \`${cfg.tagKey}: on\` and list it in recovery-stack:targets.`,
          target.urn,
        );
        continue;
      }
      reportViolation(
        `${PROTECTABLE_TYPES[target.type]} '${target.name}' is not protected by recovery-stack. ` +
          `Fix: tag it \`${cfg.tagKey}: on\` and list it in recovery-stack:targets (e.g. { kind: instance, tags: { ${cfg.tagKey}: "on" } }), ` +
          `or create a recovery alarm named '${cfg.alarmNamePrefix}<stage>-<playbook>-<resource>' whose dimensions reference it. ` +
          `To leave it unprotected on purpose, tag it \`${cfg.tagKey}: off\`.`,
        target.urn,
      );
    }
  },
};

export const coveragePolicies: StackValidationPolicy[] = [recoveryCoverage];
