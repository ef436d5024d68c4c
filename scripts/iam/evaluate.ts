import { runSimulation, runUnsafeSimulation, type EvaluationResult, type RunSimulationResults, type Simulation } from '@cloud-copilot/iam-simulate';
import type { SignedRequest } from '../sandbox/aws-gaps';
import { authorizationsFor, type Authorization, type StackFacts, type Where } from './authorizations';
import { functionOfAccessKey } from './callers';
import type { PolicyDocument, RolePolicies } from './roles';

/**
 * Every recorded request, mapped to its authorizations (authorizations.ts) and
 * each one evaluated with iam-simulate against the identity policies of the
 * caller's synthesized role. Also what the reboot runbook does under the
 * automation role on ssm-automation's behalf. Counts per function: requests
 * evaluated, denied (action, ARN, why), unmapped, and the role's grants
 * (statement x action) the run never used.
 */
export type DenyReason = 'no statement' | 'resource' | 'condition' | 'resource policy';

export interface Denied {
  fn: string;
  operation: string;
  action: string;
  resource: string;
  why: DenyReason;
  /** The statements that matched the action (and resource) but not the rest, with the context they were evaluated with. */
  detail: string;
  count: number;
}

export interface Unmapped {
  fn: string;
  operation: string;
  reason: string;
  count: number;
}

export interface Grant {
  sid: string;
  action: string;
  resources: string[];
  conditioned: boolean;
  /** Authorizations this grant allowed. */
  used: number;
  /** Distinct resources it allowed (request ARNs). */
  usedOn: string[];
  /** Granted to the Lambda service's own use of the role (logs, on-failure destination): never the code's. */
  platform: boolean;
}

export interface FunctionEvidence {
  fn: string;
  roleName: string;
  requests: number;
  authorizations: number;
  denied: Denied[];
  unmapped: Unmapped[];
  grants: Grant[];
}

export interface IamEvidence {
  requests: number;
  authorizations: number;
  denied: number;
  unmapped: number;
  unusedGrants: number;
  /** Requests signed with a key that names no function of the stack: they cannot be checked, so they fail. */
  unattributed: { caller: string; operation: string; count: number }[];
  functions: FunctionEvidence[];
}

/**
 * Grants the Lambda service uses with the function's role, not the function's code, so no request of
 * the code can use them: its log stream and on-failure destination (infra/iam/function-role.ts), and the
 * SQS event source mapping's polling ("Execution role permissions" for SQS event sources: ReceiveMessage,
 * DeleteMessage, GetQueueAttributes, https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
 */
function platformGrant(sid: string, action: string): boolean {
  if (sid === 'WriteOwnLogs' || sid === 'OnFailureDestination') return true;
  return sid === 'ConsumeVerifyQueue' && ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].includes(action);
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(value);

function statementsOf(role: RolePolicies) {
  return role.policies.flatMap((p) => p.document.Statement.map((s, i) => ({ policy: p.name, sid: s.Sid ?? `${p.name}#${i}`, s })));
}

interface Verdict {
  allowed: boolean;
  allowedBy: string[];
  why?: DenyReason;
  detail?: string;
  error?: string;
}

/** The default key policy: the account's IAM policies decide (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). */
function defaultKeyPolicy(account: string, partition: string) {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

function simulation(policies: { name: string; document: PolicyDocument }[], principal: string, a: Authorization, w: Where, stack: StackFacts, resource = a.resource): Simulation {
  return {
    request: { principal, action: a.action, resource: { resource, accountId: w.account }, contextVariables: a.context },
    identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(a.action.startsWith('kms:') ? { resourcePolicy: stack.keyPolicies?.[a.resource] ?? defaultKeyPolicy(w.account, w.partition) } : {}),
  };
}

/** A validated simulation, or (AWS-owned SSM documents, below) an evaluation on an ARN iam-data cannot type. */
type Outcome = { kind: 'checked'; result: RunSimulationResults } | { kind: 'unvalidated'; overall: EvaluationResult; allowedBy: string[] };

async function simulate(policies: { name: string; document: PolicyDocument }[], principal: string, a: Authorization, w: Where, stack: StackFacts): Promise<Outcome> {
  const strict = await runSimulation(simulation(policies, principal, a, w, stack), { simulationMode: 'Strict' });
  // AWS-owned SSM documents and runbooks have no account in their ARN (arn:aws:ssm:<region>::document/AWS-...),
  // which iam-data's formats (with ${Account}) do not recognise. The ARN is checked against the resource
  // type with the account filled in; the request is evaluated on the real ARN, per statement, unvalidated.
  const empty = /^(arn:[^:]+:[^:]+:[^:]*:):(.+)$/.exec(a.resource);
  if (strict.resultType !== 'error' || strict.errors.message !== 'no.resource.types' || !empty) return { kind: 'checked', result: strict };
  const typed = await runSimulation(simulation(policies, principal, a, w, stack, `${empty[1]}${w.account}:${empty[2]}`), { simulationMode: 'Strict' });
  if (typed.resultType === 'error') return { kind: 'checked', result: typed };
  const statements = policies.flatMap((p) => p.document.Statement.map((st) => ({ name: p.name, st })));
  const allowedBy = statements.filter(
    ({ name, st }) => runUnsafeSimulation(simulation([{ name, document: { Version: '2012-10-17', Statement: [st] } }], principal, a, w, stack), {}) === 'Allowed',
  );
  const overall = runUnsafeSimulation(simulation(policies, principal, a, w, stack), {});
  return { kind: 'unvalidated', overall, allowedBy: allowedBy.map(({ st }) => st.Sid ?? '?') };
}

function verdictOf(o: Outcome, role: RolePolicies, a: Authorization): Verdict {
  if (o.kind === 'unvalidated' && o.overall === 'Allowed') return { allowed: true, allowedBy: o.allowedBy };
  const r = o.kind === 'checked' ? o.result : undefined;
  if (r?.resultType === 'error') return { allowed: false, allowedBy: [], error: `iam-simulate refused the request: ${r.errors.message}` };
  const analyses = r?.resultType === 'single' ? [r.result.analysis] : r?.resultType === 'wildcard' ? r.results.map((x) => x.analysis) : [];
  if (r?.overallResult === 'Allowed') {
    const allowing = analyses.filter((x) => x.result === 'Allowed').flatMap((x) => x.identityAnalysis?.allowStatements ?? []);
    // A request resource with a wildcard (a list across resources: `alarm:*`) is evaluated by iam-simulate as
    // "some resource it covers is allowed"; AWS needs a statement whose resource covers all of it.
    const covers = (sid: string | undefined) => statementsOf(role).some((x) => x.sid === sid && asList(x.s.Resource).some((p) => glob(p, a.resource)));
    const covering = r.resultType === 'wildcard' ? allowing.filter((st) => covers(st.statement.sid())) : allowing;
    if (covering.length) return { allowed: true, allowedBy: [...new Set(covering.map((st) => st.statement.sid() ?? '?'))] };
    return {
      allowed: false,
      allowedBy: [],
      why: 'resource',
      detail: `the request covers ${a.resource}; ${[...new Set(allowing.map((st) => st.statement.sid() ?? '?'))].join(', ')} grant(s) it only on part of it`,
    };
  }
  if (analyses.some((x) => x.identityAnalysis?.result === 'Allowed')) {
    return { allowed: false, allowedBy: [], why: 'resource policy', detail: `the role allows it; the resource's own policy (a KMS key policy) does not` };
  }
  // Why not: the closest statements. Action matched, resource matched, condition not -> condition;
  // action matched only -> resource; nothing for the action -> no statement.
  const statements = statementsOf(role).filter(({ s }) => s.Effect === 'Allow' && asList(s.Action).some((p) => glob(p, a.action)));
  if (statements.length === 0) return { allowed: false, allowedBy: [], why: 'no statement', detail: `no statement of ${role.roleName} grants ${a.action}` };
  const onResource = statements.filter(({ s }) => asList(s.Resource).some((p) => glob(p, a.resource) || p === '*'));
  if (onResource.length === 0) {
    return { allowed: false, allowedBy: [], why: 'resource', detail: `${statements.map(({ sid, s }) => `${sid} grants it on ${asList(s.Resource).join(', ')}`).join('; ')}` };
  }
  return {
    allowed: false,
    allowedBy: [],
    why: 'condition',
    detail: `${onResource.map(({ sid, s }) => `${sid} requires ${JSON.stringify(s.Condition ?? {})}`).join('; ')}; request context ${JSON.stringify(a.context)}`,
  };
}

/**
 * What AWS-RestartEC2Instance does under the automation role for each runbook
 * ssm-automation started: aws:changeInstanceState stopped then running, which
 * calls StopInstances/StartInstances and polls DescribeInstanceStatus
 * ("AWS-RestartEC2Instance", Required IAM permissions,
 * https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-restartec2instance.html).
 */
function runbookAuthorizations(req: SignedRequest, w: Where): Authorization[] {
  if (req.operation !== 'StartAutomationExecution' || req.params.DocumentName !== 'AWS-RestartEC2Instance' || req.status >= 300) return [];
  const ids = ((req.params.Parameters as Record<string, string[]> | undefined)?.InstanceId ?? []).filter(Boolean);
  const tags = ((req.facts ?? {}) as { tags?: Record<string, Record<string, string>> }).tags ?? {};
  return [
    { action: 'ec2:DescribeInstanceStatus', resource: '*', context: {} },
    ...ids.flatMap((id) =>
      ['ec2:StopInstances', 'ec2:StartInstances'].map((action) => ({
        action,
        resource: `arn:${w.partition}:ec2:${w.region}:${w.account}:instance/${id}`,
        context: Object.fromEntries(Object.entries(tags[id] ?? {}).flatMap(([k, v]) => [[`aws:ResourceTag/${k}`, v], [`ec2:ResourceTag/${k}`, v]])),
        note: 'AWS-RestartEC2Instance under the automation role',
      })),
    ),
  ];
}

export async function evaluateRequests(requests: SignedRequest[], roles: Map<string, RolePolicies>, w: Where, stack: StackFacts): Promise<IamEvidence> {
  const byFn = new Map<string, FunctionEvidence>();
  const used = new Map<string, Map<string, { count: number; on: Set<string> }>>(); // fn -> sid|action -> use
  const cache = new Map<string, Verdict>();
  const unattributed = new Map<string, { caller: string; operation: string; count: number }>();
  const evidence = (fn: string, role: RolePolicies): FunctionEvidence => {
    let e = byFn.get(fn);
    if (!e) byFn.set(fn, (e = { fn, roleName: role.roleName, requests: 0, authorizations: 0, denied: [], unmapped: [], grants: [] }));
    return e;
  };
  const bump = <T extends { count: number }>(list: T[], match: (x: T) => boolean, make: () => T) => {
    const x = list.find(match);
    if (x) x.count++;
    else list.push(make());
  };

  async function check(fn: string, role: RolePolicies, operation: string, a: Authorization): Promise<void> {
    const e = evidence(fn, role);
    e.authorizations++;
    const key = `${fn}\u0000${a.action}\u0000${a.resource}\u0000${JSON.stringify(a.context)}`;
    let v = cache.get(key);
    if (!v) {
      const principal = role.roleArn.replace(/:iam::(\d+):role\/(.+)$/, ':sts::$1:assumed-role/$2/drill');
      v = verdictOf(await simulate(role.policies, principal, a, w, stack), role, a);
      cache.set(key, v);
    }
    if (v.error) {
      const reason = `${a.action} on ${a.resource}: ${v.error}`;
      bump(e.unmapped, (x) => x.operation === operation && x.reason === reason, () => ({ fn, operation, reason, count: 1 }));
      return;
    }
    if (!v.allowed) {
      bump(e.denied, (x) => x.action === a.action && x.resource === a.resource && x.operation === operation, () => ({ fn, operation, action: a.action, resource: a.resource, why: v!.why!, detail: v!.detail ?? '', count: 1 }));
      return;
    }
    const uses = used.get(fn) ?? new Map<string, { count: number; on: Set<string> }>();
    used.set(fn, uses);
    for (const sid of v.allowedBy) {
      const u = uses.get(`${sid}|${a.action}`) ?? { count: 0, on: new Set<string>() };
      u.count++;
      u.on.add(a.resource);
      uses.set(`${sid}|${a.action}`, u);
    }
  }

  for (const req of requests) {
    const fn = functionOfAccessKey(req.caller);
    const role = fn ? roles.get(fn) : undefined;
    if (!fn || !role) {
      const op = `${req.service}:${req.operation || req.method}`;
      const x = unattributed.get(`${req.caller}|${op}`);
      if (x) x.count++;
      else unattributed.set(`${req.caller}|${op}`, { caller: req.caller || '(unsigned)', operation: op, count: 1 });
      continue;
    }
    const e = evidence(fn, role);
    e.requests++;
    const mapped = authorizationsFor(req, w, stack);
    if (!mapped.ok) {
      bump(e.unmapped, (x) => x.operation === mapped.operation && x.reason === mapped.reason, () => ({ fn, operation: mapped.operation, reason: mapped.reason, count: 1 }));
      continue;
    }
    for (const a of mapped.authorizations) await check(fn, role, mapped.operation, a);
    const automation = roles.get('automation-role');
    const runbook = runbookAuthorizations(req, w);
    if (runbook.length && automation) {
      evidence('automation-role', automation).requests++;
      for (const a of runbook) await check('automation-role', automation, 'AWS-RestartEC2Instance', a);
    }
  }

  // Grants: every (statement, action) of each evaluated role; used or not in this run.
  for (const [fn, role] of roles) {
    const e = evidence(fn, role);
    const uses = used.get(fn) ?? new Map();
    for (const { sid, s } of statementsOf(role)) {
      if (s.Effect !== 'Allow') continue;
      for (const action of asList(s.Action)) {
        const u = uses.get(`${sid}|${action}`);
        e.grants.push({ sid, action, resources: asList(s.Resource), conditioned: !!s.Condition, used: u?.count ?? 0, usedOn: [...(u?.on ?? [])].sort(), platform: platformGrant(sid, action) });
      }
    }
  }
  const functions = [...byFn.values()].sort((a, b) => a.fn.localeCompare(b.fn));
  const sum = (f: (e: FunctionEvidence) => number) => functions.reduce((n, e) => n + f(e), 0);
  return {
    requests: sum((e) => e.requests),
    authorizations: sum((e) => e.authorizations),
    denied: sum((e) => e.denied.reduce((n, d) => n + d.count, 0)),
    unmapped: sum((e) => e.unmapped.reduce((n, d) => n + d.count, 0)),
    unusedGrants: sum((e) => e.grants.filter((g) => !g.used && !g.platform).length),
    unattributed: [...unattributed.values()],
    functions,
  };
}

/** Zero denied, zero unmapped, nothing unattributed. */
export function evidencePassed(e: IamEvidence): boolean {
  return e.denied === 0 && e.unmapped === 0 && e.unattributed.length === 0;
}
