/**
 * Every decision is two writes: an audit record in the ledger and a recovery
 * event on the stack's bus (what the notifier, the channels and people see).
 * One rule for both: sent together, both settled (none left in flight), the
 * first failure in this order (event, then record) thrown, so the delivery is
 * retried. Used by the action pipeline and the verifier.
 *
 * Two protocols order their writes differently on purpose and keep their own:
 * paging (paging.ts: the Escalated and Resolved events go out before their
 * records, because a page claim is withdrawn when its event fails and the
 * ledger must never record a page that was not sent) and the ladder
 * (ladder.ts: the next rung's request event, which is the RemediationRequest
 * itself, then its record).
 */
import type { DetailType, RecoveryEventDetail } from '../contracts/recovery-event';
import { recordDecision } from './ledger';
import { putRecoveryEvent } from './recovery-events';

export interface RecorderEnv {
  ledgerTable: string;
  eventBus: string;
}

/** Waits for every write (none left in flight), then throws the first failure in the order given. */
export async function allLanded(writes: Array<Promise<unknown>>): Promise<void> {
  for (const w of await Promise.allSettled(writes)) if (w.status === 'rejected') throw w.reason;
}

/** The recovery event and the ledger record of one decision (see above). */
export function recordAndAnnounce(env: RecorderEnv, detailType: DetailType, detail: RecoveryEventDetail): Promise<void> {
  return allLanded([putRecoveryEvent(env.eventBus, detailType, detail), recordDecision(env.ledgerTable, detailType, detail)]);
}
