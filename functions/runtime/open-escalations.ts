import type { RecoveryEventDetail } from '../contracts/recovery-event';
import { AUDIT_RETENTION_DAYS, conditionalWrite, ttl } from './ledger';
import { documentClient } from './sdk';

/**
 * Incidents handed to humans, findable by their fault. The audit records are
 * keyed by incident (`incident#<id>`), but the fault's recovery (alarm OK,
 * alert resolved) only names the fault; so every escalation also writes
 *   fault#<fault name>  /  escalation#<incidentId>
 * holding the escalation's detail and the fault's start. Its life:
 *   pending  -> claimed by the function paging (written before the page is sent:
 *               one delivery pages; the notifier does not resolve it yet)
 *   open     -> the page was sent (`Remediation Escalated` is on the bus)
 *   resolved -> `Remediation Resolved` was sent for it (same incident id = dedup key)
 * Only `open` ones are resolved (functions/runtime/paging.ts): a resolve can
 * never be put before the trigger it resolves. Reads are strongly consistent:
 * the paging function and the notifier each write, then read what the other
 * wrote (paging.ts explains why that closes the race).
 */
export interface FaultRef {
  /** Alarm name (or `alertmanager/<alertname>/<fingerprint>`): functions/runtime/fault.ts faultName. */
  name: string;
  /** When the fault began (alarm state timestamp / alert startsAt). */
  startedAt: string;
}

export type EscalationStatus = 'pending' | 'open' | 'resolved';

export interface OpenEscalation {
  incidentId: string;
  faultName: string;
  faultStartedAt: string;
  status: EscalationStatus;
  escalatedAt: string;
  /** The escalation's recovery event detail (what the channels were paged with). */
  detail: RecoveryEventDetail;
}

const key = (faultName: string, incidentId: string) => ({ pk: `fault#${faultName}`, sk: `escalation#${incidentId}` });
const STATUS = { '#s': 'status' };

/**
 * Claims the page for `detail.incidentId` (status `pending`). Written once: a
 * redelivered escalation neither duplicates nor reopens it. Returns false when
 * the record already existed (escalationOf says in which state).
 */
export async function recordEscalation(table: string, fault: FaultRef, detail: RecoveryEventDetail): Promise<boolean> {
  const { client, sdk } = await documentClient();
  const item: OpenEscalation = { incidentId: detail.incidentId, faultName: fault.name, faultStartedAt: fault.startedAt, status: 'pending', escalatedAt: detail.at, detail };
  return conditionalWrite(
    client.send(
      new sdk.PutCommand({
        TableName: table,
        Item: { ...key(fault.name, detail.incidentId), ...item, expiresAt: ttl(AUDIT_RETENTION_DAYS * 86400) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** The escalation record of one incident (strongly consistent), if any. */
export async function escalationOf(table: string, faultName: string, incidentId: string): Promise<OpenEscalation | undefined> {
  const { client, sdk } = await documentClient();
  const out = await client.send(new sdk.GetCommand({ TableName: table, Key: key(faultName, incidentId), ConsistentRead: true }));
  return out.Item as OpenEscalation | undefined;
}

/**
 * The page was sent: the record is `open` (from `pending`, or written afresh
 * when a concurrent delivery that could not page withdrew its claim meanwhile:
 * a page that is out always has an open record). Never touches a record that
 * is already open or resolved.
 */
export async function markOpen(table: string, fault: FaultRef, detail: RecoveryEventDetail): Promise<void> {
  const { client, sdk } = await documentClient();
  await conditionalWrite(
    client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(fault.name, detail.incidentId),
        UpdateExpression:
          'SET #s = :open, incidentId = if_not_exists(incidentId, :id), faultName = if_not_exists(faultName, :fn), faultStartedAt = if_not_exists(faultStartedAt, :fs), ' +
          'escalatedAt = if_not_exists(escalatedAt, :at), #d = if_not_exists(#d, :detail), expiresAt = if_not_exists(expiresAt, :exp)',
        ConditionExpression: 'attribute_not_exists(pk) OR #s = :pending',
        ExpressionAttributeNames: { ...STATUS, '#d': 'detail' },
        ExpressionAttributeValues: {
          ':open': 'open',
          ':pending': 'pending',
          ':id': detail.incidentId,
          ':fn': fault.name,
          ':fs': fault.startedAt,
          ':at': detail.at,
          ':detail': detail,
          ':exp': ttl(AUDIT_RETENTION_DAYS * 86400),
        },
      }),
    ),
  );
}

/** Undoes recordEscalation when the page it stood for could not be sent (so a retry pages). */
export async function forgetEscalation(table: string, faultName: string, incidentId: string): Promise<void> {
  const { client, sdk } = await documentClient();
  await client.send(
    new sdk.DeleteCommand({ TableName: table, Key: key(faultName, incidentId), ConditionExpression: '#s = :pending', ExpressionAttributeNames: STATUS, ExpressionAttributeValues: { ':pending': 'pending' } }),
  );
}

/** Every escalation recorded for the fault (any status), oldest incident first; strongly consistent. */
export async function escalationsOf(table: string, faultName: string): Promise<OpenEscalation[]> {
  const { client, sdk } = await documentClient();
  const out: OpenEscalation[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new sdk.QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': `fault#${faultName}`, ':sk': 'escalation#' },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    out.push(...((page.Items ?? []) as OpenEscalation[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return out.sort((a, b) => a.faultStartedAt.localeCompare(b.faultStartedAt));
}

/**
 * Marks an open escalation resolved (conditional: only `open` -> `resolved`).
 * Returns false when it was not open (pending, or a concurrent or earlier resolution).
 */
export async function markResolved(table: string, faultName: string, incidentId: string, resolvedAt: string, reason: string): Promise<boolean> {
  const { client, sdk } = await documentClient();
  return conditionalWrite(
    client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(faultName, incidentId),
        UpdateExpression: 'SET #s = :resolved, resolvedAt = :at, resolution = :why',
        ConditionExpression: '#s = :open',
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open', ':at': resolvedAt, ':why': reason },
      }),
    ),
  );
}

/** Undoes markResolved when the resolve event could not be put (so a redelivery resolves again). */
export async function reopen(table: string, faultName: string, incidentId: string): Promise<void> {
  const { client, sdk } = await documentClient();
  await client.send(
    new sdk.UpdateCommand({
      TableName: table,
      Key: key(faultName, incidentId),
      UpdateExpression: 'SET #s = :open REMOVE resolvedAt, resolution',
      ConditionExpression: '#s = :resolved',
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open' },
    }),
  );
}
