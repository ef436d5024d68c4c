import { createHash } from 'node:crypto';
import type * as z from 'zod/mini';
import { alarmNamePrefix } from '../contracts/naming';
import { RemediationRequest } from '../contracts/remediation-request';
import { RUNGS, type RungName, type ActionKind } from '../contracts/rungs';
import { faultName, faultTimestamp, isAlert } from './fault';

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

function describe(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

export function parseRequest(raw: unknown, expectedAction: ActionKind, stage: string): RemediationRequest {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidRequest(`remediation request must be a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw}`);
  }
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(raw));
  } catch {
    throw new InvalidRequest('remediation request is not serialisable JSON');
  }
  if (size > MAX_EVENT_BYTES) throw new InvalidRequest(`remediation request is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`);
  const parsed = RemediationRequest.safeParse(raw);
  if (!parsed.success) throw new InvalidRequest(`invalid remediation request: ${describe(parsed.error.issues)}`);
  const req = parsed.data;
  const ev = req.event;
  if (isAlert(ev)) {
    if (ev.detail.status !== 'firing') throw new InvalidRequest(`event.detail.status is ${ev.detail.status}; only firing alerts are remediated`);
  } else if (ev.detail.state.value !== 'ALARM') {
    throw new InvalidRequest(`event.detail.state.value is ${ev.detail.state.value}; only ALARM transitions are remediated`);
  }
  if (req.playbook.ladder.length === 0) {
    throw new InvalidRequest(`playbook ${req.playbook.name} is notify-only (empty ladder); it is routed to the notifier, not to ${expectedAction}`);
  }
  if (req.rung >= req.playbook.ladder.length) {
    throw new InvalidRequest(`rung ${req.rung} is beyond playbook ${req.playbook.name}'s ladder of ${req.playbook.ladder.length}`);
  }
  const rung = rungOf(req);
  if (RUNGS[rung].action !== expectedAction) {
    throw new InvalidRequest(`rung ${req.rung} (${rung}) runs ${RUNGS[rung].action}, but this is the ${expectedAction} function`);
  }
  if (req.action !== undefined && req.action !== expectedAction) {
    throw new InvalidRequest(`request.action is ${req.action}, but this is the ${expectedAction} function`);
  }
  if (req.rung > 0 && !req.incidentId) throw new InvalidRequest('escalated requests (rung > 0) must carry incidentId');
  // The rule matches the playbook's prefix; anything else was put by someone else.
  if (isAlert(ev)) {
    // The Kubernetes playbook rule matches detail.playbook; anything else was put by someone else.
    if (ev.detail.playbook !== req.playbook.name) throw new InvalidRequest(`alert ${ev.detail.alertName} belongs to playbook ${ev.detail.playbook}, not ${req.playbook.name}`);
    return req;
  }
  const prefix = alarmNamePrefix(stage, req.playbook.name);
  if (!ev.detail.alarmName.startsWith(prefix)) {
    throw new InvalidRequest(`alarm ${ev.detail.alarmName} does not belong to playbook ${req.playbook.name} of stage ${stage} (expected prefix ${prefix})`);
  }
  return req;
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
