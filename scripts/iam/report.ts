import type { Grant, IamEvidence } from './evaluate';

/** The IAM evidence as the drill prints it (summary), and in full as Markdown (`--report`, docs/least-privilege.md). */

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A grant wider than its use: a resource pattern with a wildcard where the run used a few concrete ARNs. */
export function wideGrants(e: IamEvidence): { fn: string; grant: Grant }[] {
  return e.functions.flatMap((f) =>
    f.grants
      .filter((g) => g.used > 0 && !g.platform && g.resources.some((r) => r !== '*' && r.includes('*')) && g.usedOn.every((u) => !u.includes('*')))
      .map((grant) => ({ fn: f.fn, grant })),
  );
}

export function summary(e: IamEvidence): string[] {
  const lines = [
    `IAM evidence: ${plural(e.requests, 'request')} (${plural(e.authorizations, 'authorization')}) evaluated against the synthesized roles: ` +
      `${e.denied} denied, ${e.unmapped} unmapped, ${e.unattributed.length} unattributed; ${plural(e.unusedGrants, 'grant')} (statement x action) unused`,
  ];
  for (const f of e.functions) {
    const unused = f.grants.filter((g) => !g.used && !g.platform).length;
    lines.push(`  ${f.fn.padEnd(22)} ${String(f.requests).padStart(4)} requests  ${String(f.authorizations).padStart(4)} authorizations  ${f.denied.length ? `DENIED ${f.denied.reduce((n, d) => n + d.count, 0)}` : '0 denied'}  ${f.unmapped.length ? `UNMAPPED ${f.unmapped.reduce((n, d) => n + d.count, 0)}` : '0 unmapped'}  ${unused} unused grants`);
  }
  for (const f of e.functions) {
    for (const d of f.denied) lines.push(`  DENIED ${d.fn}: ${d.action} on ${d.resource} (${d.operation}, x${d.count}): ${d.why}: ${d.detail}`);
    for (const u of f.unmapped) lines.push(`  UNMAPPED ${u.fn}: ${u.operation} (x${u.count}): ${u.reason}`);
  }
  for (const u of e.unattributed) lines.push(`  UNATTRIBUTED ${u.caller}: ${u.operation} (x${u.count}): signed with a key that names no function of the stack`);
  return lines;
}

export function markdown(e: IamEvidence, title: string): string {
  const out: string[] = [];
  out.push(`### ${title}`);
  out.push('');
  out.push(`${plural(e.requests, 'request')}, ${plural(e.authorizations, 'authorization')} evaluated; **${e.denied} denied, ${e.unmapped} unmapped**, ${e.unattributed.length} unattributed; **${plural(e.unusedGrants, 'grant')} unused** (statement x action, the Lambda service's own log and on-failure grants left out).`);
  out.push('');
  out.push('| role | requests | authorizations | denied | unmapped | grants | unused |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const f of e.functions) {
    const grants = f.grants.filter((g) => !g.platform);
    out.push(`| ${f.fn} | ${f.requests} | ${f.authorizations} | ${f.denied.reduce((n, d) => n + d.count, 0)} | ${f.unmapped.reduce((n, d) => n + d.count, 0)} | ${grants.length} | ${grants.filter((g) => !g.used).length} |`);
  }
  const denied = e.functions.flatMap((f) => f.denied);
  if (denied.length) {
    out.push('');
    out.push('Denied:');
    out.push('');
    for (const d of denied) out.push(`- ${d.fn}: \`${d.action}\` on \`${d.resource}\` (${d.operation}, x${d.count}): ${d.why}: ${d.detail}`);
  }
  const unmapped = e.functions.flatMap((f) => f.unmapped);
  if (unmapped.length) {
    out.push('');
    out.push('Unmapped:');
    out.push('');
    for (const u of unmapped) out.push(`- ${u.fn}: ${u.operation} (x${u.count}): ${u.reason}`);
  }
  out.push('');
  out.push('Unused grants (statement: actions):');
  out.push('');
  for (const f of e.functions) {
    const bySid = new Map<string, string[]>();
    for (const g of f.grants.filter((x) => !x.used && !x.platform)) bySid.set(g.sid, [...(bySid.get(g.sid) ?? []), g.action]);
    if (bySid.size) out.push(`- **${f.fn}**: ${[...bySid].map(([sid, actions]) => `${sid}: ${actions.map((a) => `\`${a}\``).join(', ')}`).join('; ')}`);
  }
  const wide = wideGrants(e);
  if (wide.length) {
    out.push('');
    out.push('Wider than their use (a wildcard resource; the ARNs the run used):');
    out.push('');
    for (const { fn, grant: g } of wide) {
      out.push(`- ${fn} ${g.sid} \`${g.action}\`${g.conditioned ? ' (with a condition)' : ''} on ${g.resources.map((r) => `\`${r}\``).join(', ')}: used on ${g.usedOn.length} (${g.usedOn.slice(0, 4).map((r) => `\`${r}\``).join(', ')}${g.usedOn.length > 4 ? ', ...' : ''})`);
    }
  }
  out.push('');
  return out.join('\n');
}
