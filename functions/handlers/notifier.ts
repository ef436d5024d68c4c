import * as z from 'zod';
import { DETAIL_TYPES, NOTIFY_DETAIL_TYPES, RECOVERY_SOURCE, RecoveryEventDetail } from '../contracts/recovery-event';
import { RemediationRequest } from '../contracts/remediation-request';
import { loadEnv } from '../runtime/env';
import { logger } from '../runtime/logger';
import { sns } from '../runtime/sdk';
import { snsSubject } from '../runtime/sns-subject';
import { isAlert } from '../runtime/fault';

/**
 * Turns recovery events (the whole EventBridge event) into SNS messages: a
 * readable subject and the JSON detail. Also takes the RemediationRequest of
 * a notify-only playbook (empty ladder) and pages with the alarm.
 * `severity` (page | info) is a message attribute for subscription filters.
 */
const RecoveryEvent = z.object({
  source: z.literal(RECOVERY_SOURCE),
  'detail-type': z.enum(NOTIFY_DETAIL_TYPES as [string, ...string[]]),
  detail: RecoveryEventDetail,
  time: z.string().optional(),
});

const PAGE = new Set<string>([DETAIL_TYPES.escalated, DETAIL_TYPES.failed]);
const log = logger('notifier');

interface Message {
  subject: string;
  body: unknown;
  severity: 'page' | 'info';
}

function describe(event: unknown): Message {
  const asEvent = RecoveryEvent.safeParse(event);
  if (asEvent.success) {
    const { detail } = asEvent.data;
    const type = asEvent.data['detail-type'];
    return {
      subject: snsSubject(`[recovery ${detail.stage}] ${type}: ${detail.playbook} ${detail.resource.id}${detail.reason ? ` - ${detail.reason}` : ''}`),
      body: { detailType: type, ...detail },
      severity: PAGE.has(type) ? 'page' : 'info',
    };
  }
  const asRequest = RemediationRequest.safeParse(event);
  if (asRequest.success && asRequest.data.playbook.ladder.length === 0) {
    const r = asRequest.data;
    if (isAlert(r.event)) {
      const a = r.event.detail;
      return {
        subject: snsSubject(`[recovery] ALERT ${a.alertName} on ${a.deployment.id} (notify-only playbook ${r.playbook.name})`),
        body: { detailType: 'Alertmanager alert (notify-only playbook)', playbook: r.playbook.name, alert: a, region: r.event.region },
        severity: 'page',
      };
    }
    const ev = r.event;
    return {
      subject: snsSubject(`[recovery] ALARM ${ev.detail.alarmName} (notify-only playbook ${r.playbook.name})`),
      body: {
        detailType: 'Alarm (notify-only playbook)',
        playbook: r.playbook.name,
        alarmName: ev.detail.alarmName,
        state: ev.detail.state,
        region: ev.region,
        account: ev.account,
        metrics: ev.detail.configuration.metrics,
      },
      severity: 'page',
    };
  }
  const why = asRequest.success
    ? `playbook ${asRequest.data.playbook.name} has a ladder; its requests go to the action functions`
    : asEvent.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
  throw new Error(`notifier expects a recovery-stack event (${NOTIFY_DETAIL_TYPES.join(' | ')}) or a notify-only RemediationRequest: ${why}`);
}

let topicArn: string | undefined;

export async function handler(event: unknown): Promise<{ messageId?: string; subject: string }> {
  topicArn ??= loadEnv(['stage', 'topicArn']).topicArn;
  const m = describe(event);
  const { client, sdk } = await sns();
  const out = await client.send(
    new sdk.PublishCommand({
      TopicArn: topicArn,
      Subject: m.subject,
      Message: JSON.stringify(m.body, null, 2),
      MessageAttributes: { severity: { DataType: 'String', StringValue: m.severity } },
    }),
  );
  log.info('notified', { subject: m.subject, severity: m.severity, messageId: out.MessageId });
  return { messageId: out.MessageId, subject: m.subject };
}
