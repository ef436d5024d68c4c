/** What a guard answers: go ahead, or skip with a reason (recorded and announced as `Remediation Skipped`). */
export type Verdict = { ok: true; evidence?: Record<string, unknown> } | { ok: false; reason: string; evidence?: Record<string, unknown> };

export const allow = (evidence?: Record<string, unknown>): Verdict => ({ ok: true, evidence });
export const deny = (reason: string, evidence?: Record<string, unknown>): Verdict => ({ ok: false, reason, evidence });
