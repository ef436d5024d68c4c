import { createHash, timingSafeEqual } from 'node:crypto';
import { ALERT_DETAIL_TYPE, AlertmanagerWebhook, type AlertDetail } from '../contracts/alertmanager';
import { ENV } from '../contracts/env';
import { RECOVERY_SOURCE } from '../contracts/recovery-event';
import { normalizeAlert } from '../kubernetes/alert-normalize';
import { loadEnv } from '../runtime/env';
import { AUDIT_RETENTION_DAYS, conditionalWrite, ttl } from '../runtime/ledger';
import { describeIssues } from '../runtime/validation';
import { logger, withLambdaContext } from '../runtime/logger';
import { documentClient, events, ssm } from '../runtime/sdk';

/**
 * Lambda function URL (auth type NONE: Alertmanager cannot sign SigV4) that
 * takes Alertmanager's webhook (version 4). Authentication happens here:
 * `Authorization: Bearer <secret>` (Alertmanager http_config.authorization)
 * compared in constant time with the SecureString parameter infra/ fills
 * from a Pulumi secret. Then the payload is validated; every alert becomes a
 * normalized `Alertmanager Alert` event on the recovery bus, where a playbook
 * rule routes firing ones to the first rung exactly like alarms (a notify-only
 * playbook's to the notifier, which pages humans). Resolved
 * alerts are recorded in the ledger (alert#<fingerprint>), where the verifier
 * can see that an incident's alert cleared, and the rule
 * `recovery-<stage>-alert-resolved` hands them to the notifier, which resolves
 * the pages of incidents escalated for that alert (as an alarm's OK does).
 * Bad requests get a 4xx with the reason and cause no action.
 */
const log = logger('alertmanager-webhook');
export const MAX_BODY_BYTES = 256 * 1024;
const SECRET_CACHE_MS = 60_000;

export interface FunctionUrlEvent {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string } };
}
export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let cached: { value: string; at: number; name: string } | undefined;
async function secret(name: string): Promise<string> {
  if (cached && cached.name === name && Date.now() - cached.at < SECRET_CACHE_MS) return cached.value;
  const { client, sdk } = await ssm();
  const out = await client.send(new sdk.GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = out.Parameter?.Value;
  if (!value || value.length < 16) throw new Error(`webhook secret ${name} is missing or shorter than 16 characters`);
  cached = { value, at: Date.now(), name };
  return value;
}

/** Constant-time: digests have equal length whatever was sent, so timingSafeEqual never short-circuits on length. */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  const got = createHash('sha256').update(m ? m[1] : '').digest();
  const want = createHash('sha256').update(expected).digest();
  return timingSafeEqual(got, want) && m !== null;
}

const reply = (statusCode: number, body: Record<string, unknown>): FunctionUrlResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export async function handler(event: FunctionUrlEvent, context?: unknown): Promise<FunctionUrlResult> {
  withLambdaContext(log, context);
  const env = loadEnv(['stage', 'eventBus', 'ledgerTable']);
  const parameter = process.env[ENV.webhookSecretParameter];
  if (!parameter) throw new Error(`${ENV.webhookSecretParameter} is not set`);
  const method = event.requestContext?.http?.method ?? 'POST';
  if (method !== 'POST') return reply(405, { error: `method ${method} not allowed; Alertmanager POSTs` });
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  // Authenticate before reading the body: an unauthenticated caller learns nothing about its shape.
  if (!bearerMatches(headers.authorization, await secret(parameter))) {
    log.warn('webhook rejected: bad or missing bearer token');
    return reply(401, { error: 'missing or wrong bearer token' });
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
  if (raw.length > MAX_BODY_BYTES) return reply(413, { error: `payload is ${raw.length} bytes; the limit is ${MAX_BODY_BYTES}` });
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return reply(400, { error: 'body is not JSON' });
  }
  const parsed = AlertmanagerWebhook.safeParse(json);
  if (!parsed.success) {
    const reason = describeIssues(parsed.error.issues, json);
    log.warn('webhook rejected: invalid payload', { reason });
    return reply(422, { error: `not an Alertmanager version 4 webhook payload: ${reason}` });
  }
  const payload = parsed.data;
  const accepted: AlertDetail[] = [];
  const rejected: { fingerprint: string; reason: string }[] = [];
  for (const a of payload.alerts) {
    const n = normalizeAlert(a, payload);
    if ('reason' in n) rejected.push({ fingerprint: a.fingerprint, reason: n.reason });
    else accepted.push(n.detail);
  }
  if (accepted.length === 0) return reply(422, { error: 'no alert in the payload can be routed', rejected });

  // State first, events after: a function paging for this alert re-reads the state right after its page,
  // so a resolution the notifier hears is always visible there too (functions/runtime/paging.ts).
  const stale = await recordAlertStates(env.ledgerTable, accepted);
  const current = accepted.filter((d) => !stale.includes(d));
  const failed = await putAlertEvents(env.eventBus, current);
  log.info('alerts ingested', {
    firing: current.filter((d) => d.status === 'firing').length,
    resolved: current.filter((d) => d.status === 'resolved').length,
    stale: stale.length,
    rejected: rejected.length,
    failed: failed.length,
  });
  // 5xx makes Alertmanager retry the whole group; the bus rules and actions are idempotent per alert.
  if (failed.length) return reply(502, { error: `recovery bus rejected ${failed.length} event(s)`, failed });
  return reply(202, {
    accepted: current.length,
    rejected,
    ...(stale.length ? { stale: stale.map((d) => ({ fingerprint: d.fingerprint, status: d.status, reason: 'older than the state already recorded for this alert; ignored' })) } : {}),
    truncatedAlerts: payload.truncatedAlerts,
  });
}

/**
 * Where an alert's notification stands in its life: the firing that started at
 * `startsAt`, then its resolution. Alertmanager retries and groups may deliver
 * them out of order; a later state never gives way to an earlier one.
 */
function alertOrder(d: AlertDetail): { startsAtMs: number; phase: number } {
  return { startsAtMs: Date.parse(d.startsAt), phase: d.status === 'resolved' ? 1 : 0 };
}

/**
 * Latest known state of each alert (the verifier and the action's re-read see
 * the alert resolved). Written only when newer than what is recorded (see
 * alertOrder): a delayed `firing` must not flip a resolved alert back, or an
 * action would run for a fault that has cleared. Returns the stale ones.
 */
async function recordAlertStates(table: string, details: AlertDetail[]): Promise<AlertDetail[]> {
  const { client, sdk } = await documentClient();
  const now = new Date().toISOString();
  const stale: AlertDetail[] = [];
  for (const d of details) {
    const order = alertOrder(d);
    const written = await conditionalWrite(
      client.send(
        new sdk.PutCommand({
          TableName: table,
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(#starts) OR #starts < :starts OR (#starts = :starts AND #phase <= :phase)',
          ExpressionAttributeNames: { '#starts': 'startsAtMs', '#phase': 'phase' },
          ExpressionAttributeValues: { ':starts': order.startsAtMs, ':phase': order.phase },
          Item: {
            ...order,
            pk: `alert#${d.fingerprint}`,
            sk: 'state',
            status: d.status,
            alertName: d.alertName,
            deployment: d.deployment.id,
            startsAt: d.startsAt,
            ...(d.endsAt ? { endsAt: d.endsAt } : {}),
            updatedAt: now,
            expiresAt: ttl(AUDIT_RETENTION_DAYS * 86400),
          },
        }),
      ),
    );
    if (!written) {
      log.info('stale alert notification ignored', { fingerprint: d.fingerprint, status: d.status, startsAt: d.startsAt });
      stale.push(d);
    }
  }
  return stale;
}

async function putAlertEvents(bus: string, details: AlertDetail[]): Promise<string[]> {
  const { client, sdk } = await events();
  const failed: string[] = [];
  for (let i = 0; i < details.length; i += 10) {
    const batch = details.slice(i, i + 10);
    const out = await client.send(
      new sdk.PutEventsCommand({
        Entries: batch.map((d) => ({ EventBusName: bus, Source: RECOVERY_SOURCE, DetailType: ALERT_DETAIL_TYPE, Resources: [], Detail: JSON.stringify(d) })),
      }),
    );
    out.Entries?.forEach((e, j) => e.ErrorCode && failed.push(`${batch[j].fingerprint}: ${e.ErrorCode}`));
  }
  return failed;
}
