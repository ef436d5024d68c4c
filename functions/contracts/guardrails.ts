import * as z from 'zod/mini';

/** An integer in [min, max]. */
const int = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

/**
 * Guardrails shared by the stack config (infra) and the functions (GUARDRAILS env var).
 *
 * Every schema under functions/ is written with zod/mini: its functions
 * tree-shake, while a classic zod schema carries every method (and through
 * them most of zod, ~85 KB) into each Lambda bundle. Same core, same checks,
 * same issue messages; infra/ composes these with classic zod
 * (`z.optional(Guardrails)`, `z._default(Guardrails, ...)`).
 */
export const Guardrails = z.strictObject({
  cooldownMinutes: z._default(int(0, 24 * 60), 30),
  maxAttemptsPerDay: z._default(int(1, 100), 3),
  maxConcurrentPerGroup: z._default(int(1, 1000), 1),
  maxPercentPerGroup: z._default(z.number().check(z.minimum(1), z.maximum(100)), 20),
  circuitBreaker: z._default(
    z.strictObject({
      failures: z._default(int(1, 100), 3),
      windowMinutes: z._default(int(1, 7 * 24 * 60), 60),
    }),
    { failures: 3, windowMinutes: 60 },
  ),
  /** Destructive rungs (replace-instance, restore-volume) wait for a human approval in SSM. */
  requireApprovalForDestructive: z._default(z.boolean(), false),
  /** Stand down when an open AWS Health event covers the resource's service/AZ. */
  standDownOnHealthEvents: z._default(z.boolean(), true),
  /**
   * System status faults EC2 recovers itself (simplified automatic recovery): how long the first rung waits
   * for EC2's outcome (its AWS Health event) before acting (functions/guards/ec2-auto-recovery.ts). At most
   * 600 s, so the rung keeps time to act within the action functions' 900 s timeout.
   */
  awaitEc2AutoRecoverySeconds: z._default(int(0, 600), 300),
});

export type Guardrails = z.infer<typeof Guardrails>;
