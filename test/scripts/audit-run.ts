import { runAudit } from '../../scripts/audit/run';

/**
 * Runs the audit command in process, as `npm run audit -- <argv>` would, and
 * collects what it prints. `now`: the command's clock (the --since window ends there).
 */
export async function audit(argv: string[], now?: number): Promise<{ code: number; out: string; lines: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAudit(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, now);
  return { code, out: out.join('\n'), lines: out.join('\n').split('\n').filter(Boolean), err: err.join('\n') };
}
