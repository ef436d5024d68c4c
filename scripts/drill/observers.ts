import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import { ACCOUNT, REGION, type Clients } from './aws';
import type { Deployment } from './recreate';

/**
 * What the drill watches without taking part: every recovery event on the
 * stack's bus (an extra rule the drill adds, `drill-audit`, to an SQS queue)
 * and every message the notification topic sent (its SQS subscription). They
 * feed the report's timeline and the scenarios' checks on what people heard.
 */
export interface RecoveryEventSeen {
  at: Date;
  detailType: string;
  detail: Record<string, unknown>;
}

export interface NotificationSeen {
  at: Date;
  subject?: string;
  message: string;
}

export class Observers {
  readonly events: RecoveryEventSeen[] = [];
  readonly notifications: NotificationSeen[] = [];
  private auditQueueUrl = '';

  constructor(
    private readonly c: Clients,
    private readonly d: Deployment,
  ) {}

  async install(): Promise<void> {
    const name = `drill-audit-${this.d.stage}`;
    this.auditQueueUrl = (await this.c.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    await this.c.events.send(
      new PutRuleCommand({ Name: name, EventBusName: this.d.busName, EventPattern: JSON.stringify({ source: [RECOVERY_SOURCE] }), State: 'ENABLED' }),
    );
    await this.c.events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: this.d.busName,
        Targets: [{ Id: 'drill-audit', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, InputTransformer: { InputTemplate: '<aws.events.event.json>' } }],
      }),
    );
  }

  /** Reads whatever arrived since the last call; returns how many new items. */
  async poll(): Promise<number> {
    let n = 0;
    for (const body of await this.drain(this.auditQueueUrl)) {
      const e = JSON.parse(body) as { 'detail-type': string; detail: Record<string, unknown> };
      this.events.push({ at: new Date(), detailType: e['detail-type'], detail: e.detail });
      n++;
    }
    for (const body of await this.drain(this.d.notificationQueueUrl)) {
      const m = JSON.parse(body) as { Subject?: string; Message: string };
      this.notifications.push({ at: new Date(), subject: m.Subject, message: m.Message });
      n++;
    }
    return n;
  }

  /** Empties the stack's dead-letter queues / failure destinations; returns what was parked there. */
  async drainDeadLetters(): Promise<{ queue: string; bodies: string[] }[]> {
    const out: { queue: string; bodies: string[] }[] = [];
    for (const d of this.d.deadLetters) {
      const bodies = await this.drain(d.url);
      if (bodies.length) out.push({ queue: d.name, bodies });
    }
    return out;
  }

  private async drain(queueUrl: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const out = await this.c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      const msgs = out.Messages ?? [];
      if (msgs.length === 0) return bodies;
      bodies.push(...msgs.map((m) => m.Body ?? ''));
      await this.c.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      );
    }
  }
}
