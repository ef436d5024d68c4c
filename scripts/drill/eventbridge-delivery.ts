/**
 * What EventBridge would have handed the Lambda function, rebuilt from what
 * moto put in the stand-in queue. moto renders an event inside an input
 * transformer (<aws.events.event.json>) slightly differently from EventBridge:
 * `time` stays epoch seconds instead of ISO-8601 (`2026-01-01T00:00:00Z`), and
 * its internal `ingestion-time` leaks into the payload; and a rule target's
 * copy loses `account`, which EventBridge sets on every event ("Amazon
 * EventBridge events" in the EventBridge User Guide: account, the 12-digit
 * account that emitted it). All three are fixed here, wherever an embedded
 * event appears (`account`: moto's own, the emulated account); nothing else
 * is touched.
 */
/** moto's account (DEFAULT_ACCOUNT_ID): every event the emulator's buses deliver comes from it. */
export const EMULATOR_ACCOUNT = '123456789012';

function isRenderedEvent(o: Record<string, unknown>): boolean {
  return typeof o['detail-type'] === 'string' && typeof o.source === 'string' && 'detail' in o;
}

function isoSeconds(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function asEventBridgeDelivered(value: unknown, account = EMULATOR_ACCOUNT): unknown {
  if (Array.isArray(value)) return value.map((v) => asEventBridgeDelivered(v, account));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const event = isRenderedEvent(o);
  if (event && o.account === undefined) out.account = account;
  for (const [k, v] of Object.entries(o)) {
    if (event && k === 'ingestion-time') continue;
    if (event && k === 'time' && typeof v === 'number') {
      out[k] = isoSeconds(v);
      continue;
    }
    // `detail` is the customer's payload: leave it byte-for-byte as put.
    out[k] = event && k === 'detail' ? v : asEventBridgeDelivered(v, account);
  }
  return out;
}
