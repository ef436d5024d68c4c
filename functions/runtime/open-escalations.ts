import type { RecoveryEventDetail } from '../contracts/recovery-event';
import { AUDIT_RETENTION_DAYS, conditionalWrite, ttl } from './ledger';
import { documentClient } from './sdk';

/**
 * Incidents handed to humans, findable by their fault. The audit records are
 * keyed by incident (`incident#<id>`), but the fault's OK transition only names
 * the alarm; so every escalation also writes
 *   fault#<alarm name>  /  escalation#<incidentId>
 * holding the escalation's detail and the fault's start. The notifier resolves
 * the still-open ones when the alarm is OK again (functions/handlers/notifier.ts),
 * with the same incident id the paging trigger used as dedup key / alias.
 */
export interface FaultRef {
  /** Alarm name (or `alertmanager/<alertname>/<fingerprint>`): functions/runtime/fault.ts faultName. */
  name: string;
  /** When the fault began (alarm state timestamp / alert startsAt). */
  startedAt: string;
}

export interface OpenEscalation {
  incidentId: string;
  faultName: string;
  faultStartedAt: string;
  status: 'open' | 'resolved';
  escalatedAt: string;
  /** The escalation's recovery event detail (what the channels were paged with). */
  detail: RecoveryEventDetail;
}

const key = (faultName: string, incidentId: string) => ({ pk: `fault#${faultName}`, sk: `escalation#${incidentId}` });

/**
 * Records that `detail.incidentId` was handed to humans. Written once: a
 * redelivered escalation neither duplicates nor reopens it. Returns false when
 * the record already existed (so callers that must page once can tell).
 */
export async function recordEscalation(table: string, fault: FaultRef, detail: RecoveryEventDetail): Promise<boolean> {
  const { client, sdk } = await documentClient();
  const item: OpenEscalation = { incidentId: detail.incidentId, faultName: fault.name, faultStartedAt: fault.startedAt, status: 'open', escalatedAt: detail.at, detail };
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

/** Undoes recordEscalation when the page it stood for could not be sent (so a retry pages). */
export async function forgetEscalation(table: string, faultName: string, incidentId: string): Promise<void> {
  const { client, sdk } = await documentClient();
  await client.send(new sdk.DeleteCommand({ TableName: table, Key: key(faultName, incidentId), ConditionExpression: '#s = :open', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':open': 'open' } }));
}

/** Every escalation recorded for the fault (open and resolved), oldest incident first. */
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
      }),
    );
    out.push(...((page.Items ?? []) as OpenEscalation[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return out.sort((a, b) => a.faultStartedAt.localeCompare(b.faultStartedAt));
}

/**
 * Marks an open escalation resolved (conditional: only `open` -> `resolved`).
 * Returns false when it was no longer open (a concurrent or earlier resolution).
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
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open', ':at': resolvedAt, ':why': reason },
      }),
    ),
  );
}

/** Undoes markResolved when the resolve event could not be put (so a redelivered OK event resolves again). */
export async function reopen(table: string, faultName: string, incidentId: string): Promise<void> {
  const { client, sdk } = await documentClient();
  await client.send(
    new sdk.UpdateCommand({
      TableName: table,
      Key: key(faultName, incidentId),
      UpdateExpression: 'SET #s = :open REMOVE resolvedAt, resolution',
      ConditionExpression: '#s = :resolved',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open' },
    }),
  );
}
