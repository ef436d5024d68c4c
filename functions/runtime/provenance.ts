import type { FaultEvent } from '../contracts/remediation-request';
import { isAlarm } from './fault';
import { hasUnprintable, shown } from './printable';

/**
 * Is this event about this stack's own fault? Pure: the function's identity
 * and the clock are arguments. An event from another account or region,
 * dated in the future, too old to still be a delivery of ours, or naming a
 * fault with unprintable characters is not acted on, whatever its shape.
 *
 * How old is too old: this stack's rule targets give up after 1 h
 * (infra/routing/targets.ts RETRY_POLICY, EventBridge's own default would be
 * 24 h) and the functions' async invoke config after another 1 h
 * (infra/functions/lambda-function.ts), and a delivery then runs for up to
 * 15 min per try, three tries. So a first delivery of ours is at most about
 * 2 h 45 min old: MAX_DELIVERY_AGE_MS allows 3 h. An escalation carries the
 * original alarm event, older by the rungs before it; it is bounded by when
 * it was requested (`requestedAt`), with the same 3 h.
 */
export const MAX_DELIVERY_AGE_MS = 3 * 3600_000;
/** Clocks differ a little (CloudWatch's state timestamp vs. Lambda's clock). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface Identity {
  account: string;
  region: string;
}

/** ISO 8601 with a zone: `Z`, `+00:00` or CloudWatch's `+0000`. */
const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})$/;

/** Epoch ms, or undefined when `s` is not an ISO 8601 time with a zone. */
export function parseTime(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = ISO.exec(s);
  if (!m) return undefined;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2].slice(0, 3)}:${m[2].slice(-2)}`;
  const ms = Date.parse(`${m[1].replace(/(\.\d{3})\d+$/, '$1')}${zone}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The problem with a timestamp (`field: expected ..., got ...`), or undefined. */
export function timeProblem(field: string, value: unknown, now: number, maxAgeMs: number): string | undefined {
  const t = parseTime(value);
  if (t === undefined) return `${field}: expected an ISO 8601 time with a zone, got ${shown(value)}`;
  if (t > now + MAX_CLOCK_SKEW_MS) {
    return `${field}: expected a time not after now (${new Date(now).toISOString()}, ${MAX_CLOCK_SKEW_MS / 60_000} min skew allowed), got ${shown(value)}`;
  }
  if (now - t > maxAgeMs) {
    return `${field}: expected a time within the last ${Math.round(maxAgeMs / 60_000)} min (a delivery of ours is never older), got ${shown(value)} (${((now - t) / 3600_000).toFixed(1)} h old)`;
  }
  return undefined;
}

/** The EventBridge envelope's claims: this function's account and region, a time within `maxAgeMs`. */
export function envelopeProblems(e: { account: string; region: string; time: string }, own: Identity, now: number, maxAgeMs: number): string[] {
  const problems: string[] = [];
  if (e.account !== own.account) problems.push(`event.account: expected ${JSON.stringify(own.account)} (this function's account), got ${shown(e.account)}`);
  if (e.region !== own.region) problems.push(`event.region: expected ${JSON.stringify(own.region)} (this function's region), got ${shown(e.region)}`);
  const time = timeProblem('event.time', e.time, now, maxAgeMs);
  if (time) problems.push(time);
  return problems;
}

/**
 * Every provenance problem of a fault event (empty: it is ours as far as its
 * envelope can tell). `maxAgeMs` bounds `event.time` (a first delivery: 3 h);
 * escalations pass Infinity and bound their own `requestedAt` instead.
 */
export function provenanceProblems(event: FaultEvent, own: Identity, now: number, maxAgeMs: number): string[] {
  const problems = envelopeProblems(event, own, now, maxAgeMs);
  if (isAlarm(event)) {
    const state = timeProblem('event.detail.state.timestamp', event.detail.state.timestamp, now, Infinity);
    if (state) problems.push(state);
  } else {
    const started = timeProblem('event.detail.startsAt', event.detail.startsAt, now, Infinity);
    if (started) problems.push(started);
  }
  const name = isAlarm(event) ? event.detail.alarmName : event.detail.alertName;
  if (hasUnprintable(name)) problems.push(`${isAlarm(event) ? 'event.detail.alarmName' : 'event.detail.alertName'}: expected printable characters only, got ${shown(name)}`);
  return problems;
}
