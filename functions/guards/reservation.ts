import { createHash } from 'node:crypto';
import { documentClient } from '../runtime/sdk';
import { allow, type Verdict } from './verdict';
import { firstAttemptOfDay, reserveAttempt, type AttemptRequest, type AttemptReservation } from './cooldown';
import { acquireSlot, capEvidence, takeSlot, type SlotRequest } from './group-cap';

/**
 * The attempt (cooldown.ts) and the group slot (group-cap.ts) reserved
 * together. On the common path, the resource's first attempt today and a
 * free slot in its group, both are one DynamoDB transaction: one round trip
 * instead of two, and all or nothing, so there is no attempt to give back
 * when the group is full.
 *
 * When the transaction is cancelled, its cancellation reasons say which
 * condition failed:
 * - only the slot's (the attempt would have been granted): the group is full,
 *   this incident already holds a slot (an escalation), or expired leases are
 *   to be swept. acquireSlot resolves that from a read; only once the slot is
 *   held is the attempt reserved (refused: the caller's skip releases the slot,
 *   as after any refused attempt). A full group costs no attempt.
 * - anything else (a later attempt today, a cooldown, a conflicting
 *   transaction): attempt, then slot, one by one as each guard does alone,
 *   the attempt given back if the slot is refused.
 * Either way each guard's reasons and evidence are its own, and the attempt is
 * judged before the slot, as in sequence. Dry-run and standalone resources
 * take the one-by-one path (nothing is written in dry-run; no slot standalone).
 */
export interface Reservation {
  attempt: AttemptReservation;
  /** Absent for standalone resources, and when the attempt was refused before the slot was asked for. */
  slot?: Verdict;
}

export async function reserve(o: AttemptRequest & Omit<SlotRequest, 'dryRun' | 'now' | 'incidentId' | 'guardrails' | 'table'>): Promise<Reservation> {
  const now = o.now ?? Date.now();
  const attempt: AttemptRequest = { table: o.table, resourceId: o.resourceId, incidentId: o.incidentId, guardrails: o.guardrails, dryRun: o.dryRun, now };
  const slot: SlotRequest = { table: o.table, group: o.group, groupSize: o.groupSize, incidentId: o.incidentId, guardrails: o.guardrails, dryRun: o.dryRun, leaseSeconds: o.leaseSeconds, now };
  if (o.group === 'standalone') return { attempt: await reserveAttempt(attempt) };
  if (o.dryRun) return inTurn(attempt, slot);
  const { client, sdk } = await documentClient();
  try {
    await client.send(
      new sdk.TransactWriteCommand({
        // Same token on the SDK's retries of this request: DynamoDB applies it once (a retry after a lost
        // answer succeeds instead of failing its own conditions).
        ClientRequestToken: createHash('sha256').update(`${o.incidentId}|${o.resourceId}|${o.group}|${now}`).digest('hex').slice(0, 36),
        TransactItems: [{ Update: firstAttemptOfDay(attempt, now) }, { Update: takeSlot(slot, now) }],
      }),
    );
    return { attempt: allow(), slot: allow(capEvidence(slot, { slot: 'acquired' })) };
  } catch (e) {
    if ((e as { name?: string }).name !== 'TransactionCanceledException') throw e;
    const [attemptReason, slotReason] = (e as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
    if (attemptReason?.Code === 'None' && slotReason?.Code === 'ConditionalCheckFailed') {
      const held = await acquireSlot({ ...slot, takeRefused: true });
      if (!held.ok) return { attempt: allow({ attempt: 'not taken: reserved only together with a group slot' }), slot: held };
      return { attempt: await reserveAttempt(attempt), slot: held };
    }
    return inTurn(attempt, slot);
  }
}

async function inTurn(attempt: AttemptRequest, slot: SlotRequest): Promise<Reservation> {
  const granted = await reserveAttempt(attempt);
  if (!granted.ok) return { attempt: granted };
  return { attempt: granted, slot: await acquireSlot(slot) };
}
