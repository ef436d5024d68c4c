/**
 * Bounded polling (waiters). The SDK's own waiters poll every few seconds at
 * least; the emulator changes state instantly, so the interval comes from the
 * function's environment (POLL_INTERVAL_MS) and tests use a few milliseconds.
 */
export class WaitTimeout extends Error {}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { intervalMs: number; deadline: number },
): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() + opts.intervalMs > opts.deadline) throw new WaitTimeout(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}
