import * as z from 'zod/mini';
import { DETAIL_TYPES, type RecoveryEventDetail } from '../contracts/recovery-event';
import { RUNGS, type RungName } from '../contracts/rungs';
import { releaseSlot } from '../guards/group-cap';
import { readMode } from '../guards/kill-switch';
import { loadEnv, type RuntimeEnv } from '../runtime/env';
import { escalate } from '../runtime/ladder';
import { recordDecision } from '../runtime/ledger';
import { logger } from '../runtime/logger';
import { recordOutcome } from '../runtime/metrics';
import { putRecoveryEvent } from '../runtime/recovery-events';
import { resolveResource } from '../runtime/resource';
import { faultState } from '../runtime/fault';
import { pageHumans } from '../runtime/paging';
import { VerificationMessage } from '../runtime/verification';

/**
 * Verify queue consumer: after the playbook's verifyAfterSeconds, re-read the alarm.
 *   OK                -> `Remediation Verified`, the incident's group slot released;
 *   ALARM             -> next rung (`Remediation Requested`) or, ladder exhausted, `Remediation Escalated`;
 *   INSUFFICIENT_DATA -> no automated step on a guess: the message is handed back to SQS
 *                        (checked again after the visibility timeout) up to MAX_RECEIVES times,
 *                        then humans are paged (`Remediation Escalated`, no further rung);
 *   alarm missing     -> `Remediation Escalated` (cannot verify).
 * Malformed messages are reported as batch item failures, so SQS moves them to the DLQ.
 */
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
let env: Pick<RuntimeEnv, 'stage' | 'ledgerTable' | 'eventBus' | 'modeParameter' | 'modeCacheSeconds'> | undefined;

export async function handler(event: unknown): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  env ??= loadEnv(['stage', 'ledgerTable', 'eventBus', 'modeParameter']) as NonNullable<typeof env>;
  const parsed = SqsEvent.safeParse(event);
  if (!parsed.success) throw new Error(`verifier expects an SQS event with Records: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
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

/** Returns false when the message should come back later. */
async function verify(e: NonNullable<typeof env>, body: string, receiveCount: number): Promise<boolean> {
  const started = Date.now();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON');
  }
  const msg = VerificationMessage.parse(json);
  const { request } = msg;
  if (!request.incidentId) throw new Error('verification message without request.incidentId');
  // The alarm as CloudWatch reports it, or the alert as the webhook last recorded it (functions/runtime/fault.ts).
  const fault = await faultState(e.ledgerTable, request.event);
  const state = fault.state;
  const alarmName = fault.label.replace(/^alarm /, '');
  const { mode } = await readMode(e.modeParameter, e.modeCacheSeconds);
  const resource = msg.resource ?? resolveResource(request.event);
  const base: RecoveryEventDetail = {
    incidentId: request.incidentId,
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
    await putRecoveryEvent(e.eventBus, DETAIL_TYPES.verified, detail);
    await recordDecision(e.ledgerTable, DETAIL_TYPES.verified, detail);
    if (resource.group && resource.group !== 'standalone') await releaseSlot(e.ledgerTable, resource.group, request.incidentId);
    log.info('remediation verified', { incidentId: request.incidentId });
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
  if (resource.group && resource.group !== 'standalone') await releaseSlot(e.ledgerTable, resource.group, request.incidentId);
  metric('escalated');
  return true;
}
