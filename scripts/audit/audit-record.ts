import { RecoveryEventDetail } from '../../functions/contracts/recovery-event';

/**
 * One decision as the ledger stores it (functions/runtime/ledger.ts
 * recordDecision): pk `incident#<id>`, sk `<at>#r<rung>#<detailType>`, the
 * detail-type, the RecoveryEventDetail fields and the TTL. Read as data from
 * outside: an item that does not have that shape is shown as unreadable
 * rather than failing the whole timeline.
 */
export type LedgerItem = Record<string, unknown>;

export type AuditRecord = RecoveryEventDetail & { detailType: string; sk: string };

export type ReadRecord = { ok: true; record: AuditRecord; item: LedgerItem } | { ok: false; problem: string; item: LedgerItem };

export const INCIDENT_PK_PREFIX = 'incident#';

export function readRecord(item: LedgerItem): ReadRecord {
  const detail = RecoveryEventDetail.safeParse(item);
  const detailType = item.detailType;
  const sk = item.sk;
  if (!detail.success) return { ok: false, problem: detail.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; '), item };
  if (typeof detailType !== 'string' || typeof sk !== 'string') return { ok: false, problem: 'detailType/sk missing', item };
  return { ok: true, record: { ...detail.data, detailType, sk }, item };
}

/**
 * Where a detail-type falls in one rung's life. Records written before
 * functions/runtime/ladder.ts gave an escalation its own, later time share
 * the `at` of the failure or skip that caused it, and the sort key then puts
 * `Remediation Escalated` before `Remediation Failed` (alphabetical); such
 * records stay in the ledger for its 90 days. Ties are ordered by cause and
 * effect instead.
 */
const LIFE: Record<string, number> = {
  'Remediation Started': 0,
  'Remediation Skipped': 1,
  'Remediation Succeeded': 1,
  'Remediation Failed': 1,
  'Remediation Requested': 2,
  'Remediation Escalated': 2,
  'Remediation Verified': 3,
  'Remediation Resolved': 4,
};

/** Oldest first: by time, then rung, then cause before effect, then the sort key. */
export function byTime(a: LedgerItem, b: LedgerItem): number {
  const key = (i: LedgerItem): Array<string | number> => [String(i.at ?? ''), Number(i.rung ?? 0), LIFE[String(i.detailType)] ?? 9, String(i.sk ?? '')];
  const [ka, kb] = [key(a), key(b)];
  for (let n = 0; n < ka.length; n++) if (ka[n] !== kb[n]) return ka[n] < kb[n] ? -1 : 1;
  return 0;
}
