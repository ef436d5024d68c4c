import { createHash } from 'node:crypto';
import { AUDIT_RETENTION_DAYS, ttl } from './ledger';
import { logger } from './logger';
import { recordRejection } from './metrics';
import { printable, printableDeep } from './printable';
import { documentClient } from './sdk';

/**
 * An input that is malformed, foreign or not this stack's fault: nothing is
 * done about it and nobody is paged, but it is never silently dropped. It is
 * logged (with the event id, the fault's name and the function), counted
 * (metric `Rejections`, dimension `function`), and kept once in the ledger:
 *
 *   rejected#<function> / <day>#<sha256 of the input, 16 hex>
 *
 * with the reason, the envelope's claims and the input itself (JSON, the first
 * 200,000 bytes: DynamoDB items hold at most 400 KB, counted in UTF-8 bytes), for 90 days. The key is the input's hash: Lambda's
 * retries and EventBridge's redeliveries of one input leave one record. The
 * input is then acknowledged (not retried into a dead-letter queue): the same
 * input would be rejected again, and the record holds it.
 */
export interface Rejection {
  outcome: 'rejected';
  reason: string;
  /** No incident is opened for a rejected input. */
  incidentId?: undefined;
}

const KEPT_BYTES = 200_000;

/** The claims a log line and the record name, whatever shape the input has (strings only, printable, short). */
function claims(raw: unknown): Record<string, string> {
  const o = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  // An action's envelope carries the event; a verification message carries request.event.
  const inner = (o.event ?? (o.request as Record<string, unknown> | undefined)?.event ?? o) as Record<string, unknown> | null;
  const ev = inner !== null && typeof inner === 'object' ? inner : {};
  const detail = (ev.detail ?? {}) as Record<string, unknown>;
  const pick = {
    eventId: ev.id,
    source: ev.source,
    detailType: ev['detail-type'],
    account: ev.account,
    region: ev.region,
    alarmName: detail.alarmName,
    alertName: detail.alertName,
    playbook: typeof o.playbook === 'object' && o.playbook ? (o.playbook as Record<string, unknown>).name : detail.playbook,
  };
  return Object.fromEntries(
    Object.entries(pick)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => [k, printable(v as string).slice(0, 256)]),
  );
}

/**
 * The longest start of `s` within `max` UTF-8 bytes, cut between characters: an input of multibyte
 * characters may be far fewer characters than bytes.
 */
function firstBytes(s: string, max: number): string {
  const buf = Buffer.from(s, 'utf8');
  let end = max;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--; // not inside a character's continuation bytes
  return buf.subarray(0, end).toString('utf8');
}

export async function reject(o: { fn: string; table: string | undefined; raw: unknown; reason: string }): Promise<Rejection> {
  const reason = printable(o.reason).slice(0, 4000);
  const said = claims(o.raw);
  logger(o.fn).warn('rejected: not acted on, nobody paged', { reason, function: o.fn, ...said });
  recordRejection(o.fn);
  if (o.table) {
    let body: string;
    try {
      body = JSON.stringify(o.raw) ?? String(o.raw);
    } catch {
      body = String(o.raw);
    }
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const bytes = Buffer.byteLength(body, 'utf8');
    const at = new Date().toISOString();
    const { client, sdk } = await documentClient();
    await client
      .send(
        new sdk.PutCommand({
          TableName: o.table,
          Item: printableDeep({
            pk: `rejected#${o.fn}`,
            sk: `${at.slice(0, 10)}#${hash}`,
            at,
            function: o.fn,
            reason,
            ...said,
            input: bytes > KEPT_BYTES ? firstBytes(body, KEPT_BYTES) : body,
            inputBytes: bytes,
            inputTruncated: bytes > KEPT_BYTES,
            expiresAt: ttl(AUDIT_RETENTION_DAYS * 86400),
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((e: unknown) => {
        if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
      });
  }
  return { outcome: 'rejected', reason };
}
