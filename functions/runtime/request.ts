import { createHash } from 'node:crypto';
import { alarmNamePrefix } from '../contracts/naming';
import { RemediationRequest } from '../contracts/remediation-request';
import { RUNGS, type RungName, type ActionKind } from '../contracts/rungs';
import { faultName, faultTimestamp, isAlert } from './fault';
import { shown } from './printable';
import { MAX_DELIVERY_AGE_MS, provenanceProblems, timeProblem, type Identity } from './provenance';
import { describeIssues } from './validation';

/**
 * Parsing of the envelope every action function receives (rule input
 * transformer or `Remediation Requested` detail). Anything that does not match
 * is rejected with every problem named, before any AWS call.
 */
export class InvalidRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequest';
  }
}

const MAX_EVENT_BYTES = 256 * 1024;

/** Who is judging the request: an action kind, the verifier (any rung) or the notifier (notify-only playbooks). */
export type RequestJudge = ActionKind | 'verifier' | 'notify-only';

export interface RequestContext {
  stage: string;
  /** The function's own account and region. */
  own: Identity;
  now: number;
}

/** A JSON object within the EventBridge event size limit, or InvalidRequest naming what it is instead. */
export function checkEnvelope(raw: unknown, what: string): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidRequest(`${what}: expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `${typeof raw} ${shown(raw, 40)}`}`);
  }
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(raw));
  } catch {
    throw new InvalidRequest(`${what}: expected serialisable JSON, got an object that is not`);
  }
  if (size > MAX_EVENT_BYTES) throw new InvalidRequest(`${what}: expected at most ${MAX_EVENT_BYTES} bytes (the EventBridge event limit), got ${size} bytes`);
}

export function parseRequest(raw: unknown, expectedAction: ActionKind, ctx: RequestContext): RemediationRequest {
  checkEnvelope(raw, 'remediation request');
  const parsed = RemediationRequest.safeParse(raw);
  if (!parsed.success) throw new InvalidRequest(`invalid remediation request: ${describeIssues(parsed.error.issues, raw)}`);
  judgeRequest(parsed.data, expectedAction, ctx);
  return parsed.data;
}

/**
 * What a well-formed request must also be to be acted on (or verified, or
 * paged) by `judge`: a remediable state, a rung of its ladder run by this
 * function, a fault of this stack's playbook, from this account and region,
 * recent. Throws InvalidRequest with every problem named.
 */
export function judgeRequest(req: RemediationRequest, judge: RequestJudge, ctx: RequestContext): void {
  const ev = req.event;
  if (isAlert(ev)) {
    if (ev.detail.status !== 'firing') throw new InvalidRequest(`event.detail.status: expected "firing" (only firing alerts are remediated or paged), got ${shown(ev.detail.status)}`);
  } else if (ev.detail.state.value !== 'ALARM') {
    throw new InvalidRequest(`event.detail.state.value: expected "ALARM" (only ALARM transitions are remediated or paged), got ${shown(ev.detail.state.value)}`);
  }
  const ladder = req.playbook.ladder.length;
  if (judge === 'notify-only') {
    if (ladder !== 0) throw new InvalidRequest(`playbook.ladder: expected an empty ladder (notify-only playbook), got ${ladder} rung(s); its requests go to the action functions`);
    if (req.rung !== 0) throw new InvalidRequest(`rung: expected 0 (a notify-only playbook has no rungs), got ${req.rung}`);
    if (req.action !== undefined) throw new InvalidRequest(`action: expected nothing (a notify-only playbook runs no action), got ${shown(req.action)}`);
  } else {
    if (ladder === 0) {
      throw new InvalidRequest(`playbook.ladder: expected at least one rung, got none (playbook ${req.playbook.name} is notify-only; it is routed to the notifier, not to ${judge})`);
    }
    if (req.rung >= ladder) throw new InvalidRequest(`rung: expected 0..${ladder - 1} (playbook ${req.playbook.name}'s ladder of ${ladder}), got ${req.rung}`);
    const rung = rungOf(req);
    if (judge !== 'verifier' && RUNGS[rung].action !== judge) {
      throw new InvalidRequest(`rung: expected a rung this ${judge} function runs, got rung ${req.rung} (${rung}), which runs ${RUNGS[rung].action}`);
    }
    const action = judge === 'verifier' ? RUNGS[rung].action : judge;
    if (req.action !== undefined && req.action !== action) throw new InvalidRequest(`action: expected ${JSON.stringify(action)} (rung ${req.rung}, ${rung}), got ${shown(req.action)}`);
    if ((req.rung > 0 || judge === 'verifier') && !req.incidentId) {
      throw new InvalidRequest(`incidentId: expected the incident's id (${req.rung > 0 ? 'an escalation' : 'a verification'} continues an incident), got nothing`);
    }
  }
  if (isAlert(ev)) {
    // The Kubernetes playbook rule matches detail.playbook; anything else was put by someone else.
    if (ev.detail.playbook !== req.playbook.name) throw new InvalidRequest(`event.detail.playbook: expected ${JSON.stringify(req.playbook.name)} (the request's playbook), got ${shown(ev.detail.playbook)}`);
  } else {
    // The rule matches the playbook's prefix; anything else was put by someone else.
    const prefix = alarmNamePrefix(ctx.stage, req.playbook.name);
    if (!ev.detail.alarmName.startsWith(prefix)) {
      throw new InvalidRequest(`event.detail.alarmName: expected an alarm of playbook ${req.playbook.name} of stage ${ctx.stage} (prefix ${prefix}), got ${shown(ev.detail.alarmName)}`);
    }
  }
  // A first delivery is bounded by its event's time; an escalation by when it was requested (older requests
  // without requestedAt: by the whole ladder's span). The verifier bounds the message's actedAt itself.
  const escalation = req.rung > 0 || judge === 'verifier';
  const problems = provenanceProblems(ev, ctx.own, ctx.now, escalation ? ladderSpanMs(req) : MAX_DELIVERY_AGE_MS);
  if (req.requestedAt !== undefined) {
    const requested = timeProblem('requestedAt', req.requestedAt, ctx.now, judge === 'verifier' ? Infinity : MAX_DELIVERY_AGE_MS);
    if (requested) problems.push(requested);
  }
  if (problems.length) throw new InvalidRequest(`not this stack's fault: ${problems.join('; ')}`);
}

/**
 * The longest an incident can run from its alarm to its last rung's verification:
 * per rung a full Lambda run (900 s) and its verification delay, with room for the
 * verifier's re-checks (x3), plus one first delivery's window.
 */
export function ladderSpanMs(req: Pick<RemediationRequest, 'playbook'>): number {
  return MAX_DELIVERY_AGE_MS + req.playbook.ladder.length * (900 + req.playbook.verifyAfterSeconds) * 3 * 1000;
}

export function rungOf(req: RemediationRequest): RungName {
  return req.playbook.ladder[req.rung] as RungName;
}

/** One incident per alarm transition (or alert firing): stable across redeliveries and escalations. */
export function incidentIdOf(req: RemediationRequest): string {
  if (req.incidentId) return req.incidentId;
  const h = createHash('sha256').update(`${faultName(req.event)}\n${faultTimestamp(req.event)}`).digest('hex');
  return `inc-${h.slice(0, 16)}`;
}

/** Deterministic UUID-shaped client token (RunInstances, CreateVolume, StartAutomationExecution). */
export function clientToken(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
