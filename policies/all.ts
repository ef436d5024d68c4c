import type { Policies } from '@pulumi/policy';
import { coveragePolicies } from './coverage';
import { iamPolicies } from './iam';
import { kubernetesPolicies } from './kubernetes';
import { restorabilityPolicies } from './restorability';
import { safeAutomationPolicies } from './safe-automation';

/**
 * Every policy of the pack, by rule family. index.ts serves this list through
 * PolicyPack; the offline runner and the tests call it directly (constructing a
 * PolicyPack starts a gRPC server and may exit the process).
 */
export const PACK_NAME = 'recovery-stack';

export const ALL_POLICIES: Policies = [
  ...coveragePolicies,
  ...restorabilityPolicies,
  ...safeAutomationPolicies,
  ...iamPolicies,
  ...kubernetesPolicies,
];
