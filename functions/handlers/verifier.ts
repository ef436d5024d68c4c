/**
 * Verify queue consumer: after the playbook's verifyAfterSeconds, re-read the alarm.
 *   OK                -> `Remediation Verified`, the incident's group slot released;
 *   ALARM             -> next rung (`Remediation Requested`) or, ladder exhausted, `Remediation Escalated`;
 *   INSUFFICIENT_DATA -> no automated step on a guess: the message is handed back to SQS
 *                        (checked again after the visibility timeout) up to MAX_RECEIVES times,
 *                        then humans are paged (`Remediation Escalated`, no further rung);
 *   alarm missing     -> rejected (not this stack's alarm, or no longer protected): recorded, nobody paged;
 *   alert state gone  -> `Remediation Escalated` (cannot verify).
 * Messages that are malformed, foreign, or whose incident has no recorded action are rejected (kept once in the
 * ledger, deleted from the queue, nobody paged); one whose action record is not there yet comes back (MAX_RECEIVES).
 */

import * as z from 'zod/mini';
import { DETAIL_TYPES, type RecoveryEventDetail } from '../contracts/recovery-event';
import { RUNGS, type RungName } from '../contracts/rungs';
import { releaseSlot } from '../guards/group-cap';
import { readMode } from '../guards/kill-switch';
import { loadEnv, type RuntimeEnv } from '../runtime/env';
import { escalate } from '../runtime/ladder';
import { logger, withLambdaContext } from '../runtime/logger';
import { recordOutcome } from '../runtime/metrics';
import { recordAndAnnounce } from '../runtime/recorder';
import { resolveResource } from '../runtime/resource';
import { faultState, isAlarm } from '../runtime/fault';
import { pageHumans } from '../runtime/paging';
import { VerificationMessage } from '../runtime/verification';
import { shown } from '../runtime/printable';
import { documentClient } from '../runtime/sdk';
import { MAX_DELIVERY_AGE_MS, timeProblem } from '../runtime/provenance';
import { reject } from '../runtime/rejection';
import { checkEnvelope, InvalidRequest, judgeRequest } from '../runtime/request';
import { describeIssues } from '../runtime/validation';
import { alarmNamePrefix } from '../contracts/naming';

const SqsEvent = z.object({
  Records: z
    .array(
      z.object({
        messageId: z.string(),
        body: z.string(),
        attributes: z.optional(z.object({ ApproximateReceiveCount: z.optional(z.string()) })),
      }),
    )
    .check(z.minLength(1)),
});

export const MAX_RECEIVES = 3;
const log = logger('verifier');
let env: Pick<RuntimeEnv, 'stage' | 'account' | 'region' | 'ledgerTable' | 'eventBus' | 'modeParameter' | 'modeCacheSeconds'> | undefined;

export async function handler(event: unknown, context?: unknown): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  withLambdaContext(log, context);
  env ??= loadEnv(['stage', 'account', 'region', 'ledgerTable', 'eventBus', 'modeParameter']) as NonNullable<typeof env>;
  const parsed = SqsEvent.safeParse(event);
  if (!parsed.success) throw new Error(`verifier expects an SQS event with Records: ${describeIssues(parsed.error.issues, event, { prefix: 'event' })}`);
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of parsed.data.Records) {
    try {
      const done = await verify(env, record.body, Number(record.attributes?.ApproximateReceiveCount ?? '1'));
      if (!done) failures.push({ itemIdentifier: record.messageId });
    } catch (e) {
      log.error('verification failed', { messageId: record.messageId, error: (e as Error).message });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

/**
 * The message as the verifier acts on it, or InvalidRequest naming why it is not
 * one of this stack's: as strict as the actions are with their requests (same
 * request checks, any rung), and `actedAt` a real time within the verification's
 * window (its delay, then SQS's redeliveries, bounded like any delivery).
 */
function parseMessage(e: NonNullable<typeof env>, body: string, read: JsonRead, now: number): VerificationMessage {
  if (!read.json) throw new InvalidRequest(`body: expected JSON, got ${shown(body)}`);
  const json = read.value;
  checkEnvelope(json, 'body');
  const parsed = VerificationMessage.safeParse(json);
  if (!parsed.success) throw new InvalidRequest(`invalid verification message: ${describeIssues(parsed.error.issues, json, { prefix: 'body' })}`);
  const msg = parsed.data;
  judgeRequest(msg.request, 'verifier', { stage: e.stage, own: { account: e.account, region: e.region }, now });
  const acted = timeProblem('body.actedAt', msg.actedAt, now, msg.request.playbook.verifyAfterSeconds * 1000 + MAX_DELIVERY_AGE_MS);
  if (acted) throw new InvalidRequest(`not this stack's verification: ${acted}`);
  resolveResource(msg.request.event);
  if (msg.successorAlarm !== undefined) {
    const prefix = alarmNamePrefix(e.stage, msg.request.playbook.name);
    if (!isAlarm(msg.request.event) || !msg.successorAlarm.startsWith(prefix)) {
      throw new InvalidRequest(`body.successorAlarm: expected an alarm of playbook ${msg.request.playbook.name} (${prefix}...) for an alarm fault, got ${shown(msg.successorAlarm)}`);
    }
  }
  return msg;
}

/** Whether the incident's ledger holds the action's Succeeded record for `rung` (strongly consistent). */
async function actedAt(table: string, incidentId: string, rung: number): Promise<boolean> {
  const { client, sdk } = await documentClient();
  const out = await client.send(
    new sdk.QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'detailType = :succeeded AND rung = :rung',
      ExpressionAttributeValues: { ':pk': `incident#${incidentId}`, ':succeeded': DETAIL_TYPES.succeeded, ':rung': rung },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).length > 0;
}

/** The body read once: its JSON value, or the text itself when it is not JSON (kept as such when rejected). */
type JsonRead = { json: true; value: unknown } | { json: false; value: string };

function readJson(body: string): JsonRead {
  try {
    return { json: true, value: JSON.parse(body) };
  } catch {
    return { json: false, value: body };
  }
}

/** Returns false when the message should come back later. */
async function verify(e: NonNullable<typeof env>, body: string, receiveCount: number): Promise<boolean> {
  const started = Date.now();
  const read = readJson(body);
  let msg: VerificationMessage;
  try {
    msg = parseMessage(e, body, read, started);
  } catch (err) {
    if (!(err instanceof InvalidRequest)) throw err;
    // Not ours: nothing verified, nobody paged; logged, counted and kept once; the message is deleted.
    await reject({ fn: 'verifier', table: e.ledgerTable, raw: read.value, reason: err.message });
    return true;
  }
  const { request } = msg;
  const incidentId = request.incidentId!;
  // Only an action of this stack asks for a verification, after recording that it acted: a message
  // whose incident has no such record was not sent by one. The two are sent together, so a message may
  // arrive first: it comes back (MAX_RECEIVES) before it is refused.
  if (!(await actedAt(e.ledgerTable, incidentId, request.rung))) {
    if (receiveCount < MAX_RECEIVES) {
      log.info('no action recorded yet for this verification; checking again later', { incidentId, rung: request.rung, receiveCount });
      return false;
    }
    const why = `incident ${incidentId} has no ${DETAIL_TYPES.succeeded} record at rung ${request.rung} after ${receiveCount} receives: not a verification of this stack's action; nothing verified, nobody paged`;
    await reject({ fn: 'verifier', table: e.ledgerTable, raw: read.value, reason: why });
    return true;
  }
  // The alarm as CloudWatch reports it, or the alert as the webhook last recorded it (functions/runtime/fault.ts).
  // After a successor took the faulted resource's place, its alarm is the one that says whether the fix held.
  // (Gone since, e.g. deleted by hand: the fault's own alarm is read, as before successors were watched.)
  const watched = msg.successorAlarm && isAlarm(request.event) ? { ...request.event, detail: { ...request.event.detail, alarmName: msg.successorAlarm } } : undefined;
  const successor = watched && (await faultState(e.ledgerTable, watched));
  const fault = successor?.state !== undefined ? successor : await faultState(e.ledgerTable, request.event);
  const state = fault.state;
  if (state === undefined && isAlarm(request.event)) {
    // An action of this stack only acts on an alarm it has read in ALARM: a message naming an alarm the
    // account does not have is not a verification of ours (or its target was removed from the stack).
    await reject({ fn: 'verifier', table: e.ledgerTable, raw: read.value, reason: `${fault.label} does not exist (${fault.reason ?? 'not found'}): not a fault of this stack; nothing verified, nobody paged` });
    return true;
  }
  const alarmName = fault.label.replace(/^alarm /, '');
  const { mode } = await readMode(e.modeParameter, e.modeCacheSeconds);
  const resource = msg.resource ?? resolveResource(request.event);
  const base: RecoveryEventDetail = {
    incidentId,
    stage: e.stage,
    playbook: request.playbook.name,
    rung: request.rung,
    action: RUNGS[request.playbook.ladder[request.rung] as RungName].action,
    resource,
    mode,
    at: new Date().toISOString(),
    evidence: { alarmState: state ?? 'missing', alarmReason: fault.reason, actedAt: msg.actedAt },
  };
  const metric = (outcome: 'verified' | 'escalated' | 'requested') =>
    recordOutcome('verifier', { outcome, action: base.action, playbook: base.playbook, durationMs: Date.now() - started });

  if (state === 'OK') {
    const detail = { ...base, reason: `${fault.label} is OK after rung ${request.rung} (${request.playbook.ladder[request.rung]})` };
    await recordAndAnnounce(e, DETAIL_TYPES.verified, detail);
    if (resource.group && resource.group !== 'standalone') await releaseSlot(e.ledgerTable, resource.group, incidentId);
    log.info('remediation verified', { incidentId });
    metric('verified');
    return true;
  }
  if (state === 'ALARM') {
    const next = await escalate(e, request, base, `${fault.label} still ALARM after rung ${request.rung} (${request.playbook.ladder[request.rung]})`);
    metric(next);
    return true;
  }
  if (state === 'INSUFFICIENT_DATA' && receiveCount < MAX_RECEIVES) {
    log.info('alarm has insufficient data; checking again later', { alarmName, receiveCount });
    return false;
  }
  // INSUFFICIENT_DATA for good, or the alarm is gone: cannot tell whether the fix worked. Page, do not guess.
  const why = state === 'INSUFFICIENT_DATA' ? `${fault.label} still has insufficient data after ${receiveCount} checks` : `${fault.label} no longer exists (${fault.reason ?? 'not found'})`;
  const detail = { ...base, reason: `${why}: cannot verify rung ${request.rung}; paging humans instead of acting further` };
  // Filed under the alarm and the alarm re-read after paging: its recovery resolves the page however they interleave.
  await pageHumans(e, request.event, detail);
  if (resource.group && resource.group !== 'standalone') await releaseSlot(e.ledgerTable, resource.group, incidentId);
  metric('escalated');
  return true;
}
