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
  return { ...request, rung, incidentId, action: RUNGS[request.playbook.ladder[rung] as RungName].action };
}

export async function escalate(
  env: LadderEnv,
  request: RemediationRequest,
  base: RecoveryEventDetail,
  cause: string,
): Promise<'requested' | 'escalated'> {
  const next = nextRequest(request, base.incidentId);
  if (next) {
    await putRemediationRequested(env.eventBus, next);
    await recordDecision(env.ledgerTable, DETAIL_TYPES.requested, {
      ...base,
      reason: `${cause}; next rung ${next.rung} (${next.playbook.ladder[next.rung]})`,
    });
    return 'requested';
  }
  const detail = { ...base, reason: `${cause}; ladder of playbook ${request.playbook.name} exhausted: paging humans` };
  await pageHumans(env, request.event, detail);
  if (base.resource.group && base.resource.group !== 'standalone') await releaseSlot(env.ledgerTable, base.resource.group, base.incidentId);
  return 'escalated';
}
