import { markdown as iamMarkdown } from '../iam/report';
import type { DrillReport, ScenarioReport } from './run';

/** The drill's outputs: the terminal table, the JSON summary and the Markdown report. */

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function summarizeActions(actions: string[]): string {
  if (actions.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const a of actions) {
    const op = a.split(' ')[0];
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return [...counts].map(([op, n]) => (n > 1 ? `${op} x${n}` : op)).join(', ');
}

function summarizeGuards(r: ScenarioReport): string {
  if (r.guardDecisions.length === 0) return 'all allowed';
  const counts = new Map<string, number>();
  for (const g of r.guardDecisions) {
    const [kind] = g.split(' ');
    const reason = g.slice(g.indexOf(': ') + 2).split(':')[0];
    const key = `${kind}: ${clip(reason, 40)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join('; ');
}

export function table(report: DrillReport): string {
  const rows = report.scenarios.map((r) => [
    r.passed ? 'PASS' : 'FAIL',
    r.name,
    clip(r.fault, 48),
    clip(summarizeActions(r.actions), 60),
    clip(summarizeGuards(r), 60),
    clip(r.outcome, 70),
    r.mttrSeconds === null ? '-' : `${r.mttrSeconds.toFixed(2)}s`,
  ]);
  const head = ['', 'scenario', 'fault', 'action(s)', 'guard decisions', 'outcome', 'alarm->recovered'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function json(report: DrillReport): string {
  return `${JSON.stringify(
    {
      stack: report.stack,
      seconds: report.seconds,
      scenarios: report.scenarios.map((r) => ({
        name: r.name,
        expected: r.expected,
        outcome: r.outcome,
        passed: r.passed,
        actions: r.actions,
        mttrSeconds: r.mttrSeconds,
      })),
      iam: {
        requests: report.iam.requests,
        authorizations: report.iam.authorizations,
        denied: report.iam.denied,
        unmapped: report.iam.unmapped,
        unattributed: report.iam.unattributed.length,
        unusedGrants: report.iam.unusedGrants,
      },
    },
    null,
    2,
  )}\n`;
}

export function markdown(report: DrillReport): string {
  const out: string[] = [];
  const passed = report.scenarios.filter((s) => s.passed).length;
  out.push(`# recovery-stack drill: stack \`${report.stack}\``);
  out.push('');
  out.push(`${report.startedAt.toISOString()} · ${report.seconds}s · **${passed}/${report.scenarios.length} scenarios passed**`);
  out.push('');
  out.push('Everything ran in a local AWS emulator (moto_server). The stack was synthesized under the Pulumi mock engine and');
  out.push('recreated in the emulator; the functions ran as their built bundles. Stand-ins (documented in scripts/sandbox/gaps');
  out.push('and scripts/drill): Lambda execution (SQS queues + in-process runner), CloudWatch alarm evaluation and its events,');
  out.push('SSM Automation, EC2 instance/volume status, AWS Health, SSM Change Calendar.');
  out.push('');
  out.push(`Config overrides: \`${JSON.stringify(report.overrides)}\``);
  out.push('');
  out.push('| | scenario | fault | actions | guard decisions | outcome | alarm→recovered |');
  out.push('|---|---|---|---|---|---|---|');
  for (const r of report.scenarios) {
    out.push(
      `| ${r.passed ? '✅' : '❌'} | ${r.name} | ${r.fault} | ${summarizeActions(r.actions)} | ${summarizeGuards(r)} | ${r.outcome} | ${r.mttrSeconds === null ? '-' : `${r.mttrSeconds}s`} |`,
    );
  }
  out.push('');
  out.push('## IAM evidence');
  out.push('');
  out.push(iamMarkdown(report.iam, `Stack \`${report.stack}\`: every request against its function's synthesized role`));
  out.push('## Steps');
  out.push('');
  for (const s of report.steps) out.push(`- ${s.step}: ${s.seconds}s`);
  for (const r of report.scenarios) {
    out.push('');
    out.push(`## ${r.passed ? '✅' : '❌'} ${r.title} (\`${r.name}\`)`);
    out.push('');
    out.push(`- Fault: ${r.fault}`);
    out.push(`- Expected: ${r.expected}`);
    out.push(`- Outcome: ${r.outcome}`);
    out.push(`- Alarm → recovered: ${r.mttrSeconds === null ? '-' : `${r.mttrSeconds}s`}; alarm → settled: ${r.settledSeconds === null ? '-' : `${r.settledSeconds}s`}`);
    if (r.error) out.push(`- Error: ${r.error}`);
    out.push('');
    out.push('Checks (fleet state read from the emulator afterwards):');
    out.push('');
    for (const c of r.checks) out.push(`- ${c.passed ? '✅' : '❌'} ${c.what}: ${c.detail}`);
    out.push('');
    out.push('Timeline:');
    out.push('');
    out.push('| t | kind | what |');
    out.push('|---|---|---|');
    const t0 = r.timeline[0]?.at.getTime() ?? 0;
    for (const e of r.timeline) out.push(`| +${((e.at.getTime() - t0) / 1000).toFixed(2)}s | ${e.kind} | ${e.text.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  }
  out.push('');
  return out.join('\n');
}
