import type { PermissionStatement } from '../../functions/contracts/permissions';
import type { ProtectedScope } from './protected-scope';
import { LINEAGE_TAG } from '../../functions/contracts/naming';

/**
 * Renders declared permissions (functions/contracts/permissions.ts) into IAM
 * policy statements:
 *  - `{placeholders}` are substituted; a statement whose placeholder is unset
 *    (e.g. {changeCalendarArn} without a change calendar) is dropped;
 *  - a list placeholder (e.g. {ebsKmsKeyArns}) in a resource gives one
 *    resource per value; an empty list drops the statement, like unset;
 *  - `scope: 'protected'` statements are narrowed to the protected targets;
 *    with nothing to narrow to, they are dropped (no target, no permission);
 *  - a `*` or `service:*` action is a bug, never rendered.
 */
export interface IamStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

export type Placeholders = Record<string, string | readonly string[] | undefined>;

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

export function substitute(template: string, values: Placeholders): string | undefined {
  let missing = false;
  const out = template.replace(PLACEHOLDER, (_, key: string) => {
    const v = values[key];
    // A list where one string goes (a condition value, or beside another list) is a declaration bug.
    if (Array.isArray(v)) throw new Error(`placeholder {${key}} is a list: only a resource may use it, and at most one list per resource ("${template}")`);
    if (v === undefined || v === '') {
      missing = true;
      return '';
    }
    return v as string;
  });
  return missing ? undefined : out;
}

/** A resource template: one ARN per value of its list placeholder, if it has one; undefined if a placeholder is unset or empty. */
export function expandResource(template: string, values: Placeholders): string[] | undefined {
  const listKey = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).find((k) => Array.isArray(values[k]));
  if (listKey === undefined) {
    const one = substitute(template, values);
    return one === undefined ? undefined : [one];
  }
  const items = values[listKey] as readonly string[];
  if (items.length === 0) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const one = substitute(template, { ...values, [listKey]: item });
    if (one === undefined) return undefined;
    out.push(one);
  }
  return out;
}

export function assertNoWildcardActions(where: string, actions: string[]): void {
  for (const a of actions) {
    if (a === '*' || /^[a-z0-9-]+:\*$/i.test(a)) throw new Error(`${where}: wildcard action "${a}" is not allowed; list the actions`);
  }
}

function sid(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '');
}

/** Which protected resource type an ARN template is about. */
function protectedType(template: string): 'instance' | 'asg' | 'db' | 'lambda' | 'ecs' {
  if (/:instance\/\*$/.test(template)) return 'instance';
  if (/autoScalingGroup:\*:autoScalingGroupName\/\*$/.test(template)) return 'asg';
  if (/:rds:[^:]*:[^:]*:db:\*$/.test(template)) return 'db';
  if (/:lambda:[^:]*:[^:]*:function:\*$/.test(template)) return 'lambda';
  if (/:ecs:[^:]*:[^:]*:service\/\*$/.test(template)) return 'ecs';
  throw new Error(`cannot narrow protected resource template "${template}": only EC2 instance, Auto Scaling group, RDS db, Lambda function and ECS service ARNs are supported`);
}

/**
 * RDS, Lambda and ECS targets are named explicitly in config: their
 * statements list exact ARNs. A DB also gets `db:<id>-*` (restore-db's
 * `-restored-` and `-replaced-` names); a function also its qualified ARNs
 * (`function:<name>:<alias>`).
 */
function namedArns(type: 'db' | 'lambda' | 'ecs', template: string, scope: ProtectedScope): string[] {
  const stem = template.replace(/\*$/, '');
  switch (type) {
    case 'db':
      return scope.dbIdentifiers.flatMap((id) => [`${stem}${id}`, `${stem}${id}-*`]);
    case 'lambda':
      return scope.lambdaFunctions.flatMap((fn) => [`${stem}${fn}`, `${stem}${fn}:*`]);
    case 'ecs':
      return scope.ecsServices.map((svc) => `${stem}${svc}`);
  }
}

function narrow(st: PermissionStatement, resources: string[], scope: ProtectedScope): IamStatement[] {
  const out: IamStatement[] = [];
  const base = sid(st.sid);
  const byType = { instance: [] as string[], asg: [] as string[] };
  const named: string[] = [];
  for (const r of resources) {
    const type = protectedType(r);
    if (type === 'instance' || type === 'asg') byType[type].push(r);
    else named.push(...namedArns(type, r, scope));
  }
  if (named.length > 0) {
    out.push({ Sid: `${base}Named`, Effect: 'Allow', Action: st.actions, Resource: named, ...(st.condition ? { Condition: st.condition } : {}) });
  }
  const withCondition = (extra: Record<string, string | string[]>): IamStatement['Condition'] => {
    const cond: Record<string, Record<string, string | string[]>> = structuredClone(st.condition ?? {});
    cond.StringEquals = { ...(cond.StringEquals ?? {}), ...extra };
    return cond;
  };

  for (const [type, templates] of Object.entries(byType) as ['instance' | 'asg', string[]][]) {
    if (templates.length === 0) continue;
    const ids = type === 'instance' ? scope.instanceIds : scope.asgNames;
    const selectors = type === 'instance' ? scope.instanceTagSelectors : scope.asgTagSelectors;
    const Type = type === 'instance' ? 'Instances' : 'Groups';
    if (ids.length > 0) {
      out.push({
        Sid: `${base}${Type}ById`,
        Effect: 'Allow',
        Action: st.actions,
        Resource: templates.flatMap((t) => ids.map((id) => t.replace(/\/\*$/, `/${id}`))),
        ...(st.condition ? { Condition: st.condition } : {}),
      });
    }
    /** A statement on every ARN of the type, for resources whose tags match `tags` (aws:ResourceTag/<key>). */
    const byTags = (sidSuffix: string, tags: Record<string, string | string[]>) =>
      out.push({
        Sid: `${base}${sidSuffix}`,
        Effect: 'Allow',
        Action: st.actions,
        Resource: templates,
        Condition: withCondition(Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]))),
      });
    // Their standalone replacements, before the next deploy names them (recovery:lineage = the id in the config,
    // set by replace-instance at launch): a fault on the replacement is acted on like one on the original.
    if (type === 'instance' && ids.length > 0) byTags('InstancesByLineage', { [LINEAGE_TAG]: ids });
    // Groups whose members an instance tag selector protects: a member is replaced through its group
    // (TerminateInstanceInAutoScalingGroup is authorized against the group), and a group carries the tags it
    // propagates to its members, so the group is known by the same tags.
    if (type === 'asg') scope.instanceTagSelectors.forEach((tags, i) => byTags(`GroupsOfTaggedMembers${i}`, tags));
    selectors.forEach((tags, i) => byTags(`${Type}ByTag${i}`, tags));
    if (type === 'instance') {
      // Members of protected groups (the group name is an AWS-managed tag on each instance).
      scope.asgNames.forEach((name, i) => byTags(`GroupMembers${i}`, { 'aws:autoscaling:groupName': name }));
      // Members of tag-selected groups carry the group's tags when they propagate at launch.
      scope.asgTagSelectors.forEach((tags, i) => byTags(`GroupMembersByTag${i}`, tags));
    }
  }
  return out;
}

/** Substitutes placeholders inside condition values too; undefined if any is unset. */
function substituteCondition(condition: PermissionStatement['condition'], values: Placeholders): PermissionStatement['condition'] | null {
  if (!condition) return undefined;
  const out: NonNullable<PermissionStatement['condition']> = {};
  for (const [op, kv] of Object.entries(condition)) {
    out[op] = {};
    for (const [k, v] of Object.entries(kv)) {
      const list = (Array.isArray(v) ? v : [v]).map((x) => substitute(x, values));
      if (list.some((x) => x === undefined)) return null;
      out[op][k] = Array.isArray(v) ? (list as string[]) : (list[0] as string);
    }
  }
  return out;
}

export function renderStatements(where: string, perms: PermissionStatement[], values: Placeholders, scope: ProtectedScope): IamStatement[] {
  const out: IamStatement[] = [];
  for (const declared of perms) {
    const condition = substituteCondition(declared.condition, values);
    if (condition === null) continue;
    const st: PermissionStatement = { ...declared, condition };
    assertNoWildcardActions(`${where}: ${st.sid}`, st.actions);
    const expanded = st.resources.map((r) => expandResource(r, values));
    if (expanded.some((r) => r === undefined)) continue;
    const resources = (expanded as string[][]).flat();
    if (st.scope === 'protected') {
      out.push(...narrow(st, resources, scope));
    } else {
      out.push({
        Sid: sid(st.sid),
        Effect: 'Allow',
        Action: st.actions,
        Resource: resources,
        ...(st.condition ? { Condition: st.condition } : {}),
      });
    }
  }
  return out;
}

export function policyDocument(statements: IamStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}
