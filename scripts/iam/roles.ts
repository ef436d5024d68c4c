import type { SynthResource, SynthResult } from '../../infra/synth/types';
import type { StackFacts, Where } from './authorizations';
import { SynthIndex } from '../drill/synth-index';

/**
 * The identity policies of each function's role, as the program synthesized
 * them: the Lambda function's `role` -> that role's inline policies
 * (aws:iam/rolePolicy:RolePolicy, and `inlinePolicies` on the role if any).
 * Managed policy attachments would hold documents this check cannot read: a
 * role with one is refused, not evaluated with part of its grants.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface RolePolicies {
  /** Catalog function name (or `automation-role` for the role SSM Automation assumes). */
  name: string;
  roleName: string;
  roleArn: string;
  policies: { name: string; document: PolicyDocument }[];
}

const ROLE = 'aws:iam/role:Role';
const ROLE_POLICY = 'aws:iam/rolePolicy:RolePolicy';
const FUNCTION = 'aws:lambda/function:Function';

const nameOf = SynthIndex.nameOf;
const refersTo = (value: unknown, r: SynthResource) => typeof value === 'string' && [nameOf(r), r.name, r.id, r.outputs?.arn].includes(value);

/** The synthesized documents, with the mock engine's account/region/partition replaced by the drill's. */
function localize(text: string, from: Where, to: Where): string {
  if (from.account === to.account && from.region === to.region && from.partition === to.partition) return text;
  return text
    .replace(new RegExp(`arn:${from.partition}:`, 'g'), `arn:${to.partition}:`)
    .replace(new RegExp(`:${from.region}:`, 'g'), `:${to.region}:`)
    .replace(new RegExp(`:${from.account}:`, 'g'), `:${to.account}:`);
}

function policiesOfRole(synth: SynthResult, role: SynthResource, from: Where, to: Where): RolePolicies['policies'] {
  const attachments = synth.resources.filter((r) => r.custom && /rolePolicyAttachment|policyAttachment/.test(r.type) && refersTo(r.inputs.role, role));
  if (attachments.length || (Array.isArray(role.inputs.managedPolicyArns) && role.inputs.managedPolicyArns.length)) {
    throw new Error(`role ${nameOf(role)} has managed policy attachments: their documents are not in the synthesized stack, so the role cannot be evaluated`);
  }
  const out: RolePolicies['policies'] = [];
  for (const p of synth.resources.filter((r) => r.custom && r.type === ROLE_POLICY && refersTo(r.inputs.role, role))) {
    out.push({ name: String(p.inputs.name ?? p.name), document: JSON.parse(localize(String(p.inputs.policy), from, to)) as PolicyDocument });
  }
  for (const p of (role.inputs.inlinePolicies ?? []) as { name?: string; policy?: string }[]) {
    if (p.policy) out.push({ name: p.name ?? 'inline', document: JSON.parse(localize(p.policy, from, to)) as PolicyDocument });
  }
  return out;
}

/**
 * Per function: its role's policies. `functionNames` maps a synthesized Lambda function
 * to its catalog name (its `recovery-stack:function` tag, as the drill's recreate does).
 * The role SSM Automation assumes for the reboot runbook is `automation-role`.
 */
export function rolePolicies(synth: SynthResult, from: Where, to: Where): Map<string, RolePolicies> {
  const roles = synth.resources.filter((r) => r.custom && r.type === ROLE);
  const out = new Map<string, RolePolicies>();
  for (const f of synth.resources.filter((r) => r.custom && r.type === FUNCTION)) {
    const tags = (f.inputs.tags ?? {}) as Record<string, string>;
    const name = tags['recovery-stack:function'];
    if (!name) continue;
    const role = roles.find((r) => refersTo(f.inputs.role, r));
    if (!role) throw new Error(`function ${nameOf(f)}: its role ${String(f.inputs.role)} is not a role of the synthesized stack`);
    out.set(name, { name, roleName: nameOf(role), roleArn: localize(String(role.outputs?.arn ?? ''), from, to), policies: policiesOfRole(synth, role, from, to) });
  }
  const automation = roles.find((r) => /^arn:[^:]+:iam::\d+:role\/.+-automation$/.test(String(r.outputs?.arn ?? '')) && String(r.inputs.assumeRolePolicy ?? '').includes('ssm.amazonaws.com'));
  if (automation) {
    out.set('automation-role', {
      name: 'automation-role',
      roleName: nameOf(automation),
      roleArn: localize(String(automation.outputs?.arn ?? ''), from, to),
      policies: policiesOfRole(synth, automation, from, to),
    });
  }
  return out;
}

/** KMS keys of the stack's encrypted topics and queues (a key ARN; an `alias/aws/...` AWS managed key needs no IAM grant). */
export function stackFacts(synth: SynthResult, from: Where, to: Where): StackFacts {
  const facts: StackFacts = { topicKeys: {}, queueKeys: {}, keyPolicies: {} };
  for (const k of synth.resources.filter((r) => r.custom && r.type === 'aws:kms/key:Key')) {
    if (typeof k.outputs?.arn === 'string' && typeof k.inputs.policy === 'string') facts.keyPolicies![localize(k.outputs.arn, from, to)] = JSON.parse(localize(k.inputs.policy, from, to));
  }
  const keyArn = (v: unknown) => (typeof v === 'string' && /^arn:[^:]+:kms:[^:]+:\d+:key\//.test(v) ? localize(v, from, to) : undefined);
  for (const t of synth.resources.filter((r) => r.custom && r.type === 'aws:sns/topic:Topic')) {
    const key = keyArn(t.inputs.kmsMasterKeyId);
    if (key) facts.topicKeys[`arn:${to.partition}:sns:${to.region}:${to.account}:${nameOf(t)}`] = key;
  }
  for (const q of synth.resources.filter((r) => r.custom && r.type === 'aws:sqs/queue:Queue')) {
    const key = keyArn(q.inputs.kmsMasterKeyId);
    if (key) facts.queueKeys[`arn:${to.partition}:sqs:${to.region}:${to.account}:${nameOf(q)}`] = key;
  }
  return facts;
}
