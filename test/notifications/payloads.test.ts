import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { DETAIL_TYPES, RECOVERY_SOURCE, RecoveryEventDetail } from '../../functions/contracts/recovery-event';
import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResource, SynthResult } from '../../infra/synth/types';
import { clientConfig, resetEmulator } from '../support/aws';

/**
 * What PagerDuty, Opsgenie, Slack and AWS Chatbot would receive: each
 * notification rule and input transformer of the synthesized stack recreated
 * in the emulator's EventBridge, a real recovery event put on the bus, the
 * transformed payload read back and checked against the receiving API's schema.
 * Stand-in: moto has no API destinations (nor Chatbot), so each target is an SQS
 * queue with the same input transformer; the connection's secret body
 * parameter (routing_key) is merged by AWS and is not part of this payload.
 */
const NS = 'recovery-stack';
const T = { rule: 'aws:cloudwatch/eventRule:EventRule', target: 'aws:cloudwatch/eventTarget:EventTarget' };

// The receiving APIs' request shapes (PagerDuty Events API v2, Opsgenie Alert API, Slack webhook, Chatbot custom notification).
const PagerDutyTrigger = z.object({
  event_action: z.literal('trigger'),
  dedup_key: z.string().min(1).max(255),
  payload: z.object({
    summary: z.string().min(1).max(1024),
    source: z.string().min(1),
    severity: z.enum(['critical', 'error', 'warning', 'info']),
    // AWS fills `$.time` with ISO 8601 (PagerDuty's format); moto hands its internal epoch seconds to
    // SQS targets, so only the presence is checked here.
    timestamp: z.string().min(1).optional(),
    component: z.string().optional(),
    group: z.string().optional(),
    class: z.string().optional(),
    custom_details: z.record(z.string(), z.unknown()).optional(),
  }),
});
const PagerDutyResolve = z.object({ event_action: z.literal('resolve'), dedup_key: z.string().min(1).max(255) }).strict();
const OpsgenieCreate = z.object({
  message: z.string().min(1).max(130),
  alias: z.string().max(512),
  description: z.string().max(15000),
  entity: z.string().max(512),
  source: z.string().max(100),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']),
  tags: z.array(z.string()),
  details: z.record(z.string(), z.string()),
});
const SlackMessage = z.object({ text: z.string().min(1) }).strict();
const ChatbotCustom = z.object({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.string().optional(),
  content: z.object({ textType: z.literal('client-markdown'), title: z.string().min(1), description: z.string().min(1) }),
});

const detail = (over: Partial<RecoveryEventDetail> = {}): RecoveryEventDetail =>
  RecoveryEventDetail.parse({
    incidentId: 'inc-0123456789abcdef',
    stage: 'dev',
    playbook: 'ec2-system-status',
    rung: 1,
    action: 'replace-instance',
    resource: { type: 'instance', id: 'i-0123456789abcdef0', group: 'web-dev' },
    mode: 'auto',
    // Quotes, a backslash and a newline: the transformed payload must still be JSON.
    reason: 'alarm "recovery-dev-ec2-system-status-i-0123456789abcdef0" still ALARM \\ after rung 1\nladder exhausted',
    evidence: { alarmState: 'ALARM' },
    at: '2026-11-26T01:02:03.000Z',
    ...over,
  });

describe('notification payloads through the emulator EventBridge', () => {
  let stack: SynthResult;
  const events = () => new EventBridgeClient(clientConfig());
  const sqs = () => new SQSClient(clientConfig());

  let chatbotStack: SynthResult;

  beforeAll(async () => {
    const notifications = (slack: unknown) => ({
      [`${NS}:notifications`]: { emails: [], pagerDutyRoutingKey: { secure: 'v1:pd' }, opsgenie: { apiKey: { secure: 'v1:og' } }, slack },
    });
    [stack, chatbotStack] = await Promise.all([
      synthesize({ stack: 'dev', config: notifications({ via: 'webhook', webhookUrl: { secure: 'v1:slack' } }) }),
      synthesize({ stack: 'dev', config: notifications({ via: 'chatbot', workspaceId: 'T0123ABCD', channelId: 'C0123ABCDE' }) }),
    ]);
  }, 240_000);

  /** Recreates one synthesized rule + target (target -> queue) on the emulator's bus; returns the queue URL. */
  async function recreate(ruleName: string, from: SynthResult = stack): Promise<string> {
    const rule = from.resources.find((r) => r.type === T.rule && r.name === ruleName)!;
    const target: SynthResource = from.resources.find((r) => r.type === T.target && r.name === ruleName)!;
    const bus = rule.inputs.eventBusName as string;
    await events().send(new CreateEventBusCommand({ Name: bus })).catch(() => undefined);
    const q = await sqs().send(new CreateQueueCommand({ QueueName: `n-${ruleName.replace(/[^A-Za-z0-9_-]/g, '_')}` }));
    const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await events().send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: rule.inputs.eventPattern as string, State: 'ENABLED' }));
    const tr = target.inputs.inputTransformer as { inputPaths: Record<string, string>; inputTemplate: string };
    await events().send(
      new PutTargetsCommand({ Rule: ruleName, EventBusName: bus, Targets: [{ Id: 't', Arn: arn, InputTransformer: { InputPathsMap: tr.inputPaths, InputTemplate: tr.inputTemplate } }] }),
    );
    return q.QueueUrl!;
  }

  async function put(detailType: string, d: RecoveryEventDetail): Promise<void> {
    const out = await events().send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'recovery-dev', Source: RECOVERY_SOURCE, DetailType: detailType, Detail: JSON.stringify(d) }] }),
    );
    expect(out.FailedEntryCount ?? 0).toBe(0);
  }

  async function received(url: string): Promise<unknown[]> {
    const got = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    return (got.Messages ?? []).map((m) => JSON.parse(m.Body!));
  }

  beforeEach(() => resetEmulator());

  it('PagerDuty: Escalated -> a valid v2 trigger keyed by the incident; Verified or Resolved -> resolve of the same key; Succeeded -> nothing', async () => {
    // Prepare
    const triggerQ = await recreate('recovery-dev-pagerduty-trigger');
    const resolveQ = await recreate('recovery-dev-pagerduty-resolve');
    const d = detail();
    const escalatedOnly = detail({ incidentId: 'inc-eeeeeeeeeeeeeeee' });
    // Act
    await put(DETAIL_TYPES.escalated, d);
    await put(DETAIL_TYPES.verified, d);
    await put(DETAIL_TYPES.resolved, escalatedOnly); // its alarm OK again after an escalation (notifier)
    await put(DETAIL_TYPES.succeeded, detail({ incidentId: 'inc-ffffffffffffffff' }));
    // Assess
    const [trigger, ...moreTriggers] = await received(triggerQ);
    expect(moreTriggers).toEqual([]);
    const t = PagerDutyTrigger.parse(trigger);
    expect(t.dedup_key).toBe(d.incidentId);
    expect(t.payload).toMatchObject({ source: d.resource.id, severity: 'critical', group: d.playbook, class: d.action });
    expect(t.payload.summary).toContain('ec2-system-status on i-0123456789abcdef0 escalated');
    expect(t.payload.custom_details).toEqual(d);
    const resolves = (await received(resolveQ)).map((r) => PagerDutyResolve.parse(r));
    expect(resolves).toEqual([
      { event_action: 'resolve', dedup_key: d.incidentId },
      { event_action: 'resolve', dedup_key: escalatedOnly.incidentId },
    ]);
  });

  it('Opsgenie: Escalated -> create with alias = incident id and string details; Verified or Resolved -> close', async () => {
    // Prepare
    const createQ = await recreate('recovery-dev-opsgenie-create');
    const closeQ = await recreate('recovery-dev-opsgenie-close');
    // Act
    await put(DETAIL_TYPES.escalated, detail());
    await put(DETAIL_TYPES.verified, detail());
    await put(DETAIL_TYPES.resolved, detail());
    // Assess
    const [create] = (await received(createQ)).map((c) => OpsgenieCreate.parse(c));
    expect(create).toMatchObject({ alias: 'inc-0123456789abcdef', entity: 'i-0123456789abcdef0', priority: 'P2', source: 'recovery-stack' });
    expect(create.details).toEqual({ incidentId: 'inc-0123456789abcdef', playbook: 'ec2-system-status', resource: 'i-0123456789abcdef0', action: 'replace-instance' });
    const closes = await received(closeQ);
    expect(closes).toEqual([
      { source: 'recovery-stack', note: 'Remediation Verified: the alarm is OK again' },
      { source: 'recovery-stack', note: 'Remediation Resolved: the alarm is OK again' },
    ]);
  });

  it('AWS Chatbot: one custom notification per outcome people hear about, none for internal requests', async () => {
    // Prepare
    const chatQ = await recreate('recovery-dev-chatbot', chatbotStack);
    // Act
    await put(DETAIL_TYPES.skipped, detail({ mode: 'dry-run' }));
    await put(DETAIL_TYPES.requested, detail()); // internal routing: nobody hears about it
    // Assess
    const chat = (await received(chatQ)).map((c) => ChatbotCustom.parse(c));
    expect(chat).toHaveLength(1);
    expect(chat[0].id).toBe('inc-0123456789abcdef');
    expect(chat[0].content.title).toBe('[recovery dev] Remediation Skipped: ec2-system-status on i-0123456789abcdef0');
    expect(chat[0].content.description).toContain('mode dry-run');
  });

  it('Slack webhook: text message naming outcome, playbook, resource and incident', async () => {
    // Prepare
    const slackQ = await recreate('recovery-dev-slack');
    // Act
    await put(DETAIL_TYPES.failed, detail());
    // Assess
    const msgs = (await received(slackQ)).map((m) => SlackMessage.parse(m));
    expect(msgs).toHaveLength(1);
    expect(msgs[0].text).toContain('*[recovery dev] Remediation Failed*: playbook `ec2-system-status` on `i-0123456789abcdef0`');
    expect(msgs[0].text).toContain('incident inc-0123456789abcdef');
  });
});
