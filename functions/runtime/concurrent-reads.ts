/**
 * Read-only calls started together and judged later, one by one, in a fixed
 * order. Each round trip waits on no other, so starting them at once cuts
 * the time before the first decision to the slowest read instead of their
 * sum, while the caller still looks at the results in the order the checks
 * have always run (the first veto reported is the same as in sequence).
 *
 * A started read's failure is held until its result is taken: one that is
 * never taken (an earlier check already stood the remediation down) cannot
 * surface as an unhandled rejection. `settled()` lets the caller wait for
 * every started read before returning, so no call is left in flight when the
 * handler ends (Lambda would resume it in the next invocation).
 */
export class ConcurrentReads {
  private readonly pending: Array<Promise<unknown>> = [];

  /** Starts `read` now; the returned function yields its value or rethrows its error. */
  start<T>(read: () => Promise<T>): () => Promise<T> {
    const outcome = Promise.resolve()
      .then(read)
      .then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    this.pending.push(outcome);
    return async () => {
      const o = await outcome;
      if (!o.ok) throw o.error;
      return o.value;
    };
  }

  /** Resolves once every started read has finished (never rejects). */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }
}
