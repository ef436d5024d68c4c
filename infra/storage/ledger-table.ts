import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { LEDGER_INDEX_PROJECTION, LEDGER_INDEX_SORT_KEY, LEDGER_INDEXES } from '../../functions/contracts/ledger-indexes';

/**
 * The audit ledger: incidents, per-resource attempts, per-group in-flight
 * counters, breaker state and idempotency records, all under pk/sk. Old
 * records expire through TTL (`expiresAt`); PITR because it is the audit trail.
 * Sparse GSIs find audit records by resource (functions/contracts/ledger-indexes.ts:
 * the design and why KEYS_ONLY). Adding them to a deployed table is an online
 * UpdateTable (one index at a time; the table stays readable and writable while
 * each backfills); existing records without the key attributes are not indexed.
 */
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

export function ledgerTable(name: string, opts: pulumi.CustomResourceOptions): aws.dynamodb.Table {
  return new aws.dynamodb.Table(
    name,
    {
      name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      attributes: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
        ...LEDGER_INDEXES.map((i) => ({ name: i.key, type: 'S' })),
        { name: LEDGER_INDEX_SORT_KEY, type: 'S' },
      ],
      globalSecondaryIndexes: LEDGER_INDEXES.map((i) => ({
        name: i.name,
        keySchemas: [
          { attributeName: i.key, keyType: 'HASH' },
          { attributeName: LEDGER_INDEX_SORT_KEY, keyType: 'RANGE' },
        ],
        projectionType: LEDGER_INDEX_PROJECTION,
      })),
      ttl: { attributeName: LEDGER_TTL_ATTRIBUTE, enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
      tags: { 'recovery-stack:role': 'ledger' },
    },
    opts,
  );
}
