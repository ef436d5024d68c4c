/**
 * Readings every fault in a container shares (the kill switch, the region's
 * open AWS Health issues, the change calendar's state), kept for a few
 * seconds (MODE_CACHE_SECONDS, 10 s deployed).
 *
 * Why: an alarm storm sends the same read once per fault. AWS Health and SSM
 * throttle well below storm rates, and a throttled read makes the Health
 * guard fail open (it cannot tell) and the calendar guard fail closed: the
 * storm would either lose its Health stand-down exactly when AWS has an
 * issue, or skip every fault. A reading a few seconds old is as good as a
 * fresh one for both: Health posts issues minutes after they start, and a
 * calendar changes state at set times. Only successful readings are kept; a
 * failed read is tried again by the next fault.
 *
 * Why not Powertools Parameters (`maxAge`): it caches values of its providers
 * (SSM GetParameter, Secrets Manager, AppConfig, DynamoDB), which covers the
 * kill switch alone; AWS Health's DescribeEvents and SSM's GetCalendarState
 * are not parameters. One cache for all three keeps one expiry rule, and keeps
 * when each value was read, which the evidence records.
 */
export interface Reading<T> {
  value: T;
  /** When it was read (ISO): recorded in the evidence, so an audit sees a kept reading for what it is. */
  readAt: string;
}

const kept = new Map<string, { at: number; reading: Reading<unknown> }>();

/**
 * The reading under `key` if read less than `maxAgeSeconds` ago, else `read()`'s.
 * `keep(value)` says whether a fresh value may be kept (false for "could not read").
 */
export async function sharedReading<T>(key: string, maxAgeSeconds: number, read: () => Promise<T>, keep: (value: T) => boolean): Promise<Reading<T>> {
  const hit = keptReading<T>(key, maxAgeSeconds);
  if (hit) return hit;
  const at = Date.now();
  const reading = { value: await read(), readAt: new Date(at).toISOString() };
  if (maxAgeSeconds > 0 && keep(reading.value)) kept.set(key, { at, reading });
  else kept.delete(key);
  return reading;
}

/** The reading under `key` if read less than `maxAgeSeconds` ago: known without a call. */
export function keptReading<T>(key: string, maxAgeSeconds: number): Reading<T> | undefined {
  const hit = kept.get(key);
  return hit && Date.now() - hit.at < maxAgeSeconds * 1000 ? (hit.reading as Reading<T>) : undefined;
}

/** Drops the kept readings whose key starts with `prefix` (all by default): tests, and a changed configuration. */
export function forgetSharedReadings(prefix = ''): void {
  for (const key of [...kept.keys()]) if (key.startsWith(prefix)) kept.delete(key);
}
