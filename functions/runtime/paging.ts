import { DETAIL_TYPES, type RecoveryEventDetail } from '../contracts/recovery-event';
import type { FaultEvent } from '../contracts/remediation-request';
import { faultName, faultState, faultTimestamp } from './fault';
import { recordDecision } from './ledger';
import { logger } from './logger';
import { escalationOf, escalationsOf, forgetEscalation, markOpen, markResolved, recordEscalation, reopen, type OpenEscalation } from './open-escalations';
import { putRecoveryEvent } from './recovery-events';

/**
 * Paging humans, and un-paging them when the fault clears. The channels
 * (PagerDuty, Opsgenie) key a page by incident id: `Remediation Escalated`
 * triggers it, `Remediation Resolved` (or Verified) resolves it.
 *
 * Two parties race on every page: the function that pages (verifier, an action
 * function's escalate(), the notifier for notify-only alarms and alerts) and the notifier
 * hearing the fault clear (alarm OK rule, resolved Alertmanager alert). The
 * page is filed under its fault (open-escalations.ts) so the notifier can find
 * it; if the fault clears after the pager read it as ALARM but before the
 * filing is visible, the notifier finds nothing and the page stays open for
 * ever. So each party writes first and then reads what the other wrote:
 *
 *   pager:    claim (pending) -> put Escalated -> open -> RE-READ the fault -> OK? resolve
 *   notifier: (the fault's state changed: CloudWatch / the webhook wrote it) -> read the filings -> resolve the open ones
 *
 * The notifier's read (strongly consistent Query) either sees the record open,
 * and resolves it; or it ran before `open` was written, and then the fault had
 * already cleared before that read, so the pager's re-read, which comes after
 * `open`, sees it cleared and resolves. Never both: resolving is a conditional
 * open -> resolved, and only its winner puts `Remediation Resolved`. Never
 * before the trigger: only `open` records (their Escalated already put) are
 * resolved. If the fault went bad again before the re-read (a new episode,
 * with its own incident), the page stays open until the fault next clears:
 * the notifier resolves every open page that began before the clearing.
 *
 * Why not "the notifier re-checks on Escalated": the notify rule's event does
 * not name the fault, and a second resolver racing the first adds nothing the
 * re-read here does not give. Why re-read after writing and not only before:
 * a read before the write leaves the same window open.
 *
 * One page per incident: the pending claim is a conditional put, so a
 * redelivered escalation finds it and does not page again. A claim still
 * pending (its delivery died between claim and page, or is in flight) is paged
 * again rather than lost: same incident id, so PagerDuty and Opsgenie fold it
 * into the same page (dedup key / alias); only the email may repeat.
 */
export interface PagingEnv {
  ledgerTable: string;
  eventBus: string;
}

export interface PageResult {
  /** false: an earlier delivery of this escalation already paged (not paged twice). */
  paged: boolean;
  /** The fault had cleared by the time the page was out: resolved at once. */
  resolved: boolean;
}

const log = logger('paging');

/** `Remediation Escalated` for `detail`, filed under the fault of `event`, then the fault re-read (see above). */
export async function pageHumans(env: PagingEnv, event: FaultEvent, detail: RecoveryEventDetail): Promise<PageResult> {
  const fault = { name: faultName(event), startedAt: faultTimestamp(event) };
  const claimed = await recordEscalation(env.ledgerTable, fault, detail);
  const earlier = claimed ? undefined : await escalationOf(env.ledgerTable, fault.name, detail.incidentId);
  if (earlier?.status === 'resolved') return { paged: false, resolved: false };
  let paged = false;
  if (claimed || earlier?.status !== 'open') {
    // Ours, or a claim still pending / withdrawn by a delivery that failed to page: page (same incident id).
    try {
      await putRecoveryEvent(env.eventBus, DETAIL_TYPES.escalated, detail);
    } catch (e) {
      if (claimed) {
        await forgetEscalation(env.ledgerTable, fault.name, detail.incidentId).catch((undo: unknown) =>
          log.error('could not withdraw the escalation claim; a retry pages again anyway (it is still pending)', { fault: fault.name, incidentId: detail.incidentId, error: (undo as Error).message }),
        );
      }
      throw e;
    }
    await markOpen(env.ledgerTable, fault, detail);
    await recordDecision(env.ledgerTable, DETAIL_TYPES.escalated, detail);
    paged = true;
  }
  // Paged now or by an earlier delivery that may have died before this point: the re-read closes the window either way.
  return { paged, resolved: await resolveIfCleared(env, event, fault.name, detail.incidentId) };
}

async function resolveIfCleared(env: PagingEnv, event: FaultEvent, name: string, incidentId: string): Promise<boolean> {
  const now = await faultState(env.ledgerTable, event);
  if (now.state !== 'OK') return false;
  const x = await escalationOf(env.ledgerTable, name, incidentId);
  if (x?.status !== 'open') return false;
  const reason = `${now.label} cleared while incident ${incidentId} was being escalated (re-read right after paging: ${now.reason ?? 'no reason given'}): resolving the page`;
  const resolved = await resolvePage(env, x, reason, { faultState: 'OK', faultReason: now.reason, escalatedAt: x.escalatedAt, escalationReason: x.detail.reason, resolvedBy: 'paging re-read' });
  if (resolved) log.info('page resolved at once: the fault cleared while paging', { fault: name, incidentId, reason });
  return resolved;
}

/**
 * Resolves one open page: claimed (open -> resolved) before `Remediation
 * Resolved` is put, so concurrent resolvers send it once; a failed put reopens
 * it for the retry. False when it was not open (resolved by someone else).
 */
export async function resolvePage(env: PagingEnv, x: OpenEscalation, reason: string, evidence: Record<string, unknown>): Promise<boolean> {
  const at = new Date().toISOString();
  if (!(await markResolved(env.ledgerTable, x.faultName, x.incidentId, at, reason))) return false;
  const detail: RecoveryEventDetail = { ...x.detail, reason, evidence, at };
  try {
    await putRecoveryEvent(env.eventBus, DETAIL_TYPES.resolved, detail);
  } catch (e) {
    await reopen(env.ledgerTable, x.faultName, x.incidentId).catch((undo: unknown) =>
      log.error('could not reopen the escalation; a retry will not resolve it', { fault: x.faultName, incidentId: x.incidentId, error: (undo as Error).message }),
    );
    throw e;
  }
  await recordDecision(env.ledgerTable, DETAIL_TYPES.resolved, detail);
  return true;
}

/** A fault that cleared, as the notifier heard it (alarm OK transition, resolved Alertmanager alert). */
export interface ClearedFault {
  /** functions/runtime/fault.ts faultName: the key its escalations are filed under. */
  name: string;
  /** functions/runtime/fault.ts faultLabel. */
  label: string;
  /** When it cleared (alarm OK timestamp, alert endsAt): pages of episodes that began later stay open. */
  since: string;
  /** For reasons: `is OK` / `is resolved`; `is OK again since <t>` / `resolved at <t>`; `OK` / `resolution`. */
  words: { state: string; cleared: string; news: string };
  /** Merged into each Resolved's evidence. */
  evidence: Record<string, unknown>;
}

export interface Resolution {
  resolved: string[];
  reason: string;
  /** Open pages not resolved because their episode began after this clearing. */
  leftOpen: string[];
}

/** Resolves the fault's open pages that began before it cleared (an older clearing delivered late resolves nothing newer). */
export async function resolveClearedFault(env: PagingEnv, c: ClearedFault): Promise<Resolution> {
  const { label, words } = c;
  const all = await escalationsOf(env.ledgerTable, c.name);
  const open = all.filter((x) => x.status === 'open');
  const pending = all.filter((x) => x.status === 'pending');
  const later = open.filter((x) => Date.parse(x.faultStartedAt) > Date.parse(c.since));
  const due = open.filter((x) => !later.includes(x));
  const leftOpen = later.map((x) => x.incidentId);
  if (due.length === 0) {
    const reason =
      all.length === 0
        ? `${label} ${words.state}; none of its incidents was escalated to humans (automated recovery verified it, or it never escalated): nothing to resolve`
        : later.length > 0
          ? `${label} ${words.state} since ${c.since}, but its open escalation(s) ${leftOpen.join(', ')} began later (an older ${words.news} delivered late): not resolving them`
          : pending.length > 0
            ? `${label} ${words.state}; its escalation(s) ${pending.map((x) => x.incidentId).join(', ')} are being paged right now: the function paging re-reads the fault once the page is out and resolves it`
            : `${label} ${words.state}; its escalated incident(s) ${all.map((x) => x.incidentId).join(', ')} are already resolved: nothing to resolve`;
    return { resolved: [], reason, leftOpen };
  }
  const resolved: string[] = [];
  for (const x of due) {
    const reason = `${label} ${words.cleared} after incident ${x.incidentId} was escalated to humans at ${x.escalatedAt}: resolving the page`;
    if (!(await resolvePage(env, x, reason, { ...c.evidence, escalatedAt: x.escalatedAt, escalationReason: x.detail.reason }))) continue;
    resolved.push(x.incidentId);
  }
  const reason = resolved.length
    ? `${label} ${words.state}: resolved ${resolved.join(', ')}`
    : `${label} ${words.state}; its open escalations were resolved by another delivery meanwhile`;
  return { resolved, reason, leftOpen };
}
