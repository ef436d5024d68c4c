/**
 * A best-effort rollback: every step is tried even when an earlier one failed
 * (a half-undone state is still better than stopping early), and each step's
 * outcome is recorded for the ledger and the Failed event.
 */
export function rollbackSteps(): { done: string[]; attempt: (what: string, f: () => Promise<unknown>) => Promise<void> } {
  const done: string[] = [];
  const attempt = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
      done.push(what);
    } catch (e) {
      done.push(`FAILED to ${what}: ${(e as Error).message}`);
    }
  };
  return { done, attempt };
}
