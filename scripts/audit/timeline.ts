import { readRecord, type AuditRecord, type LedgerItem } from './audit-record';

/**
 * The human timeline: per incident a header, then one decision per line,
 * oldest first, in aligned columns:
 *   time  rung  action  detail-type  resource  why
 * "why" is what the on-call engineer asks next: the reason (the guard that
 * skipped, the failure, the escalation cause, the verification), the plan of
 * a start, the result of a success; and the mode when it was not `auto`.
 */
export interface IncidentTimeline {
  incidentId: string;
  items: LedgerItem[];
}

const MAX_WHY = 400;

function short(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** `k=v, k=v` for a shallow object (a result's executionId, status...). */
function pairs(o: unknown): string {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return short(o);
  return Object.entries(o as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${short(v)}`)
    .join(', ');
}

export function why(r: AuditRecord): string {
  const parts: string[] = [];
  if (r.reason) parts.push(r.reason);
  const evidence = r.evidence ?? {};
  // The plan says what a start set out to do (and what a dry-run would have done).
  if (Array.isArray(evidence.plan) && evidence.plan.length && (r.detailType === 'Remediation Started' || r.mode === 'dry-run')) {
    parts.push(`plan: ${evidence.plan.map(short).join('; ')}`);
  }
  if (evidence.result !== undefined) parts.push(`result: ${pairs(evidence.result)}`);
  const text = `${r.mode !== 'auto' ? `[${r.mode}] ` : ''}${parts.join('; ')}`.replace(/\s+/g, ' ');
  return text.length > MAX_WHY ? `${text.slice(0, MAX_WHY - 1)}…` : text;
}

export function resourceText(r: AuditRecord): string {
  const acted = (r.evidence?.instance as { instanceId?: unknown } | undefined)?.instanceId;
  const target = typeof acted === 'string' && acted !== r.resource.id ? ` (instance ${acted})` : '';
  return `${r.resource.type} ${r.resource.id}${target}`;
}

/** Control characters (escape sequences) from a record never reach the terminal. */
function printable(cell: string): string {
  return cell.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function columns(cells: string[][]): string[] {
  const rows = cells.map((r) => r.map(printable));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (i === r.length - 1 ? 0 : r[i].length)))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function formatTimelines(timelines: IncidentTimeline[]): string[] {
  // Rows of every incident first: columns line up across the whole output.
  const sections = timelines.map((t) => {
    const read = t.items.map(readRecord);
    const first = read.find((r) => r.ok);
    const last = [...read].reverse().find((r) => r.ok);
    const about = first?.ok ? `playbook ${first.record.playbook}, stage ${first.record.stage}, ${resourceText(first.record)}` : 'unreadable records';
    const outcome = last?.ok ? `; last: ${last.record.detailType}` : '';
    const header = printable(`incident ${t.incidentId} (${about}): ${t.items.length} decision${t.items.length === 1 ? '' : 's'}${outcome}`);
    const rows = read.map((r) =>
      r.ok
        ? [r.record.at, `r${r.record.rung}`, r.record.action, r.record.detailType, resourceText(r.record), why(r.record)]
        : [String(r.item.at ?? '?'), '?', '?', String(r.item.detailType ?? '?'), '?', `unreadable record ${String(r.item.sk ?? '')}: ${r.problem}`],
    );
    return { header, rows };
  });
  const lines = columns(sections.flatMap((s) => s.rows));
  const out: string[] = [];
  let next = 0;
  for (const s of sections) {
    out.push(s.header, ...lines.slice(next, next + s.rows.length).map((l) => `  ${l}`));
    next += s.rows.length;
  }
  return out;
}
