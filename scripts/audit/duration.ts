/**
 * A look-back window as on-call people type it: `30m`, `24h`, `7d` (one whole
 * number and one unit). The ledger keeps audit records 90 days (TTL), so a
 * longer window can only find less than it promises: refused.
 */
export const MAX_LOOKBACK_DAYS = 90;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds, or an Error saying what is accepted. */
export function parseDuration(text: string): number | Error {
  const m = /^([1-9][0-9]{0,4})([mhd])$/.exec(text.trim());
  if (!m) return new Error(`--since ${JSON.stringify(text)}: use a whole number and a unit m, h or d, e.g. 30m, 24h, 7d`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms > MAX_LOOKBACK_DAYS * UNIT_MS.d) return new Error(`--since ${text}: at most ${MAX_LOOKBACK_DAYS}d (audit records expire after ${MAX_LOOKBACK_DAYS} days)`);
  return ms;
}
