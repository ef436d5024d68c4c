import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LEDGER_INDEX_SORT_KEY, LEDGER_INDEXES } from '../../functions/contracts/ledger-indexes';
import { INCIDENT_PK_PREFIX } from './audit-record';

/**
 * Which incidents touched a resource since a time, read from the ledger's
 * sparse audit indexes (functions/contracts/ledger-indexes.ts): one Query per
 * index (the alarm's resource, the group, the instance acted on: the three
 * relations the scan matches), key = the id and `at >= since`. Reads only the
 * matching index entries (KEYS_ONLY: the incident's pk comes back, its records
 * are then read from the table), so the cost follows the resource's history,
 * not the table's size.
 *
 * Records written before the indexes existed carry no key and are not in
 * them: only a scan (resource-scan.ts, `--scan`) finds those.
 */
export interface IndexStats {
  queries: number;
  /** Index entries that matched. */
  matched: number;
  /** Read capacity consumed, when the endpoint reports it. */
  readUnits?: number;
}

/** The table has no such index: a stack deployed before the audit indexes. The caller falls back to the scan. */
export class IndexMissing extends Error {
  override name = 'IndexMissing';
  constructor(
    readonly table: string,
    readonly index: string,
    cause: unknown,
  ) {
    super(`${table} has no index ${index}`, { cause });
  }
}

/**
 * The answer to a Query on an index the table does not have. DynamoDB says
 * ValidationException "The table does not have the specified index: <name>";
 * moto (the tests' emulator) says ResourceNotFoundException "Invalid index:
 * <name> for table: ...". Matched on the message too: a ResourceNotFound
 * without it is the table itself missing, which is reported as such.
 */
function isMissingIndex(e: unknown): boolean {
  const err = e as { name?: string; message?: string } | null;
  const message = err?.message ?? '';
  return (
    (err?.name === 'ValidationException' && /does not have the specified index/i.test(message)) ||
    (err?.name === 'ResourceNotFoundException' && /^Invalid index: /.test(message))
  );
}

export async function incidentsByIndex(
  client: DynamoDBDocumentClient,
  o: { table: string; resourceId: string; sinceIso: string },
): Promise<{ incidentIds: string[]; stats: IndexStats }> {
  const stats: IndexStats = { queries: 0, matched: 0 };
  const found = new Set<string>();
  // One index after another: the first one missing ends it before the others are asked.
  for (const index of LEDGER_INDEXES) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await client
        .send(
          new QueryCommand({
            TableName: o.table,
            IndexName: index.name,
            KeyConditionExpression: '#key = :id AND #at >= :since',
            // Only the incident's key: its records are read whole from the table afterwards.
            ProjectionExpression: '#pk',
            ExpressionAttributeNames: { '#key': index.key, '#at': LEDGER_INDEX_SORT_KEY, '#pk': 'pk' },
            ExpressionAttributeValues: { ':id': o.resourceId, ':since': o.sinceIso },
            ReturnConsumedCapacity: 'TOTAL',
            ExclusiveStartKey,
          }),
        )
        .catch((e: unknown) => {
          throw isMissingIndex(e) ? new IndexMissing(o.table, index.name, e) : e;
        });
      stats.queries++;
      stats.matched += out.Count ?? 0;
      const units = out.ConsumedCapacity?.CapacityUnits;
      if (units !== undefined) stats.readUnits = (stats.readUnits ?? 0) + units;
      for (const item of out.Items ?? []) {
        const pk = String(item.pk);
        if (pk.startsWith(INCIDENT_PK_PREFIX)) found.add(pk.slice(INCIDENT_PK_PREFIX.length));
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return { incidentIds: [...found], stats };
}
