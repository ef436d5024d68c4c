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

/** Oldest first: the sort key starts with the ISO time of the decision (ties: rung, then detail-type). */
export function byTime(a: LedgerItem, b: LedgerItem): number {
  const ka = `${String(a.at ?? '')}\u0000${String(a.sk ?? '')}`;
  const kb = `${String(b.at ?? '')}\u0000${String(b.sk ?? '')}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
