import type { RecoveryEventDetail } from './recovery-event';

/**
 * The ledger's global secondary indexes: audit records by the resources they
 * are about, so `npm run audit -- --resource <id>` Queries instead of scanning
 * the table. One definition for infra (infra/storage/ledger-table.ts), the
 * writer (functions/runtime/ledger.ts recordDecision), the reader
 * (scripts/audit) and the test stack, so they cannot drift.
 *
 * A record is about up to three resources, which `--resource` has always
 * matched: the alarm's resource (resource.id), its blast-radius group
 * (resource.group: an ASG name finds its members' incidents) and the instance
 * the diagnosis acted on (evidence.instance.instanceId: the ASG member, or
 * the instance of an alarmed volume). An index key is one value per item, so
 * each relation has its own sparse key and index; the reader queries the
 * three and merges. A key is written only when it says something new: no
 * group key for `standalone` or when the group is the resource itself (an
 * ASG-level alarm), no instance key when the instance is the resource.
 *
 * Sparse: only audit records carry these attributes (guards' counters,
 * idempotency and escalation items do not), so the indexes hold audit
 * records only; another item family must not use these top-level names (nor
 * `at` as anything but a string: DynamoDB refuses a write whose index key
 * attribute has another type). Sort key `at` (ISO time, already on every record) serves
 * `--since`. KEYS_ONLY projection: the reader takes only the incident id (pk)
 * from an index and then reads each incident whole from the table (it prints
 * every record of an incident, also those that name none of the keys, such as
 * a kill-switch skip before diagnosis); projecting ALL would store every audit
 * record twice more for nothing.
 */
export const LEDGER_INDEX_SORT_KEY = 'at';
export const LEDGER_INDEX_PROJECTION = 'KEYS_ONLY' as const;

export const LEDGER_INDEXES = [
  { name: 'audit-by-resource', key: 'resourceKey', about: "the alarm's resource (resource.id)" },
  { name: 'audit-by-group', key: 'groupKey', about: 'the blast-radius group (resource.group)' },
  { name: 'audit-by-instance', key: 'instanceKey', about: 'the instance acted on (evidence.instance.instanceId)' },
] as const;

export type LedgerIndexKey = (typeof LEDGER_INDEXES)[number]['key'];

/** The blast-radius group of every resource outside a group: it would index them all together. */
export const STANDALONE_GROUP = 'standalone';

/** The index attributes an audit record carries (top level, beside the RecoveryEventDetail fields). */
export function ledgerIndexKeys(detail: RecoveryEventDetail): Partial<Record<LedgerIndexKey, string>> {
  const resourceKey = detail.resource.id;
  const keys: Partial<Record<LedgerIndexKey, string>> = { resourceKey };
  const group = detail.resource.group;
  if (group && group !== STANDALONE_GROUP && group !== resourceKey) keys.groupKey = group;
  const instance = detail.evidence?.instance;
  const instanceId = typeof instance === 'object' && instance !== null ? (instance as { instanceId?: unknown }).instanceId : undefined;
  if (typeof instanceId === 'string' && instanceId.length > 0 && instanceId !== resourceKey) keys.instanceKey = instanceId;
  return keys;
}

/**
 * The ledger's key and index definitions in the shape DynamoDB's CreateTable
 * takes them, for tables made outside Pulumi (the test stack, the audit
 * measurement). `indexes: false`: a ledger from before the audit indexes.
 */
export function ledgerTableKeys(opts: { indexes?: boolean } = {}) {
  const indexes = opts.indexes === false ? [] : LEDGER_INDEXES;
  return {
    AttributeDefinitions: ['pk', 'sk', ...indexes.map((i) => i.key), ...(indexes.length ? [LEDGER_INDEX_SORT_KEY] : [])].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' as const },
      { AttributeName: 'sk', KeyType: 'RANGE' as const },
    ],
    ...(indexes.length
      ? {
          GlobalSecondaryIndexes: indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.key, KeyType: 'HASH' as const },
              { AttributeName: LEDGER_INDEX_SORT_KEY, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: LEDGER_INDEX_PROJECTION },
          })),
        }
      : {}),
  };
}
