import * as z from 'zod';

/** Guardrails shared by the stack config (infra) and the functions (GUARDRAILS env var). */
export const Guardrails = z
  .object({
    cooldownMinutes: z.number().int().min(0).max(24 * 60).default(30),
    maxAttemptsPerDay: z.number().int().min(1).max(100).default(3),
    maxConcurrentPerGroup: z.number().int().min(1).max(1000).default(1),
    maxPercentPerGroup: z.number().min(1).max(100).default(20),
    circuitBreaker: z
      .object({
        failures: z.number().int().min(1).max(100).default(3),
        windowMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
      })
      .strict()
      .default({ failures: 3, windowMinutes: 60 }),
    /** Destructive rungs (replace-instance, restore-volume) wait for a human approval in SSM. */
    requireApprovalForDestructive: z.boolean().default(false),
    /** Stand down when an open AWS Health event covers the resource's service/AZ. */
    standDownOnHealthEvents: z.boolean().default(true),
  })
  .strict();

export type Guardrails = z.infer<typeof Guardrails>;
