import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import type { FunctionName } from '../../functions/catalog';
import type { GapProxy } from '../sandbox/aws-gaps';
import { ACCOUNT, REGION, type Clients } from './aws';
import type { AutoScalingHealthStandIn } from './asg-health';
import type { CloudWatchStandIn } from './cloudwatch';
import { asEventBridgeDelivered } from './eventbridge-delivery';
import type { LambdaRunner } from './lambda-runner';
import type { Observers } from './observers';
import type { DeployedFunction, Deployment, QueueSource } from './recreate';
import type { Timeline } from './timeline';

/**
 * Runs the stack until nothing is left to do: CloudWatch (played) re-evaluates
 * the watched alarms, events that the rules routed to a function's stand-in
 * queue are handed to the built bundle (Lambda's async invoke, with its
 * retries), the verify queue feeds the verifier as an SQS event source
 * (messages become visible when their DelaySeconds are due), and the
 * observers collect recovery events and notifications. Quiet = one pass with
 * no delivery, no alarm change, nothing delayed or in flight, no automation
 * running.
 */
export interface LoopOptions {
  alarms: Set<string>;
  timeline: Timeline;
  /** Give up after this long (a stuck loop is a failed scenario, not a hung drill). */
  budgetMs: number;
  /** Called after every pass (e.g. to time "recovered"). */
  afterPass?: () => Promise<void>;
  /** A monitoring system outside AWS, played before every delivery like CloudWatch; returns its changes. */
  play?: () => Promise<number>;
}

export class DeliveryLoop {
  /** Deliver the next event for this function twice (at-least-once delivery, same event id). */
  private readonly duplicateNext = new Set<FunctionName>();
  /** Every event handed to a function by EventBridge (async invoke), retries not counted. */
  readonly deliveries: { at: Date; fn: FunctionName }[] = [];

  constructor(
    private readonly c: Clients,
    private readonly d: Deployment,
    private readonly runner: LambdaRunner,
    private readonly cloudwatch: CloudWatchStandIn,
    private readonly asgHealth: AutoScalingHealthStandIn,
    private readonly proxy: GapProxy,
    private readonly observers: Observers,
  ) {}

  duplicateNextDelivery(fn: FunctionName): void {
    this.duplicateNext.add(fn);
  }

  async untilQuiet(o: LoopOptions): Promise<{ passes: number; settled: boolean }> {
    const deadline = Date.now() + o.budgetMs;
    let passes = 0;
    while (Date.now() < deadline) {
      passes++;
      let work = 0;
      // AWS keeps evaluating while functions run: play its part before every delivery, so
      // e.g. the verifier reads an alarm that reflects what the last action did to the fleet.
      for (const fn of this.d.functions.values()) {
        work += await this.playAws(o);
        work += (await o.play?.()) ?? 0;
        work += await this.deliverAsync(fn, o.timeline);
      }
      for (const src of this.d.queueSources) {
        work += await this.playAws(o);
        work += (await o.play?.()) ?? 0;
        work += await this.deliverFromQueue(src, o.timeline);
      }
      // The group's own replacement of members its health check marked on an earlier pass (asg-health.ts).
      work += await this.groupReplacements(o);
      const seen = await this.observers.poll();
      await o.afterPass?.();
      if (work > 0 || seen > 0) continue;
      if (this.proxy.automation.pending() > 0 || (await this.inFlight()) > 0) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      // Deliveries are synchronous in moto (PutEvents -> rule -> queue), so one pass with no
      // work, nothing queued, delayed or in flight, and no automation running means quiet.
      return { passes, settled: true };
    }
    return { passes, settled: false };
  }

  private lastWorld = '';
  /** fleetChanges() when run-time alarms were last looked for. */
  private alarmsLookedForAt = -1;

  /**
   * Auto Scaling health checks and CloudWatch alarm evaluation (both stand-ins); returns the
   * changes made. Skipped when nothing that feeds them changed since the last time (no fleet
   * change through the proxy, no impairment change, same alarms).
   */
  private async playAws(o: LoopOptions): Promise<number> {
    // Alarms the functions created at run time (a successor's copies, functions/runtime/carried-protection.ts) are
    // CloudWatch's to evaluate as soon as they exist, like the deployed ones the scenario watches. They come with a
    // fleet change (the replacement, the restored volume): looked for only after one, not on every pass.
    const changes = this.proxy.fleetChanges();
    if (changes !== this.alarmsLookedForAt) {
      this.alarmsLookedForAt = changes;
      for (const name of await this.runtimeAlarms()) o.alarms.add(name);
    }
    const world = `${this.proxy.fleetChanges()}/${this.proxy.impairments.version}/${[...o.alarms].join(',')}`;
    if (world === this.lastWorld) return 0;
    this.lastWorld = world;
    let n = 0;
    for (const m of await this.asgHealth.sync()) {
      o.timeline.add('alarm', `Auto Scaling health check: ${m.instanceId} marked Unhealthy (${m.why})`);
      n++;
    }
    for (const t of await this.cloudwatch.evaluate(o.alarms)) {
      o.timeline.add('alarm', `${t.alarmName}: ${t.from} -> ${t.to} (${t.reason})`, t.at);
      n++;
    }
    return n;
  }

  /** This stack's alarms in the emulator that the synthesized stack does not declare. */
  private async runtimeAlarms(): Promise<string[]> {
    const out: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `recovery-${this.d.stage}-`, AlarmTypes: ['MetricAlarm'], NextToken }));
      for (const a of page.MetricAlarms ?? []) if (a.AlarmName && !this.d.alarms.has(a.AlarmName)) out.push(a.AlarmName);
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  private async groupReplacements(o: LoopOptions): Promise<number> {
    const done = await this.asgHealth.replace();
    for (const r of done) {
      const volumes = r.deletedVolumes.length ? `, deleting ${r.deletedVolumes.join(', ')} (DeleteOnTermination)` : '';
      o.timeline.add('alarm', `Auto Scaling replaces unhealthy ${r.instanceId} (${r.why}): terminated in ${r.group}${volumes}`);
    }
    return done.length;
  }

  private async inFlight(): Promise<number> {
    let n = 0;
    const urls = [...[...this.d.functions.values()].map((f) => f.standInQueueUrl), ...this.d.queueSources.map((q) => q.queueUrl)];
    for (const QueueUrl of urls) {
      const a = await this.c.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const at = a.Attributes ?? {};
      n += Number(at.ApproximateNumberOfMessages ?? 0) + Number(at.ApproximateNumberOfMessagesDelayed ?? 0) + Number(at.ApproximateNumberOfMessagesNotVisible ?? 0);
    }
    return n;
  }

  private async receive(QueueUrl: string, max: number, visibility: number): Promise<Message[]> {
    const out = await this.c.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: Math.min(10, max), WaitTimeSeconds: 0, VisibilityTimeout: visibility, MessageSystemAttributeNames: ['All'] }),
    );
    return out.Messages ?? [];
  }

  /** EventBridge -> Lambda (asynchronous invoke): the stand-in queue holds what the rule delivered. */
  private async deliverAsync(fn: DeployedFunction, timeline: Timeline): Promise<number> {
    const msgs = await this.receive(fn.standInQueueUrl, 10, 30);
    if (msgs.length === 0) return 0;
    for (const m of msgs) await this.c.sqs.send(new DeleteMessageCommand({ QueueUrl: fn.standInQueueUrl, ReceiptHandle: m.ReceiptHandle! }));
    const events = msgs.map((m) => asEventBridgeDelivered(JSON.parse(m.Body ?? 'null')));
    if (this.duplicateNext.delete(fn.name)) {
      // The same delivery again, as EventBridge's at-least-once delivery may do.
      await this.c.sqs.send(new SendMessageCommand({ QueueUrl: fn.standInQueueUrl, MessageBody: msgs[0].Body! }));
      timeline.add('deliver', `${fn.functionName}: the same event will be delivered a second time (at-least-once)`);
    }
    for (const e of events) {
      this.deliveries.push({ at: new Date(), fn: fn.name });
      timeline.add('deliver', `${fn.functionName} <- ${describe(e)}`);
    }
    let pending = events;
    let lastErrors: (string | undefined)[] = [];
    for (let attempt = 0; attempt <= fn.maxRetries && pending.length > 0; attempt++) {
      const results = await this.runner.invokeAll(fn, pending);
      const failed: unknown[] = [];
      lastErrors = [];
      results.forEach((r, i) => {
        timeline.add('invoke', `${fn.functionName}${attempt ? ` (retry ${attempt})` : ''}: ${r.ok ? `ok in ${r.ms} ms${summary(r.result)}` : `FAILED in ${r.ms} ms: ${r.error}`}`, r.startedAt);
        if (!r.ok) {
          failed.push(pending[i]);
          lastErrors.push(r.error);
        }
      });
      pending = failed;
    }
    for (const [i, event] of pending.entries()) {
      const last = lastErrors[i];
      timeline.add('invoke', `${fn.functionName}: async invoke failed after ${fn.maxRetries} retries -> on-failure destination`);
      if (!fn.onFailureQueueUrl) continue;
      // Lambda's on-failure destination record (asynchronous invocation, retries exhausted).
      await this.c.sqs.send(
        new SendMessageCommand({
          QueueUrl: fn.onFailureQueueUrl,
          MessageBody: JSON.stringify({
            version: '1.0',
            timestamp: new Date().toISOString(),
            requestContext: { requestId: randomUUID(), functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn.functionName}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: fn.maxRetries + 1 },
            requestPayload: event,
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: { errorType: last?.split(':')[0] ?? 'Error', errorMessage: last ?? '' },
          }),
        }),
      );
    }
    return msgs.length;
  }

  /** SQS -> Lambda event source mapping (the verifier), with partial batch failures. */
  private async deliverFromQueue(src: QueueSource, timeline: Timeline): Promise<number> {
    const fn = this.d.functions.get(src.fn)!;
    // A failed message becomes visible again after the visibility timeout: 1 s in the drill to keep it fast.
    const msgs = await this.receive(src.queueUrl, src.batchSize, 1);
    if (msgs.length === 0) return 0;
    const event = {
      Records: msgs.map((m) => ({
        messageId: m.MessageId,
        receiptHandle: m.ReceiptHandle,
        body: m.Body,
        attributes: m.Attributes ?? {},
        messageAttributes: m.MessageAttributes ?? {},
        md5OfBody: m.MD5OfBody,
        eventSource: 'aws:sqs',
        eventSourceARN: src.queueArn,
        awsRegion: REGION,
      })),
    };
    timeline.add('deliver', `${fn.functionName} <- ${msgs.length} message(s) from ${src.queueArn.split(':').pop()}`);
    const [r] = await this.runner.invokeAll(fn, [event]);
    const failures = new Set(
      r.ok && src.reportsBatchItemFailures ? ((r.result as { batchItemFailures?: { itemIdentifier: string }[] } | undefined)?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : [],
    );
    timeline.add('invoke', `${fn.functionName}: ${r.ok ? `ok in ${r.ms} ms${failures.size ? `, ${failures.size} item failure(s)` : ''}${summary(r.result)}` : `FAILED in ${r.ms} ms: ${r.error}`}`, r.startedAt);
    if (!r.ok) return msgs.length; // the whole batch returns to the queue
    for (const m of msgs) {
      if (!failures.has(m.MessageId!)) await this.c.sqs.send(new DeleteMessageCommand({ QueueUrl: src.queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
    return msgs.length;
  }
}

function describe(e: unknown): string {
  const o = e as Record<string, unknown> | null;
  if (o && typeof o === 'object') {
    if ('detail-type' in o) return `event ${String(o['detail-type'])}`;
    if ('rung' in o && 'playbook' in o) {
      const pb = o.playbook as { name?: string; ladder?: string[] };
      const ev = o.event as { detail?: { alarmName?: string; alertName?: string; deployment?: { id?: string } } } | undefined;
      const fault = ev?.detail?.alarmName ?? (ev?.detail?.alertName ? `alert ${ev.detail.alertName} on ${ev.detail.deployment?.id ?? '?'}` : '?');
      return `request ${pb.name} rung ${String(o.rung)} (${pb.ladder?.[Number(o.rung)] ?? '?'}) for ${fault}`;
    }
  }
  return 'payload';
}

function summary(result: unknown): string {
  if (result === undefined || result === null) return '';
  const s = JSON.stringify(result);
  return `: ${s.length > 160 ? `${s.slice(0, 160)}...` : s}`;
}

