/**
 * The decision an action function takes about a fault, as a pure function of
 * what was read: no AWS call, no clock, no log. The shell (remediation.ts)
 * reads, calls `decide`, and carries the decision out (records, pages,
 * escalates, reserves, acts); unit tests call `decide` with every reading.
 *
 * The guards are judged in this order, the first that stands down wins:
 *   kill switch, change calendar, alarm mute rules;
 *   the fault now (must exist and be ALARM), the diagnosis;
 *   AWS Health, the circuit breaker (pages), the action's stand-down (AWS is on it), the rung's fit (escalates);
 *   EC2's own recovery of a system status fault (read only when everything above passed: it may wait);
 *   approval for destructive rungs (escalates with the plan);
 * then the reservations (attempt, group slot: conditional writes, judged by `judgeReservations`).
 *
 * A reading that failed counts only when its turn comes: the kill switch off
 * wins over an unreadable fault. An unreadable fault (or guard) is thrown so
 * the delivery is retried, never acted on; an unreadable diagnosis is a skip.
 */
import type { ModeReading } from '../guards/kill-switch';
import type { Verdict } from '../guards/verdict';
import type { Diagnosis } from './diagnosis';
import type { FaultState } from './fault';

export type Reading<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface Readings {
  mode: ModeReading;
  changeCalendar: Reading<Verdict>;
  alarmMute: Reading<Verdict>;
  fault: Reading<FaultState>;
  diagnosis: Reading<Diagnosis>;
  health: Reading<Verdict>;
  breaker: Reading<Verdict>;
  /** EC2's own recovery of a system status fault; absent until `decide` asks for it. */
  ec2AutoRecovery?: Reading<Verdict>;
}

/** What the action declares that the decision needs (functions/actions/declaration.ts). */
export interface ActionJudgement {
  name: string;
  destructive: boolean;
  standDown?(d: Diagnosis): string | undefined;
  fits?(d: Diagnosis): string | undefined;
  plan?(d: Diagnosis): string[];
}

export interface DecisionInput {
  readings: Readings;
  action: ActionJudgement;
  rung: number;
  rungName: string;
  modeParameter: string;
  requireApprovalForDestructive: boolean;
}

export type Decision =
  /** Stand down: recorded as Skipped; `page` when automation gives up on a fault still failing; `release` the group slot. */
  | { kind: 'skip'; reason: string; evidence: Record<string, unknown>; page?: boolean; release?: boolean; diagnosis?: Diagnosis }
  /** Not for this rung, or not without a human: recorded as Skipped and escalated (dry-run: recorded only). */
  | { kind: 'escalate'; reason: string; evidence: Record<string, unknown>; diagnosis: Diagnosis; plan?: string[] }
  /** Everything so far passed; read EC2's own recovery (it may wait) and decide again with it. */
  | { kind: 'read-ec2-auto-recovery'; diagnosis: Diagnosis; evidence: Record<string, unknown> }
  /** Every guard passed: reserve (attempt, group slot), then act on `plan` (or, in dry-run, record it). */
  | { kind: 'reserve'; diagnosis: Diagnosis; evidence: Record<string, unknown>; plan: string[] }
  /** A reading the decision needs failed: throw it (the delivery is retried; nothing was done). */
  | { kind: 'retry'; error: unknown };

export function decide(input: DecisionInput): Decision {
  const { readings: r, action } = input;
  const mode = r.mode.mode;
  const evidence: Record<string, unknown> = {};
  const skip = (reason: string, more: Partial<Extract<Decision, { kind: 'skip' }>> = {}): Decision => ({ kind: 'skip', reason, evidence, ...more });
  /** A verdict's evidence always counts; a denial is a skip. */
  const judge = (v: Reading<Verdict>, opts: { page?: boolean; diagnosis?: Diagnosis } = {}): Decision | undefined => {
    if (!v.ok) return { kind: 'retry', error: v.error };
    Object.assign(evidence, v.value.evidence ?? {});
    return v.value.ok ? undefined : skip(v.value.reason, opts);
  };

  if (mode === 'off') return skip(r.mode.note ?? `kill switch ${input.modeParameter} is off`, { release: false });
  const stood = judge(r.changeCalendar) ?? judge(r.alarmMute);
  if (stood) return stood;

  // The fault as it is now: it must exist and still be failing (an event is a claim; the alarm is the fact).
  if (!r.fault.ok) return { kind: 'retry', error: r.fault.error };
  const now = r.fault.value;
  evidence.alarmStateNow = now.state ?? 'missing';
  if (now.state === undefined) return skip(`${now.label} does not exist (${now.reason ?? 'not found'}): not a fault of this stack; not acting`);
  if (now.state === 'OK') return skip(`${now.label} is already OK: recovered without us`);
  if (now.state !== 'ALARM') return skip(`${now.label} is ${now.state} now: the fault cannot be confirmed; not acting on a guess`);

  if (!r.diagnosis.ok) return skip(`diagnosis failed, not acting blind: ${(r.diagnosis.error as Error)?.message ?? String(r.diagnosis.error)}`);
  const diagnosis = r.diagnosis.value;
  Object.assign(evidence, diagnosis.evidence);

  const guarded = judge(r.health, { diagnosis }) ?? judge(r.breaker, { page: true, diagnosis });
  if (guarded) return guarded;
  const handled = action.standDown?.(diagnosis);
  if (handled) return skip(handled, { diagnosis });
  const misfit = action.fits?.(diagnosis);
  if (misfit) return { kind: 'escalate', reason: `rung ${input.rung} (${input.rungName}) does not fit: ${misfit}`, evidence, diagnosis };

  if (!r.ec2AutoRecovery) return { kind: 'read-ec2-auto-recovery', diagnosis, evidence };
  const recovered = judge(r.ec2AutoRecovery, { diagnosis });
  if (recovered) return recovered;

  const plan = action.plan?.(diagnosis) ?? [];
  if (action.destructive && input.requireApprovalForDestructive) {
    // No approval workflow runs inside the function: a destructive rung is handed to humans with its plan.
    evidence.approvalRequired = true;
    if (mode !== 'dry-run') {
      return {
        kind: 'escalate',
        reason: `${action.name} is destructive and guardrails.requireApprovalForDestructive is set: a human must approve and run the plan`,
        evidence,
        diagnosis,
        plan,
      };
    }
  }
  return { kind: 'reserve', diagnosis, evidence, plan };
}

/** After the reservations: the attempt (cooldown, attempts per day: pages when refused), then the group slot. */
export function judgeReservations(attempt: Verdict, slot: Verdict | undefined): { kind: 'go' } | { kind: 'skip'; reason: string; page: boolean; returnAttempt: boolean } {
  if (!attempt.ok) return { kind: 'skip', reason: attempt.reason, page: true, returnAttempt: false };
  // Nothing was done to the resource: a refused slot gives the attempt back (no cooldown, no count).
  if (slot && !slot.ok) return { kind: 'skip', reason: slot.reason, page: false, returnAttempt: true };
  return { kind: 'go' };
}
