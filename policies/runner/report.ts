import type { Policies } from '@pulumi/policy';
import type { PolicyRunResult } from './analyze';
import type { ResolvedPackConfig } from './config';

/** Violations grouped by policy (pack order), with resource names and the enforcement level, then a summary line. */
export function formatReport(result: PolicyRunResult, policies: Policies, config: ResolvedPackConfig, heading: string): string {
  const lines: string[] = [heading];
  for (const p of policies) {
    const findings = result.findings.filter((f) => f.policyName === p.name);
    if (findings.length === 0) continue;
    const levels = [...new Set(findings.map((f) => f.enforcementLevel))].join('/');
    lines.push('', `[${levels}] ${p.name} (${findings.length}): ${p.description}`);
    for (const f of findings) {
      const who = f.resourceName ? `${f.resourceName} (${f.resourceType})` : 'stack';
      const text = f.message.split('\n').join('\n      ');
      lines.push(`  - ${who}${f.enforcementLevel !== config[p.name]?.enforcementLevel ? ` [${f.enforcementLevel}]` : ''}: ${text}`);
    }
  }
  if (result.errors.length > 0) {
    lines.push('', `Policy errors (${result.errors.length}): a policy threw; the Pulumi CLI would fail the preview:`);
    for (const e of result.errors) lines.push(`  - ${e.split('\n')[0]}`);
  }
  const s = summarize(result);
  lines.push(
    '',
    `Summary: ${s.mandatory} mandatory, ${s.advisory} advisory violation(s) in ${s.policiesViolated} polic${s.policiesViolated === 1 ? 'y' : 'ies'}; ` +
      `${result.resourceCount} resources, ${result.policyCount} policies (${result.disabled.length} disabled)` +
      (result.errors.length ? `; ${result.errors.length} policy error(s)` : '') +
      ` -> ${s.failed ? 'FAIL' : 'PASS'}`,
  );
  return lines.join('\n');
}

export function summarize(result: PolicyRunResult): { mandatory: number; advisory: number; policiesViolated: number; failed: boolean } {
  const mandatory = result.findings.filter((f) => f.enforcementLevel === 'mandatory').length;
  const advisory = result.findings.filter((f) => f.enforcementLevel === 'advisory').length;
  const policiesViolated = new Set(result.findings.map((f) => f.policyName)).size;
  return { mandatory, advisory, policiesViolated, failed: mandatory > 0 || result.errors.length > 0 };
}
