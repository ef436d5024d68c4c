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
 *             `open` refused (cleared-while-pending / resolved)? -> count the page late -> resolve it
 *   notifier: (the fault's state changed: CloudWatch / the webhook wrote it) -> read the filings ->
 *             resolve the open ones; the pending ones: pending -> cleared-while-pending, resolve
 *
 * A page is left open only if some Escalated put has no Resolved put after
 * it. Take any Escalated put; its sender then writes `open`, conditionally
 * (only over pending, open or nothing):
 *
 * 1. `open` written. A resolve is claimed only by a conditional write
 *    open -> resolved that precedes its Resolved put, so any later claim puts
 *    its Resolved after this page. And one comes: the notifier's read (strongly
 *    consistent Query) either sees the record open, and resolves it; or it ran
 *    before `open` was written, so the fault had cleared before that read, and
 *    the pager's re-read, which comes after `open`, sees it cleared and
 *    resolves. If the fault went bad again before the re-read (a new episode,
 *    with its own incident), the page stays open until the fault next clears:
 *    the notifier resolves every open page that began before the clearing.
 * 2. `open` refused: the record is `cleared-while-pending` (the notifier saw it
 *    pending, claimed pending -> cleared-while-pending and put Resolved, maybe
 *    before this page) or `resolved`. The pager counts its page (lateTriggers
 *    + 1) and then claims lateCovered = lateTriggers if that is not yet
 *    covered, putting Resolved after the claim. Either it wins, and its
 *    Resolved follows its own page; or a claim already covers the count,
 *    and that claim was made after the count, so its Resolved follows this
 *    page too.
 * 3. The pager dies between its Escalated put and `open` (or all its tries
 *    fail there). The record stays pending, and when the fault clears the
 *    notifier claims it (pending -> cleared-while-pending) and puts Resolved:
 *    that covers every page put before its claim, in particular one whose
 *    sender died before the notifier read. A retry of the escalation that
 *    finds the record still pending pages again (same incident) and goes on as
 *    in 1 or 2; one that finds it cleared-while-pending (or resolved after
 *    that) does not page again (the fault cleared and the resolve went out)
 *    but counts itself as in 2: the dead delivery's page, put before the retry
 *    began, gets a Resolved after it. The one page this leaves open: put
 *    after the notifier's claim by a delivery that then died, with no retry
 *    ever finishing (the record stays `cleared-while-pending`; README says
 *    what to do).
 *
 * A resolve put before its trigger is harmless in itself. PagerDuty Events
 * API v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events/): a
 * resolve for a dedup key with no open alert is accepted and ignored, not an
 * error. Opsgenie (docs.opsgenie.com/docs/alert): actions such as close are
 * answered 202 and processed asynchronously; a close for an alias with no open
 * alert only fails in its request status and changes nothing. It is the
 * trigger after it that matters: PagerDuty does not reopen a resolved
 * incident for a trigger with the same dedup key but creates a new one (the
 * Events API's "resolve" semantics, as the pagerduty-rs docs quote them), so
 * that trigger needs its own resolve, which 2 and 3 give it.
 *
 * Not losing a page: nothing is resolved for an episode that began
 * after the clearing (open or pending alike), and a first delivery always
 * pages. Only a retry that finds its page resolved while pending does not
 * page: the fault is over, and if no earlier delivery's page went out, people
 * still read of the incident in the Resolved message (email, chat).
 *
 * One resolve per party race: resolvers race on conditional writes
 * (open -> resolved, pending -> cleared-while-pending) and late pages on
 * lateCovered, and only each winner puts Resolved. The notifier's resolve of
 * a pending record and the pager's resolve of its late page can both go out
 * for one incident (neither can tell whether the page came first): the second
 * does nothing on the channels; the email says resolved twice. Every resolve
 * whose put fails undoes its claim (reopen / unclearPending / uncoverLate) and
 * throws, so the retry claims and sends again. Ordering is that of the puts:
 * the channel rules deliver in that order unless EventBridge retries one.
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

import { DETAIL_TYPES, type RecoveryEventDetail } from '../contracts/recovery-event';
import type { FaultEvent } from '../contracts/remediation-request';
import { faultLabel, faultName, faultState, faultTimestamp } from './fault';
import { recordDecision } from './ledger';
import { logger } from './logger';
import {
  clearPending,
  countLateTrigger,
  coverLate,
  escalationOf,
  escalationsOf,
  forgetEscalation,
  markOpen,
  markResolved,
  recordEscalation,
  reopen,
  unclearPending,
  uncoverLate,
  type OpenEscalation,
} from './open-escalations';
import { putRecoveryEvent } from './recovery-events';

export interface PagingEnv {
  ledgerTable: string;
  eventBus: string;
}

export interface PageResult {
  /** false: an earlier delivery of this escalation already paged (not paged twice). */
  paged: boolean;
  /** The page ends resolved at once: the fault had cleared by the time it was out (re-read), or its page was resolved while being sent and is resolved again after it. */
  resolved: boolean;
}

const log = logger('paging');

/** `Remediation Escalated` for `detail`, filed under the fault of `event`, then the fault re-read (see above). */
export async function pageHumans(env: PagingEnv, event: FaultEvent, detail: RecoveryEventDetail): Promise<PageResult> {
  const fault = { name: faultName(event), startedAt: faultTimestamp(event) };
  const claimed = await recordEscalation(env.ledgerTable, fault, detail);
  const earlier = claimed ? undefined : await escalationOf(env.ledgerTable, fault.name, detail.incidentId);
  if (earlier && resolvedWhilePaging(earlier)) {
    // 3 above: the fault cleared while an earlier delivery was paging; it may have died after its page.
    const why = `a redelivered escalation of incident ${detail.incidentId} found its page resolved while it was being sent (${earlier.resolution ?? 'no reason recorded'}); an earlier delivery's page may have gone out after that resolve: resolving again, not paging again`;
    return { paged: false, resolved: await resolveLate(env, fault.name, detail.incidentId, why, 'redelivered escalation') };
  }
  if (earlier?.status === 'resolved') return { paged: false, resolved: false };
  if (claimed || earlier?.status !== 'open') {
    // Ours, or a claim still pending / withdrawn by a delivery that failed to page: page (same incident id).
    try {
      await putRecoveryEvent(env.eventBus, DETAIL_TYPES.escalated, detail);
    } catch (e) {
      if (claimed) {
        await forgetEscalation(env.ledgerTable, fault.name, detail.incidentId).catch((undo: unknown) =>
          log.error('could not withdraw the escalation claim; a retry pages again, or resolves again if the fault cleared meanwhile', { fault: fault.name, incidentId: detail.incidentId, error: (undo as Error).message }),
        );
      }
      throw e;
    }
    // The audit record goes with `open`, not after it: a delivery that dies at `open` (3 above) has
    // still paged, and the ledger must say so. Both writes settle before either failure is thrown.
    const [opened, audited] = await Promise.allSettled([markOpen(env.ledgerTable, fault, detail), recordDecision(env.ledgerTable, DETAIL_TYPES.escalated, detail)]);
    if (opened.status === 'rejected') throw opened.reason;
    if (audited.status === 'rejected') throw audited.reason;
    const counted = opened.value;
    if (!counted) {
      // 2 above: resolved while we were paging, maybe before our page went out.
      const why = `${faultLabel(event)} cleared while incident ${detail.incidentId} was being escalated, and its page was resolved before this page was counted (it may have gone out after that resolve): resolving again`;
      return { paged: true, resolved: await resolveLate(env, fault.name, detail.incidentId, why, 'paging, late') };
    }
    // Paged now or by an earlier delivery that may have died before this point: the re-read closes the window either way.
    return { paged: true, resolved: await resolveIfCleared(env, event, fault.name, detail.incidentId) };
  }
  return { paged: false, resolved: await resolveIfCleared(env, event, fault.name, detail.incidentId) };
}

/** The record was resolved while pending (or owes a late resolve): a delivery arriving now must resolve, not page. */
function resolvedWhilePaging(x: OpenEscalation): boolean {
  if (x.status === 'cleared-while-pending') return true;
  return x.status === 'resolved' && (x.pendingClearedAt !== undefined || (x.lateTriggers ?? 0) > (x.lateCovered ?? 0));
}

/**
 * Counts a page that may have gone out after the record's resolve, then
 * claims the resolve of every such page counted so far and puts `Remediation
 * Resolved` (2 above). True when the page ends resolved: by this claim, or by
 * another made after the count (whose Resolved comes after it).
 */
async function resolveLate(env: PagingEnv, name: string, incidentId: string, reason: string, resolvedBy: string): Promise<boolean> {
  await countLateTrigger(env.ledgerTable, name, incidentId);
  const at = new Date().toISOString();
  const before = await coverLate(env.ledgerTable, name, incidentId, at, reason);
  if (!before) {
    log.info('late page already covered by a resolve claimed after it was counted', { fault: name, incidentId });
    return true;
  }
  const detail: RecoveryEventDetail = {
    ...before.detail,
    reason,
    evidence: { resolvedBy, pendingClearedAt: before.pendingClearedAt, earlierResolution: before.resolution, escalatedAt: before.escalatedAt, escalationReason: before.detail.reason },
    at,
  };
  await putResolved(env, name, detail, () => uncoverLate(env.ledgerTable, before), 'could not undo the late resolve claim; a retry will not resolve it');
  log.info('page resolved again: it may have gone out after its resolve', { fault: name, incidentId, reason });
  return true;
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
  await putResolved(env, x.faultName, detail, () => reopen(env.ledgerTable, x.faultName, x.incidentId), 'could not reopen the escalation; a retry will not resolve it');
  return true;
}

/**
 * Puts `Remediation Resolved` for a resolve this delivery claimed, then its
 * audit record. A failed put gives the claim back (`unclaim`) and throws, so
 * the retry claims and sends again.
 */
async function putResolved(env: PagingEnv, faultName: string, detail: RecoveryEventDetail, unclaim: () => Promise<unknown>, ifUnclaimFails: string): Promise<void> {
  try {
    await putRecoveryEvent(env.eventBus, DETAIL_TYPES.resolved, detail);
  } catch (e) {
    await unclaim().catch((undo: unknown) => log.error(ifUnclaimFails, { fault: faultName, incidentId: detail.incidentId, error: (undo as Error).message }));
    throw e;
  }
  await recordDecision(env.ledgerTable, DETAIL_TYPES.resolved, detail);
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

/**
 * Resolves the fault's open and pending pages that began before it cleared
 * (an older clearing delivered late resolves nothing newer). A pending one may
 * not be out yet: it is resolved all the same (pending -> cleared-while-pending),
 * and its pager resolves again if its page goes out after this (see above).
 */
export async function resolveClearedFault(env: PagingEnv, c: ClearedFault): Promise<Resolution> {
  const { label, words } = c;
  const all = await escalationsOf(env.ledgerTable, c.name);
  const live = all.filter((x) => x.status === 'open' || x.status === 'pending');
  const later = live.filter((x) => Date.parse(x.faultStartedAt) > Date.parse(c.since));
  const due = live.filter((x) => !later.includes(x));
  const leftOpen = later.map((x) => x.incidentId);
  if (due.length === 0) {
    const reason =
      all.length === 0
        ? `${label} ${words.state}; none of its incidents was escalated to humans (automated recovery verified it, or it never escalated): nothing to resolve`
        : later.length > 0
          ? `${label} ${words.state} since ${c.since}, but its open escalation(s) ${leftOpen.join(', ')} began later (an older ${words.news} delivered late): not resolving them`
          : `${label} ${words.state}; its escalated incident(s) ${all.map((x) => x.incidentId).join(', ')} are already resolved: nothing to resolve`;
    return { resolved: [], reason, leftOpen };
  }
  const resolved: string[] = [];
  for (const x of due) {
    const evidence = { ...c.evidence, escalatedAt: x.escalatedAt, escalationReason: x.detail.reason };
    const asOpen = `${label} ${words.cleared} after incident ${x.incidentId} was escalated to humans at ${x.escalatedAt}: resolving the page`;
    const asPending = `${label} ${words.cleared} while incident ${x.incidentId} was being escalated to humans (its page may not be out yet): resolving it; the function paging resolves again if its page goes out after this`;
    const done = x.status === 'open' ? await resolvePage(env, x, asOpen, evidence) : await resolvePending(env, x, asPending, asOpen, evidence);
    if (done) resolved.push(x.incidentId);
  }
  const reason = resolved.length
    ? `${label} ${words.state}: resolved ${resolved.join(', ')}`
    : `${label} ${words.state}; its open escalations were resolved by another delivery meanwhile`;
  return { resolved, reason, leftOpen };
}

/**
 * Resolves a page still pending (3 above): claimed (pending ->
 * cleared-while-pending) before `Remediation Resolved` is put, so concurrent
 * resolvers send it once; a failed put undoes the claim for the retry. If the
 * pager opened it meanwhile, it is resolved as an open page.
 */
async function resolvePending(env: PagingEnv, x: OpenEscalation, reason: string, asOpen: string, evidence: Record<string, unknown>): Promise<boolean> {
  const at = new Date().toISOString();
  if (!(await clearPending(env.ledgerTable, x.faultName, x.incidentId, at, reason))) {
    const now = await escalationOf(env.ledgerTable, x.faultName, x.incidentId);
    return now?.status === 'open' ? resolvePage(env, now, asOpen, evidence) : false;
  }
  const detail: RecoveryEventDetail = { ...x.detail, reason, evidence: { ...evidence, escalationStatus: 'pending' }, at };
  await putResolved(
    env,
    x.faultName,
    detail,
    () => unclearPending(env.ledgerTable, x.faultName, x.incidentId),
    'could not set the escalation back to pending; a retry will not resolve it (its pager still resolves a page sent after this)',
  );
  return true;
}
