import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { FUNCTIONS } from '../../functions/catalog';
import { ACTION_KINDS, type ActionKind } from '../../functions/contracts/rungs';
import { ClusterMap } from '../../functions/kubernetes/clusters';
import { ENV } from '../../functions/contracts/env';
import { Guardrails } from '../../functions/contracts/guardrails';
import { PlaybookParams, RemediationRequest } from '../../functions/contracts/remediation-request';
import { RUNGS, type RungName } from '../../functions/contracts/rungs';
import { matchesPattern } from '../../infra/routing/pattern-match';
import { alarmEvent, TYPES } from '../../infra/synth/plan';
import type { SynthResource, SynthResult } from '../../infra/synth/types';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { clientConfig, resetEmulator } from '../support/aws';

/**
 * Assertions every stack config must pass, shared by dev/staging/prod tests.
 * The stack comes from the real program run under the Pulumi mock engine
 * (infra/synth/synthesize.ts); routing is checked with the emulator's real
 * EventBridge pattern matching.
 */
export const nameOf = (r: SynthResource): string => (typeof r.inputs.name === 'string' ? r.inputs.name : r.name);
export const ofType = (s: SynthResult, type: string) => s.resources.filter((r) => r.type === type);

export interface IamStatementLike {
  Sid?: string;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every IAM document the stack creates: role policies, trust policies, the key policy, queue policies. */
export function iamDocuments(s: SynthResult): { where: string; statements: IamStatementLike[] }[] {
  const docs: { where: string; statements: IamStatementLike[] }[] = [];
  const add = (where: string, json: unknown) => {
    if (typeof json !== 'string') return;
    const doc = JSON.parse(json) as { Statement: IamStatementLike[] };
    docs.push({ where, statements: doc.Statement });
  };
  for (const r of s.resources) {
    if (r.type === 'aws:iam/rolePolicy:RolePolicy' || r.type === 'aws:sqs/queuePolicy:QueuePolicy' || r.type === 'aws:kms/key:Key') add(`${r.type} ${r.name}`, r.inputs.policy);
    if (r.type === 'aws:iam/role:Role') add(`${r.type} ${r.name} (trust)`, r.inputs.assumeRolePolicy);
  }
  return docs;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Actions that stop, replace or detach what we protect. */
export const DESTRUCTIVE_ACTIONS = [
  'ec2:StopInstances',
  'ec2:TerminateInstances',
  'ec2:RebootInstances',
  'ec2:DetachVolume',
  'ec2:DeleteVolume',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
];

/** Instance / group ARNs in a statement that are wildcards (must then carry a tag condition). */
export function unscopedDestructive(st: IamStatementLike): string[] {
  const actions = list(st.Action);
  if (!actions.some((a) => DESTRUCTIVE_ACTIONS.includes(a))) return [];
  const hasTagCondition = Object.values(st.Condition ?? {}).some((kv) => Object.keys(kv).some((k) => /^(aws|ec2|autoscaling):ResourceTag\//.test(k)));
  return list(st.Resource).filter((r) => {
    if (r === '*') return true;
    const protectedArn = /:instance\/|:autoScalingGroup:/.test(r);
    // DetachVolume/AttachVolume also authorize against the instance, which is scoped; the volume ARN alone is not the target.
    return protectedArn && r.endsWith('/*') && !hasTagCondition;
  });
}

/**
 * The action kinds the stack's ladders run, read back from what was synthesized:
 * every playbook's ladder is in its rule target's input transformer (the envelope).
 */
export function ladderKinds(s: SynthResult): ActionKind[] {
  const used = new Set<ActionKind>();
  for (const t of ofType(s, TYPES.target)) {
    const template = (t.inputs.inputTransformer as { inputTemplate?: string } | undefined)?.inputTemplate;
    // Only the RemediationRequest envelopes (notification channels have input transformers of their own).
    if (!template?.includes('<aws.events.event.json>')) continue;
    const playbook = PlaybookParams.parse((JSON.parse(template.replace('<aws.events.event.json>', 'null')) as { playbook: unknown }).playbook);
    for (const rung of playbook.ladder as RungName[]) used.add(RUNGS[rung].action);
  }
  return ACTION_KINDS.filter((k) => used.has(k));
}

/** Routes each alarm's ALARM event through the emulator's EventBridge; returns matched rule names per alarm. */
export async function routeThroughEmulator(s: SynthResult): Promise<Map<string, string[]>> {
  await resetEmulator();
  const events = new EventBridgeClient(clientConfig());
  const sqs = new SQSClient(clientConfig());
  const rules = ofType(s, TYPES.rule).filter((r) => r.inputs.eventBusName === undefined);
  const queueOfRule = new Map<string, string>();
  for (const [i, rule] of rules.entries()) {
    // Stand-in: the emulator cannot invoke Lambda, so each rule targets its own queue.
    const q = await sqs.send(new CreateQueueCommand({ QueueName: `route-${i}` }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }));
    await events.send(new PutRuleCommand({ Name: nameOf(rule), EventPattern: rule.inputs.eventPattern as string, State: 'ENABLED' }));
    await events.send(new PutTargetsCommand({ Rule: nameOf(rule), Targets: [{ Id: 'q', Arn: attrs.Attributes!.QueueArn! }] }));
    queueOfRule.set(nameOf(rule), q.QueueUrl!);
  }
  const alarms = ofType(s, TYPES.alarm).map(nameOf);
  for (let i = 0; i < alarms.length; i += 10) {
    const batch = alarms.slice(i, i + 10).map((a) => {
      const e = alarmEvent(a);
      return { Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail), Resources: e.resources };
    });
    const out = await events.send(new PutEventsCommand({ Entries: batch }));
    expect(out.FailedEntryCount ?? 0).toBe(0);
  }
  const matched = new Map<string, string[]>(alarms.map((a) => [a, []]));
  for (const [rule, url] of queueOfRule) {
    for (;;) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      if (!got.Messages?.length) break;
      for (const m of got.Messages) {
        const alarmName = (JSON.parse(m.Body!) as { detail: { alarmName: string } }).detail.alarmName;
        matched.get(alarmName)!.push(rule);
      }
      // moto hides received messages for the visibility timeout, so this loop drains.
    }
  }
  return matched;
}

/** The whole per-stack suite. */
export function stackSuite(stack: string, load: () => SynthResult, extra: { changeCalendar: boolean; ansible?: boolean; actions: ActionKind[] }) {
  const s = () => load();

  it('routes every alarm to exactly one rule (emulator EventBridge), and the in-repo matcher agrees', async () => {
    // Prepare
    const rules = ofType(s(), TYPES.rule).filter((r) => r.inputs.eventBusName === undefined);
    // Act
    const matched = await routeThroughEmulator(s());
    // Assess
    expect(matched.size).toBeGreaterThan(0);
    for (const [alarm, ruleNames] of matched) {
      expect({ alarm, ruleNames }).toEqual({ alarm, ruleNames: [expect.any(String)] });
      const ours = rules.filter((r) => matchesPattern(JSON.parse(r.inputs.eventPattern as string), alarmEvent(alarm))).map(nameOf);
      expect(ours).toEqual(ruleNames);
    }
  });

  it('builds a valid RemediationRequest for each alarm and sends it to the first rung\'s function', () => {
    // Prepare
    const st = s();
    const rules = ofType(st, TYPES.rule).filter((r) => r.inputs.eventBusName === undefined);
    const targets = ofType(st, TYPES.target);
    const fnByArn = new Map(ofType(st, TYPES.fn).map((f) => [f.outputs!.arn as string, nameOf(f)]));
    for (const alarm of ofType(st, TYPES.alarm)) {
      const event = alarmEvent(nameOf(alarm));
      const rule = rules.find((r) => matchesPattern(JSON.parse(r.inputs.eventPattern as string), event))!;
      const target = targets.find((t) => t.inputs.rule === nameOf(rule))!;
      // Act: what EventBridge does with the input transformer template.
      const template = (target.inputs.inputTransformer as { inputTemplate: string }).inputTemplate;
      const envelope = RemediationRequest.parse(JSON.parse(template.replace('<aws.events.event.json>', JSON.stringify(event))));
      // Assess
      const ladder = envelope.playbook.ladder as RungName[];
      const expected = ladder.length === 0 ? 'notifier' : RUNGS[ladder[0]].action;
      expect(fnByArn.get(target.inputs.arn as string)).toBe(`recovery-${stack}-${expected}`);
      expect(nameOf(alarm).startsWith(`recovery-${stack}-${envelope.playbook.name}-`)).toBe(true);
    }
  });

  it('gives every rule target a retry policy and an encrypted dead-letter queue of the stack', () => {
    // Prepare
    const queues = new Map(ofType(s(), 'aws:sqs/queue:Queue').map((q) => [q.outputs!.arn as string, q]));
    const targets = ofType(s(), TYPES.target);
    // Act / Assess
    expect(targets.length).toBe(ofType(s(), TYPES.rule).length);
    for (const t of targets) {
      const retry = t.inputs.retryPolicy as { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
      expect(retry.maximumRetryAttempts).toBeGreaterThan(0);
      expect(retry.maximumEventAgeInSeconds).toBeGreaterThan(0);
      const dlq = queues.get((t.inputs.deadLetterConfig as { arn: string }).arn);
      expect(dlq?.inputs.sqsManagedSseEnabled).toBe(true);
    }
  });

  it('sets every function env value to a resource the stack creates (or a validated literal)', () => {
    // Prepare
    const st = s();
    const created = new Set<string>();
    for (const r of st.resources.filter((x) => x.custom)) {
      for (const v of [nameOf(r), r.outputs?.arn, r.outputs?.url]) if (typeof v === 'string') created.add(v);
    }
    for (const f of ofType(st, TYPES.fn)) {
      const spec = FUNCTIONS.find((x) => nameOf(f) === `recovery-${stack}-${x.name}`)!;
      const vars = (f.inputs.environment as { variables: Record<string, string> }).variables;
      // Act / Assess
      // Optional settings only reach the functions when the stack configures them.
      const expectedKeys = spec.env.filter(
        (k) => (k !== ENV.changeCalendar || extra.changeCalendar) && (k !== ENV.ansiblePlaybook || extra.ansible),
      );
      expect(Object.keys(vars).sort()).toEqual([...expectedKeys].sort());
      for (const [key, value] of Object.entries(vars)) {
        if (key === ENV.stage) expect(value).toBe(stack);
        else if (key === ENV.guardrails) expect(() => Guardrails.parse(JSON.parse(value))).not.toThrow();
        else if (key === ENV.changeCalendar) expect(value).toMatch(/^[a-zA-Z0-9_.-]{3,128}$/);
        else if (key === ENV.account) expect(value).toMatch(/^\d{12}$/);
        else if (key === ENV.kubeClusters) expect(() => ClusterMap.parse(JSON.parse(value))).not.toThrow();
        else if (key === ENV.protectionPlaybooks) expect(JSON.parse(value)).toEqual(playbooksWatching(st));
        else expect({ key, value, created: created.has(value) }).toEqual({ key, value, created: true });
      }
    }
  });

  it('gives every function whose role may read the change calendar the calendar its stack file names', () => {
    // Prepare: the expectation comes from Pulumi.<stack>.yaml and the synthesized role policies, not from the catalog.
    const file = parse(readFileSync(path.join(__dirname, '..', '..', `Pulumi.${stack}.yaml`), 'utf8')) as { config?: Record<string, unknown> };
    const calendar = file.config?.['recovery-stack:changeCalendar'];
    const st = s();
    const readers = iamDocuments(st)
      .filter((d) => d.statements.some((x) => list(x.Action).includes('ssm:GetCalendarState') && list(x.Resource).some((r) => r.endsWith(`:document/${String(calendar)}`))))
      .map((d) => d.where.replace(/^aws:iam\/rolePolicy:RolePolicy /, '').replace(/-role(-policy)?$/, ''));
    // Act
    const given = ofType(st, TYPES.fn).map((f) => ({ fn: nameOf(f), calendar: (f.inputs.environment as { variables: Record<string, string> }).variables[ENV.changeCalendar] }));
    // Assess
    if (typeof calendar !== 'string') {
      expect(given.filter((g) => g.calendar !== undefined)).toEqual([]);
      return;
    }
    expect(readers.length).toBeGreaterThan(0);
    for (const fn of readers) expect(given.find((g) => g.fn === fn)).toEqual({ fn, calendar });
  });

  it('has no `*` action in any IAM document, and scopes every destructive statement', () => {
    // Prepare
    const docs = iamDocuments(s());
    expect(docs.length).toBeGreaterThan(ofType(s(), TYPES.fn).length);
    for (const d of docs) {
      for (const st of d.statements) {
        // Act / Assess
        for (const a of list(st.Action)) expect({ where: d.where, action: a, wildcard: a === '*' || /:\*$/.test(a) }).toEqual({ where: d.where, action: a, wildcard: false });
        expect({ where: d.where, sid: st.Sid, unscoped: unscopedDestructive(st) }).toEqual({ where: d.where, sid: st.Sid, unscoped: [] });
      }
    }
  });

  it(`deploys only the action functions its ladders use (${extra.actions.join(', ')}) plus verifier and notifier; no role, log group or bus rule for the other kinds`, () => {
    // Prepare
    const st = s();
    const unused = ACTION_KINDS.filter((k) => !extra.actions.includes(k));
    const fnNames = ofType(st, TYPES.fn).map(nameOf);
    const roleNames = ofType(st, 'aws:iam/role:Role').map(nameOf);
    const logGroups = ofType(st, 'aws:cloudwatch/logGroup:LogGroup').map(nameOf);
    // Kinds the recovery bus routes escalations for (rule pattern detail.action).
    const escalatedKinds = ofType(st, TYPES.rule)
      .filter((r) => r.inputs.eventBusName === `recovery-${stack}`)
      .flatMap((r) => (JSON.parse(r.inputs.eventPattern as string) as { detail?: { action?: string[] } }).detail?.action ?? []);
    // Act / Assess: the expected kinds are exactly those the synthesized playbooks' ladders name.
    expect(ladderKinds(st)).toEqual(extra.actions);
    expect(fnNames.sort()).toEqual([...extra.actions, 'verifier', 'notifier'].map((n) => `recovery-${stack}-${n}`).sort());
    for (const kind of unused) {
      expect({ kind, fns: fnNames.filter((n) => n.endsWith(`-${kind}`)) }).toEqual({ kind, fns: [] });
      expect({ kind, roles: roleNames.filter((n) => n === `recovery-${stack}-${kind}-role`) }).toEqual({ kind, roles: [] });
      expect({ kind, logGroups: logGroups.filter((n) => n === `/aws/lambda/recovery-${stack}-${kind}`) }).toEqual({ kind, logGroups: [] });
      expect({ kind, escalated: escalatedKinds.includes(kind) }).toEqual({ kind, escalated: false });
    }
    // The role SSM Automation assumes exists only with the ssm-automation function.
    expect(roleNames.includes(`recovery-${stack}-automation`)).toBe(extra.actions.includes('ssm-automation'));
    expect([...escalatedKinds].sort()).toEqual([...extra.actions].sort());
  });

  it('deploys each of its functions on nodejs22.x arm64 with reserved concurrency, an on-failure destination and a log group', () => {
    const st = s();
    const fns = ofType(st, TYPES.fn);
    expect(fns.length).toBe(extra.actions.length + 2);
    const invokeConfigs = ofType(st, 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig');
    const logGroups = ofType(st, 'aws:cloudwatch/logGroup:LogGroup').map(nameOf);
    for (const f of fns) {
      expect(f.inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler' });
      expect(f.inputs.reservedConcurrentExecutions).toBeGreaterThan(0);
      const ic = invokeConfigs.find((c) => c.inputs.functionName === nameOf(f));
      expect((ic?.inputs.destinationConfig as { onFailure: { destination: string } }).onFailure.destination).toMatch(/^arn:aws:sqs:/);
      expect(logGroups).toContain(`/aws/lambda/${nameOf(f)}`);
    }
  });

  it('creates the ledger, kill switch, recovery bus rules and the stack outputs', () => {
    const st = s();
    const [table] = ofType(st, 'aws:dynamodb/table:Table');
    expect(table.inputs).toMatchObject({
      hashKey: 'pk',
      rangeKey: 'sk',
      ttl: { attributeName: 'expiresAt', enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
    });
    // The audit indexes `npm run audit -- --resource` queries: sparse keys, sorted by time, keys only.
    expect(table.inputs.globalSecondaryIndexes).toEqual(
      ['audit-by-resource:resourceKey', 'audit-by-group:groupKey', 'audit-by-instance:instanceKey'].map((spec) => {
        const [name, key] = spec.split(':');
        return { name, keySchemas: [{ attributeName: key, keyType: 'HASH' }, { attributeName: 'at', keyType: 'RANGE' }], projectionType: 'KEYS_ONLY' };
      }),
    );
    expect(table.inputs.attributes).toEqual(['pk', 'sk', 'resourceKey', 'groupKey', 'instanceKey', 'at'].map((name) => ({ name, type: 'S' })));
    expect(ofType(st, 'aws:ssm/parameter:Parameter').map(nameOf)).toEqual([`/recovery/${stack}/mode`]);
    // Notification channels (PagerDuty, Opsgenie, Slack) add their own bus rules; test/notifications covers them.
    const channelRule = /-(pagerduty|opsgenie)-|-(slack|chatbot)$/;
    const busRules = ofType(st, TYPES.rule).filter((r) => r.inputs.eventBusName === `recovery-${stack}` && !channelRule.test(nameOf(r)));
    expect(busRules.length).toBe(extra.actions.length + 1); // one per deployed action kind + notifier
    const busTargets = ofType(st, TYPES.target).filter((t) => t.inputs.eventBusName === `recovery-${stack}`);
    const escalations = busTargets.filter((t) => t.inputs.inputPath === '$.detail');
    expect(escalations.length).toBe(extra.actions.length);
    // Each escalation rule asks for one deployed kind and targets that kind's function.
    const fnByArn = new Map(ofType(st, TYPES.fn).map((f) => [f.outputs!.arn as string, nameOf(f)]));
    for (const t of escalations) {
      const rule = busRules.find((r) => nameOf(r) === t.inputs.rule)!;
      const [kind] = (JSON.parse(rule.inputs.eventPattern as string) as { detail: { action: string[] } }).detail.action;
      expect(extra.actions).toContain(kind);
      expect(fnByArn.get(t.inputs.arn as string)).toBe(`recovery-${stack}-${kind}`);
    }
    expect(Object.keys(st.outputs).sort()).toEqual(['busName', 'dashboardUrl', 'ledgerTableName', 'topicArn']);
    const [topic] = ofType(st, 'aws:sns/topic:Topic');
    expect(topic.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
  });

  it('writes alarm descriptions that say what, which playbook, and where to look; missing data explicit', () => {
    for (const a of ofType(s(), TYPES.alarm)) {
      const d = a.inputs.alarmDescription as string;
      expect(d).toMatch(/^Detects: /);
      expect(d).toContain('playbook');
      // The audit command for this alarm's own resource, runnable as printed.
      expect(d).toMatch(new RegExp(`what the automation did: npm run audit -- --table recovery-${stack}-ledger --resource \\S+;`));
      expect(d).toMatch(/runbook infra\/README\.md#runbook-[a-z0-9-]+\./);
      expect(d.length).toBeLessThanOrEqual(1024);
      expect(['missing', 'ignore', 'breaching', 'notBreaching']).toContain(a.inputs.treatMissingData);
      expect(a.inputs.datapointsToAlarm).toBeGreaterThan(0);
      expect(a.inputs.datapointsToAlarm as number).toBeLessThanOrEqual(a.inputs.evaluationPeriods as number);
    }
  });
}

/**
 * From the synthesized alarms: the playbooks with an alarm on an instance or a volume, by kind (the alarm's
 * `recovery-stack:resource-kind` tag, its name recovery-<stage>-<playbook>-<id> with the id from its dimensions),
 * log detectors' alarms aside.
 */
function playbooksWatching(st: SynthResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of ofType(st, TYPES.alarm)) {
    const tags = a.inputs.tags as Record<string, string>;
    const kind = tags['recovery-stack:resource-kind'];
    // Log detectors' alarms are named after the detector, not the resource (infra/logs): not carried.
    if ((kind !== 'instance' && kind !== 'volume') || tags['recovery-stack:log-group']) continue;
    const dims = a.inputs.dimensions as Record<string, string>;
    const id = kind === 'instance' ? dims.InstanceId : dims.VolumeId;
    const playbook = nameOf(a).replace(`recovery-${tags['recovery-stack:stage']}-`, '').replace(`-${id}`, '');
    if (!(out[kind] ??= []).includes(playbook)) out[kind].push(playbook);
  }
  return out;
}
