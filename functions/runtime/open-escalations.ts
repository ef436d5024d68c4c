import type { RecoveryEventDetail } from '../contracts/recovery-event';
import { AUDIT_RETENTION_DAYS, conditionalWrite, isConditionFailure, ttl } from './ledger';
import { printableDeep } from './printable';
import { documentClient } from './sdk';

/**
 * Incidents handed to humans, findable by their fault. The audit records are
 * keyed by incident (`incident#<id>`), but the fault's recovery (alarm OK,
 * alert resolved) only names the fault; so every escalation also writes
 *   fault#<fault name>  /  escalation#<incidentId>
 * holding the escalation's detail and the fault's start. Its life:
 *   pending  -> claimed by the function paging (written before the page is sent:
 *               one delivery pages)
 *   open     -> the page was sent (`Remediation Escalated` is on the bus) and
 *               counted in: the next resolve of this record covers it
 *   cleared-while-pending
 *            -> the fault cleared while the record was pending: the notifier
 *               sent `Remediation Resolved` not knowing whether the page was
 *               out yet; a paging function that finds this status after its
 *               page resolves again (lateTriggers / lateCovered below)
 *   resolved -> `Remediation Resolved` was sent after the page (same incident id = dedup key)
 * A page sent after a resolve was claimed (the record no longer pending or
 * open) is counted in lateTriggers; the claim that covers it sets lateCovered
 * to the count it saw and puts `Remediation Resolved` after that write
 * (functions/runtime/paging.ts argues why that is enough). Reads are strongly
 * consistent: the paging function and the notifier each write, then read
 * what the other wrote.
 */
export interface FaultRef {
  /** Alarm name (or `alertmanager/<alertname>/<fingerprint>`): functions/runtime/fault.ts faultName. */
  name: string;
  /** When the fault began (alarm state timestamp / alert startsAt). */
  startedAt: string;
}

export type EscalationStatus = 'pending' | 'open' | 'cleared-while-pending' | 'resolved';

export interface OpenEscalation {
  incidentId: string;
  faultName: string;
  faultStartedAt: string;
  status: EscalationStatus;
  escalatedAt: string;
  /** The escalation's recovery event detail (what the channels were paged with). */
  detail: RecoveryEventDetail;
  /** When the notifier resolved it while it was still pending (status `cleared-while-pending`, or `resolved` after it). */
  pendingClearedAt?: string;
  /** Pages sent (or deliveries that may follow one) after a resolve was claimed: each needs a Resolved after it. */
  lateTriggers?: number;
  /** lateTriggers as the last covering claim saw it: those were resolved after their page. */
  lateCovered?: number;
  resolvedAt?: string;
  resolution?: string;
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
        Item: printableDeep({ ...key(fault.name, detail.incidentId), ...item, expiresAt: ttl(AUDIT_RETENTION_DAYS * 86400) }),
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
 * when a concurrent delivery that could not page withdrew its claim meanwhile;
 * an `open` one stays open). True: the page is counted in, and whoever
 * resolves this record later resolves it after the page. False: the record
 * was already `cleared-while-pending` or `resolved`: its resolve may have gone
 * out before this page, so the caller must resolve again (resolveLate in
 * functions/runtime/paging.ts).
 */
export async function markOpen(table: string, fault: FaultRef, detail: RecoveryEventDetail): Promise<boolean> {
  const { client, sdk } = await documentClient();
  return conditionalWrite(
    client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(fault.name, detail.incidentId),
        UpdateExpression:
          'SET #s = :open, incidentId = if_not_exists(incidentId, :id), faultName = if_not_exists(faultName, :fn), faultStartedAt = if_not_exists(faultStartedAt, :fs), ' +
          'escalatedAt = if_not_exists(escalatedAt, :at), #d = if_not_exists(#d, :detail), expiresAt = if_not_exists(expiresAt, :exp)',
        ConditionExpression: 'attribute_not_exists(pk) OR #s = :pending OR #s = :open',
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

/** Undoes recordEscalation when the page it stood for could not be sent (so a retry pages); only while still pending. */
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

/** A resolver's status change, and the attribute that stamps when it was made. */
interface StatusClaim {
  from: EscalationStatus;
  to: EscalationStatus;
  stamp: 'resolvedAt' | 'pendingClearedAt';
}

/**
 * A resolver's claim: conditional `from` -> `to`, stamped with when (`stamp`)
 * and why, so of concurrent resolvers exactly one wins and sends the resolve.
 * False when the record was not `from` (someone else got there first).
 */
async function claimStatus(
  table: string,
  faultName: string,
  incidentId: string,
  change: StatusClaim,
  at: string,
  reason: string,
): Promise<boolean> {
  const { client, sdk } = await documentClient();
  return conditionalWrite(
    client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(faultName, incidentId),
        UpdateExpression: `SET #s = :to, ${change.stamp} = :at, resolution = :why`,
        ConditionExpression: '#s = :from',
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: { ':to': change.to, ':from': change.from, ':at': at, ':why': reason },
      }),
    ),
  );
}

/** Gives a claim back when its resolve could not be put (so a redelivery claims and resolves again). */
async function unclaimStatus(table: string, faultName: string, incidentId: string, change: StatusClaim): Promise<void> {
  const { client, sdk } = await documentClient();
  await client.send(
    new sdk.UpdateCommand({
      TableName: table,
      Key: key(faultName, incidentId),
      UpdateExpression: `SET #s = :from REMOVE ${change.stamp}, resolution`,
      ConditionExpression: '#s = :to',
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: { ':to': change.to, ':from': change.from },
    }),
  );
}

const RESOLVE: StatusClaim = { from: 'open', to: 'resolved', stamp: 'resolvedAt' };
const CLEAR_PENDING: StatusClaim = { from: 'pending', to: 'cleared-while-pending', stamp: 'pendingClearedAt' };

/**
 * Marks an open escalation resolved (conditional: only `open` -> `resolved`).
 * Returns false when it was not open (pending, or a concurrent or earlier resolution).
 */
export function markResolved(table: string, faultName: string, incidentId: string, resolvedAt: string, reason: string): Promise<boolean> {
  return claimStatus(table, faultName, incidentId, RESOLVE, resolvedAt, reason);
}

/** Undoes markResolved when the resolve event could not be put (so a redelivery resolves again). */
export function reopen(table: string, faultName: string, incidentId: string): Promise<void> {
  return unclaimStatus(table, faultName, incidentId, RESOLVE);
}

/**
 * The fault cleared while the record was pending (the page may or may not be
 * out): conditional pending -> cleared-while-pending, so one resolver sends
 * the resolve. False when it was no longer pending.
 */
export function clearPending(table: string, faultName: string, incidentId: string, clearedAt: string, reason: string): Promise<boolean> {
  return claimStatus(table, faultName, incidentId, CLEAR_PENDING, clearedAt, reason);
}

/** Undoes clearPending when its resolve could not be put (so a redelivery resolves again). */
export function unclearPending(table: string, faultName: string, incidentId: string): Promise<void> {
  return unclaimStatus(table, faultName, incidentId, CLEAR_PENDING);
}

/**
 * Counts one page sent (or possibly sent, by a delivery that died) after a
 * resolve of this record was claimed: it needs a resolve after it.
 */
export async function countLateTrigger(table: string, faultName: string, incidentId: string): Promise<void> {
  const { client, sdk } = await documentClient();
  await client.send(
    new sdk.UpdateCommand({
      TableName: table,
      Key: key(faultName, incidentId),
      UpdateExpression: 'ADD lateTriggers :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/**
 * Claims the resolve of every late page counted so far (lateCovered =
 * lateTriggers, status resolved), if one is not covered yet. Returns the
 * record as it was before the claim (for the undo), or undefined when another
 * claim, made after all of them were counted, covers them already.
 */
export async function coverLate(table: string, faultName: string, incidentId: string, resolvedAt: string, reason: string): Promise<OpenEscalation | undefined> {
  const { client, sdk } = await documentClient();
  try {
    const out = await client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(faultName, incidentId),
        UpdateExpression: 'SET #s = :resolved, lateCovered = lateTriggers, resolvedAt = :at, resolution = :why',
        ConditionExpression: 'attribute_exists(lateTriggers) AND (attribute_not_exists(lateCovered) OR lateCovered < lateTriggers)',
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: { ':resolved': 'resolved', ':at': resolvedAt, ':why': reason },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes as OpenEscalation;
  } catch (e) {
    if (isConditionFailure(e)) return undefined;
    throw e;
  }
}

/** Undoes coverLate (`before` = what it returned) when its resolve could not be put, so a retry covers them again. */
export async function uncoverLate(table: string, before: OpenEscalation): Promise<void> {
  const { client, sdk } = await documentClient();
  const restore: string[] = ['#s = :status'];
  const remove: string[] = [];
  const values: Record<string, unknown> = { ':status': before.status, ':mine': before.lateTriggers };
  for (const [k, v] of [['lateCovered', before.lateCovered], ['resolvedAt', before.resolvedAt], ['resolution', before.resolution]] as const) {
    if (v === undefined) remove.push(k);
    else {
      restore.push(`${k} = :${k}`);
      values[`:${k}`] = v;
    }
  }
  await client.send(
    new sdk.UpdateCommand({
      TableName: table,
      Key: key(before.faultName, before.incidentId),
      UpdateExpression: `SET ${restore.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      // Only our claim: a later one covers our page anyway (it was counted before that claim).
      ConditionExpression: 'lateCovered = :mine',
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: values,
    }),
  );
}
