import { z } from 'zod';
import { Guardrails } from '../functions/contracts/guardrails';
import { RUNG_NAMES } from '../functions/contracts/rungs';
import { AnsiblePlaybook } from '../functions/contracts/ansible';
import { ladderFitProblems } from './ladder-fit';
import { DETECTOR_NAMES } from './alarms/catalog';
import { AlertmanagerSettings, KubernetesDeploymentTarget, kubernetesProblems } from './kubernetes/config';
import { logDetectorProblems } from './logs/scope';
import { AuditLogs, LogDetectors } from './logs/config';
import { NotificationsConfig, secretProblems } from './notifications/config';
import { EbsKmsKeys } from './iam/ebs-kms-keys';

/**
 * The stack's typed configuration (keys under `recovery-stack:` in
 * Pulumi.<stack>.yaml), validated once at program start. `loadConfig` is pure
 * so tests and `synth` can check a config without the Pulumi runtime; errors
 * name the exact key path and how to fix it.
 */
export const CONFIG_NAMESPACE = 'recovery-stack';

const Rung = z.enum(RUNG_NAMES as [string, ...string[]], {
  error: () => `must be one of: ${RUNG_NAMES.join(', ')}`,
});
const Ladder = z.array(Rung).max(5, { error: 'at most 5 rungs' });

/** Blast-radius group names end up in ledger keys and tags. */
const GroupName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'use 1-64 letters, digits, _ . -' });
const TagSelector = z
  .record(z.string().min(1).max(128), z.string().min(1).max(256))
  .refine((t) => Object.keys(t).length > 0, { error: 'give at least one tag, e.g. { recovery: "on" }' });

const TargetCommon = { ladder: Ladder.optional(), group: GroupName.optional() };

const InstanceTarget = z
  .object({
    kind: z.literal('instance'),
    id: z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'must be an EC2 instance id like i-0123456789abcdef0' }).optional(),
    tags: TagSelector.optional(),
    ...TargetCommon,
  })
  .strict()
  .refine((t) => (t.id === undefined) !== (t.tags === undefined), {
    error: 'an instance target needs exactly one of `id` or `tags`',
  });

const AsgTarget = z
  .object({
    kind: z.literal('autoscaling-group'),
    name: z.string().regex(/^[\w .:/@+=-]{1,255}$/, { error: 'must be an Auto Scaling group name' }).optional(),
    tags: TagSelector.optional(),
    ...TargetCommon,
  })
  .strict()
  .refine((t) => (t.name === undefined) !== (t.tags === undefined), {
    error: 'an autoscaling-group target needs exactly one of `name` or `tags`',
  });

const RdsTarget = z
  .object({
    kind: z.literal('rds-instance'),
    identifier: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, { error: 'must be an RDS DB instance identifier' }),
    ...TargetCommon,
  })
  .strict();

const LambdaAliasTarget = z
  .object({
    kind: z.literal('lambda-alias'),
    functionName: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'must be a Lambda function name' }),
    alias: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, { error: 'must be a Lambda alias name' }),
    ...TargetCommon,
  })
  .strict();

/**
 * An ECS service; its detector needs Container Insights on the cluster
 * (ECS/ContainerInsights RunningTaskCount and DesiredTaskCount).
 */
const EcsServiceTarget = z
  .object({
    kind: z.literal('ecs-service'),
    cluster: z.string().regex(/^[a-zA-Z0-9_-]{1,255}$/, { error: 'must be an ECS cluster name (not its ARN)' }),
    service: z.string().regex(/^[a-zA-Z0-9_-]{1,255}$/, { error: 'must be an ECS service name (not its ARN)' }),
    ...TargetCommon,
  })
  .strict();

export const Target = z.discriminatedUnion('kind', [InstanceTarget, AsgTarget, RdsTarget, LambdaAliasTarget, EcsServiceTarget, KubernetesDeploymentTarget], {
  error: 'kind must be one of: instance, autoscaling-group, rds-instance, lambda-alias, ecs-service, kubernetes-deployment',
});
export type Target = z.infer<typeof Target>;

export const StackConfig = z
  .object({
    mode: z.enum(['auto', 'dry-run', 'off'], { error: 'must be auto, dry-run or off' }).default('dry-run'),
    notifications: NotificationsConfig,
    guardrails: z._default(Guardrails, Guardrails.parse({})),
    targets: z.array(Target).min(1, { error: 'list at least one target to protect' }).max(200),
    playbooks: z
      .object({
        /** Seconds the verifier waits before re-reading the alarm. */
        verifyAfterSeconds: z.number().int().min(0).max(900).default(300),
        /** Detector names that get no alarms at all in this stack (e.g. CPU in dev). */
        disabledDetectors: z
          .array(z.enum(DETECTOR_NAMES as [string, ...string[]], { error: () => `must be a detector name: ${DETECTOR_NAMES.join(', ')}` }))
          .default([]),
      })
      .strict()
      .default({ verifyAfterSeconds: 300, disabledDetectors: [] }),
    dashboard: z
      .object({ enabled: z.boolean().default(true), name: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/).optional() })
      .strict()
      .default({ enabled: true }),
    /** SSM Change Calendar name; CLOSED stands the automation down. */
    changeCalendar: z.string().regex(/^[a-zA-Z0-9_.-]{3,128}$/, { error: 'must be an SSM Change Calendar document name' }).optional(),
    /** Alertmanager webhook (kubernetes-deployment targets; infra/kubernetes). */
    alertmanager: AlertmanagerSettings.optional(),
    lambda: z
      .object({
        logRetentionDays: z
          .number()
          .refine((n) => LOG_RETENTION_DAYS.includes(n), { error: `must be one of ${'1, 3, 5, 7, 14, 30, 60, 90, 180, 365, ...'} (CloudWatch Logs retention values)` })
          .default(30),
        logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
      })
      .strict()
      .default({ logRetentionDays: 30, logLevel: 'INFO' }),
    /** CloudWatch Logs metric filters + alarms routed like any other alarm (infra/logs). */
    logDetectors: LogDetectors,
    /** Ship the functions' logs (audit trail) to Firehose (infra/logs/audit-shipping.ts). */
    auditLogs: AuditLogs,
    /** Playbook source of the `ansible` rung (AWS-ApplyAnsiblePlaybooks through SSM Run Command). */
    ansible: z.optional(AnsiblePlaybook),
    /** Customer managed KMS keys of the protected EBS volumes and snapshots (infra/iam/ebs-kms-keys.ts). */
    ebsKmsKeys: EbsKmsKeys,
  })
  .strict();
export type StackConfig = z.infer<typeof StackConfig>;

/** Values CloudWatch Logs accepts for retentionInDays. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** A bad config: every problem with its key path (`recovery-stack:targets[2].id`) and what to do. */
export class ConfigError extends Error {
  constructor(readonly problems: { key: string; message: string }[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n') +
        `\nFix the keys above in Pulumi.<stack>.yaml (or \`pulumi config set\`); see README "Configuration reference".`,
    );
    this.name = 'ConfigError';
  }
}

/** `['targets', 2, 'id']` -> `recovery-stack:targets[2].id` */
export function keyPath(path: PropertyKey[]): string {
  let out = CONFIG_NAMESPACE;
  path.forEach((p, i) => {
    if (typeof p === 'number') out += `[${p}]`;
    else out += i === 0 ? `:${String(p)}` : `.${String(p)}`;
  });
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required: set it (expected ${issue.expected})`;
      return `expected ${issue.expected}, got ${typeof issue.input === 'object' ? (Array.isArray(issue.input) ? 'array' : 'object') : typeof issue.input}`;
    default:
      return issue.message;
  }
}

/**
 * Validates raw config (short keys without the `recovery-stack:` prefix, as
 * parsed from YAML) and applies defaults. Pure: no Pulumi runtime, no I/O.
 */
export function loadConfig(raw: Record<string, unknown>): StackConfig {
  const parsed = StackConfig.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({
              key: keyPath([...i.path, k]),
              message: `unknown key: remove it or fix the spelling${i.path.length === 0 ? ` (known keys: ${CONFIG_KEYS.join(', ')})` : ''}`,
            }))
          : [{ key: keyPath(i.path), message: describeIssue(i) }],
      ),
    );
  }
  const cfg = parsed.data;
  const problems: { key: string; message: string }[] = [];
  // Two targets naming the same resource would double every alarm.
  const seen = new Map<string, number>();
  cfg.targets.forEach((t, i) => {
    const key = targetKey(t);
    const first = seen.get(key);
    if (first !== undefined) problems.push({ key: keyPath(['targets', i]), message: `duplicates targets[${first}] (${key}): remove one` });
    else seen.set(key, i);
  });
  // The ansible rung runs the configured playbook: a ladder that uses it without one would only ever skip.
  if (!cfg.ansible) {
    cfg.targets.forEach((t, i) => {
      const j = (t.ladder ?? []).indexOf('ansible');
      if (j >= 0) problems.push({ key: keyPath(['targets', i, 'ladder', j]), message: 'the ansible rung needs recovery-stack:ansible (playbook source: GitHub or S3, playbookFile): set it or remove the rung' });
    });
  }
  problems.push(...logDetectorProblems(cfg));
  problems.push(...kubernetesProblems(cfg).map((p) => ({ key: keyPath(p.path), message: p.message })));
  problems.push(...ladderFitProblems(cfg).map((p) => ({ key: keyPath(p.path), message: p.message })));
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}

/** A stable identity of a target, used for duplicate detection and logical names. */
export function targetKey(t: Target): string {
  switch (t.kind) {
    case 'instance':
      return t.id ? `instance:${t.id}` : `instance:tags:${canonicalTags(t.tags!)}`;
    case 'autoscaling-group':
      return t.name ? `asg:${t.name}` : `asg:tags:${canonicalTags(t.tags!)}`;
    case 'rds-instance':
      return `rds:${t.identifier}`;
    case 'lambda-alias':
      return `lambda:${t.functionName}:${t.alias}`;
    case 'kubernetes-deployment':
      return `k8s:${t.cluster}/${t.namespace}/${t.name}`;
    case 'ecs-service':
      return `ecs:${t.cluster}/${t.service}`;
  }
}

export function canonicalTags(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
}

/** Short config keys this schema reads (for the Pulumi reader). */
export const CONFIG_KEYS = Object.keys(StackConfig.shape) as (keyof StackConfig)[];

/**
 * The Pulumi side: reads every `recovery-stack:*` key of the running stack
 * (values arrive as strings; structured ones as JSON) and validates them with
 * loadConfig. Secret keys (e.g. notifications with a PagerDuty key) arrive
 * decrypted; the component wraps the key in pulumi.secret again.
 */
export function readStackConfig(all: Record<string, string> = pulumiConfig(), isSecret: (fullKey: string) => boolean = pulumiIsSecret): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    raw[fullKey.slice(CONFIG_NAMESPACE.length + 1)] = parseConfigValue(value);
  }
  const cfg = loadConfig(raw);
  // Credentials only as Pulumi secrets (the runtime knows secrecy per top-level key).
  const plaintext = secretProblems(cfg.notifications, isSecret, CONFIG_NAMESPACE);
  if (plaintext.length > 0) throw new ConfigError(plaintext);
  return cfg;
}

function pulumiIsSecret(fullKey: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  // runtime.isConfigSecret is exported but marked @internal (absent from the typings).
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  if (typeof runtime.isConfigSecret === 'function') return runtime.isConfigSecret(fullKey);
  const keys: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS || '[]');
  return Array.isArray(keys) && keys.includes(fullKey);
}

function pulumiConfig(): Record<string, string> {
  // Imported lazily so loadConfig stays usable without the Pulumi runtime.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  return pulumi.runtime.allConfig();
}

function parseConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
