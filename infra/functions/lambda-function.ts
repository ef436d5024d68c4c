import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { FunctionSpec } from '../../functions/catalog';
import type { EnvKey } from '../../functions/contracts/env';
import { functionRole } from '../iam/function-role';
import type { Placeholders } from '../iam/policy-document';
import type { ProtectedScope } from '../iam/protected-scope';
import { bundleFunction } from './bundle';

/**
 * One remediation/verifier/notifier function from its catalog spec: bundled
 * code, its own role and log group, reserved concurrency, and an on-failure
 * destination so a failed async invocation is parked, not lost.
 */
export interface LambdaFunctionArgs {
  stage: string;
  spec: FunctionSpec;
  /** Values for every EnvKey the stack provides; keys a spec lists but the stack lacks are omitted. */
  env: Partial<Record<EnvKey, pulumi.Input<string>>>;
  placeholders: pulumi.Input<Placeholders>;
  scope: ProtectedScope;
  failureQueueArn: pulumi.Input<string>;
  logRetentionDays: number;
  logLevel: string;
  rootDir?: string;
}

export function lambdaFunction(args: LambdaFunctionArgs, opts: pulumi.CustomResourceOptions) {
  const { spec, stage } = args;
  const name = `recovery-${stage}-${spec.name}`;
  const logGroup = new aws.cloudwatch.LogGroup(name, { name: `/aws/lambda/${name}`, retentionInDays: args.logRetentionDays }, opts);
  const { role, policy } = functionRole(
    {
      roleName: `${name}-role`,
      functionName: spec.name,
      permissions: spec.permissions,
      placeholders: args.placeholders,
      scope: args.scope,
      logGroupArn: logGroup.arn,
      failureQueueArn: args.failureQueueArn,
    },
    opts,
  );
  const bundle = bundleFunction(spec, { rootDir: args.rootDir });
  const variables: Record<string, pulumi.Input<string>> = {};
  for (const key of spec.env) {
    const v = args.env[key];
    if (v !== undefined) variables[key] = v;
  }
  const fn = new aws.lambda.Function(
    name,
    {
      name,
      description: spec.description.slice(0, 256),
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      code: bundle.then((b) => new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(b.code) })),
      sourceCodeHash: bundle.then((b) => b.sha256),
      role: role.arn,
      timeout: spec.timeoutSeconds,
      memorySize: spec.memoryMb,
      reservedConcurrentExecutions: spec.reservedConcurrency,
      environment: { variables },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name, applicationLogLevel: args.logLevel, systemLogLevel: 'WARN' },
      tags: { 'recovery-stack:function': spec.name, 'recovery-stack:destructive': String(spec.destructive) },
    },
    { ...opts, dependsOn: [logGroup, policy] },
  );
  const invokeConfig = new aws.lambda.FunctionEventInvokeConfig(
    name,
    {
      functionName: fn.name,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: args.failureQueueArn } },
    },
    opts,
  );
  return { fn, role, policy, logGroup, invokeConfig, bundle };
}
