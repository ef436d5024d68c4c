import { DETAIL_TYPES, type RecoveryEventDetail } from '../contracts/recovery-event';
import type { RemediationRequest } from '../contracts/remediation-request';
import { RUNGS, type RungName } from '../contracts/rungs';
import { releaseSlot } from '../guards/group-cap';
import { recordDecision } from './ledger';
import { pageHumans } from './paging';
import { putRemediationRequested } from './recovery-events';

/**
 * Moving an incident up its ladder: the next rung as a `Remediation Requested`
 * on the recovery bus (routed by `detail.action` to that rung's function), or,
 * when the ladder is exhausted, `Remediation Escalated` (humans are paged) and
 * the incident's blast-radius slot is released. The page is filed under its
 * fault and the fault re-read after paging (functions/runtime/paging.ts), so
 * the fault's recovery resolves it however the two interleave.
 */
export interface LadderEnv {
  ledgerTable: string;
  eventBus: string;
}

export function nextRequest(request: RemediationRequest, incidentId: string): RemediationRequest | undefined {
  const rung = request.rung + 1;
  if (rung >= request.playbook.ladder.length) return undefined;
  return { ...request, rung, incidentId, action: RUNGS[request.playbook.ladder[rung] as RungName].action, requestedAt: new Date().toISOString() };
}

/**
 * A time after `at` (ISO), to the millisecond: the decision that follows the one
 * recorded at `at`. The ledger sorts an incident's records by time first
 * (sk = <at>#r<rung>#<detail-type>); with the cause's time reused, the
 * consequence would sort by its name ("Escalated" before "Failed").
 */
export function after(at: string): string {
  return new Date(Math.max(Date.now(), Date.parse(at) + 1)).toISOString();
}

export async function escalate(
  env: LadderEnv,
  request: RemediationRequest,
  cause: RecoveryEventDetail,
  why: string,
): Promise<'requested' | 'escalated'> {
  const base = { ...cause, at: after(cause.at) };
  const next = nextRequest(request, base.incidentId);
  if (next) {
    await putRemediationRequested(env.eventBus, next);
    await recordDecision(env.ledgerTable, DETAIL_TYPES.requested, {
      ...base,
      reason: `${why}; next rung ${next.rung} (${next.playbook.ladder[next.rung]})`,
    });
    return 'requested';
  }
  const detail = { ...base, reason: `${why}; ladder of playbook ${request.playbook.name} exhausted: paging humans` };
  await pageHumans(env, request.event, detail);
  if (base.resource.group && base.resource.group !== 'standalone') await releaseSlot(env.ledgerTable, base.resource.group, base.incidentId);
  return 'escalated';
}
