import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateEventBusCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AlarmStateChangeEvent } from '../../functions/contracts/alarm-event';
import { RemediationRequest, type PlaybookParams } from '../../functions/contracts/remediation-request';
import { matchesPattern } from '../../infra/routing/pattern-match';
import type { SynthResource, SynthResult } from '../../infra/synth/types';
import { asEventBridgeDelivered } from '../../scripts/drill/eventbridge-delivery';
import { alarmEvent, aws, setAlarmState } from './stack';

/**
 * A synthesized stack's event routing, recreated in the emulator's
 * EventBridge for tests that follow events through it (paging, resolution).
 * Stand-in, for what moto lacks: each rule's Lambda / API destination target
 * becomes an SQS queue (moto invokes neither); tests hand what arrives to the
 * real handlers, with moto's rendering of `time` fixed as the drill fixes it.
 */
export const T = {
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  fn: 'aws:lambda/function:Function',
} as const;

export const nameOf = (r: SynthResource) => String(r.inputs.name ?? r.name);

/** Recreates one synthesized rule with its target pointed at a fresh queue (same pattern, same input transformer); returns the queue's URL. */
export async function recreateRule(stack: SynthResult, ruleName: string): Promise<string> {
  const a = aws();
  const rule = stack.resources.find((r) => r.type === T.rule && r.name === ruleName);
  const target = stack.resources.find((r) => r.type === T.target && r.name === ruleName);
  if (!rule || !target) throw new Error(`synthesized stack has no rule ${ruleName}`);
  const bus = rule.inputs.eventBusName as string | undefined;
  if (bus) await a.events.send(new CreateEventBusCommand({ Name: bus })).catch(() => undefined);
  const url = (await a.sqs.send(new CreateQueueCommand({ QueueName: `r-${ruleName.replace(/[^A-Za-z0-9_-]/g, '_')}` }))).QueueUrl!;
  const arn = (await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await a.events.send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: rule.inputs.eventPattern as string, State: 'ENABLED' }));
  const tr = target.inputs.inputTransformer as { inputPaths?: Record<string, string>; inputTemplate: string } | undefined;
  await a.events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: bus,
      // No transformer = the whole event; moto's default rendering drops `account` and `version`, so ask for it explicitly (as the drill does).
      Targets: [{ Id: 't', Arn: arn, InputTransformer: tr ? { InputPathsMap: tr.inputPaths, InputTemplate: tr.inputTemplate } : { InputTemplate: '<aws.events.event.json>' } }],
    }),
  );
  return url;
}

/** Everything waiting in a stand-in queue, as EventBridge would have delivered it. */
export async function received(url: string): Promise<any[]> {
  const out: any[] = [];
  for (;;) {
    const got = await aws().sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    if (!got.Messages?.length) return out;
    out.push(...got.Messages.map((m) => asEventBridgeDelivered(JSON.parse(m.Body!))));
  }
}

/** Puts an alarm state change on the default bus, as CloudWatch does (moto accepts source aws.cloudwatch). */
export async function emit(e: AlarmStateChangeEvent): Promise<void> {
  const out = await aws().events.send(new PutEventsCommand({ Entries: [{ Source: e.source, DetailType: e['detail-type'], Resources: e.resources, Detail: JSON.stringify(e.detail) }] }));
  if (out.FailedEntryCount) throw new Error(`PutEvents failed for ${out.FailedEntryCount} entr(ies): ${JSON.stringify(out.Entries)}`);
}

/** The same alarm's transition back to OK at `at`. */
export const okTransition = (e: AlarmStateChangeEvent, at: string): AlarmStateChangeEvent => ({
  ...e,
  id: 'd0b8a2f6-0000-4000-8000-000000000001',
  detail: { ...e.detail, state: { value: 'OK', reason: 'Threshold Crossed: back under the threshold', timestamp: at }, previousState: e.detail.state },
});

export interface RoutedAlarm {
  alarmName: string;
  dims: Record<string, string>;
  playbook: PlaybookParams;
  event: AlarmStateChangeEvent;
  ruleName: string;
}

/** A synthesized alarm (ALARM at `at`) whose default-bus rule routes to an action function (laddered) or to the notifier (notify-only). */
export function routedAlarm(stack: SynthResult, notifyOnly: boolean, at: string): RoutedAlarm {
  const notifierArn = stack.resources.find((r) => r.type === T.fn && nameOf(r).endsWith('-notifier'))!.outputs!.arn;
  for (const alarm of stack.resources.filter((r) => r.type === T.alarm)) {
    const alarmName = nameOf(alarm);
    const dims = (alarm.inputs.dimensions ?? {}) as Record<string, string>;
    const event = alarmEvent(alarmName, dims, at);
    const rule = stack.resources.find((r) => r.type === T.rule && !r.inputs.eventBusName && matchesPattern(JSON.parse(r.inputs.eventPattern as string), event));
    const target = rule && stack.resources.find((t) => t.type === T.target && t.name === rule.name);
    if (!target || (target.inputs.arn === notifierArn) !== notifyOnly || Object.keys(dims).length === 0) continue;
    const template = (target.inputs.inputTransformer as { inputTemplate: string }).inputTemplate;
    const { playbook } = RemediationRequest.parse(JSON.parse(template.replace('<aws.events.event.json>', JSON.stringify(event))));
    return { alarmName, dims, playbook, event, ruleName: rule.name };
  }
  throw new Error(`the stack has no ${notifyOnly ? 'notify-only' : 'laddered'} alarm`);
}

/** The alarm itself in the emulator, in ALARM (what the verifier and the re-reads read). */
export async function createAlarmInAlarm(name: string, dims: Record<string, string>): Promise<void> {
  await aws().cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed',
      Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
  await setAlarmState(name, 'ALARM');
}
