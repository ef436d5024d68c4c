import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import { runPolicies, type AnalyzedResource, type PolicyRunResult } from '../../policies/runner/analyze';
import { reconcilePolicyPackConfig, type GivenPolicyConfig } from '../../policies/runner/config';

/** A resource in the analyzer's shape (inputs as the engine sends them; stack policies see the same values as outputs). */
export function resource(type: string, name: string, inputs: Record<string, unknown>, more: Partial<AnalyzedResource> = {}): AnalyzedResource {
  return { type, name, urn: urnOf(type, name), inputs, ...more };
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::fixtures::${type}::${name}`;
}

/** Runs policies through the same runner core as `npm run policy`, with the given --policy-pack-config content. */
export async function check(
  policies: ResourceValidationPolicy | StackValidationPolicy | Policies,
  resources: AnalyzedResource[],
  given: Record<string, GivenPolicyConfig> = {},
): Promise<PolicyRunResult> {
  const list = Array.isArray(policies) ? policies : [policies];
  return runPolicies(resources, { policies: list, config: reconcilePolicyPackConfig(list, given) });
}

/** Names of the resources with a violation (sorted), for compact assertions. */
export function violators(result: PolicyRunResult): string[] {
  return result.findings.map((f) => f.resourceName ?? 'stack').sort();
}

/** A fixture row: resources, and which of them must be reported. */
export interface Fixture {
  title: string;
  resources: AnalyzedResource[];
  violators: string[];
  /** Message fragment the (first) violation must contain: the fix it tells the author. */
  says?: string;
  config?: Record<string, GivenPolicyConfig>;
}

export const T = {
  instance: 'aws:ec2/instance:Instance',
  asg: 'aws:autoscaling/group:Group',
  volume: 'aws:ebs/volume:Volume',
  attachment: 'aws:ec2/volumeAttachment:VolumeAttachment',
  rds: 'aws:rds/instance:Instance',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  dlm: 'aws:dlm/lifecyclePolicy:LifecyclePolicy',
  backupSelection: 'aws:backup/selection:Selection',
  fn: 'aws:lambda/function:Function',
  invokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  iamPolicy: 'aws:iam/policy:Policy',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  role: 'aws:iam/role:Role',
  deployment: 'kubernetes:apps/v1:Deployment',
  pdb: 'kubernetes:policy/v1:PodDisruptionBudget',
};
