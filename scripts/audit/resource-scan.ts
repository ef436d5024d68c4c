import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INCIDENT_PK_PREFIX } from './audit-record';

/**
 * Which incidents touched a resource since a time, by a Scan: with --scan, or
 * when the ledger has no audit indexes (a stack deployed before them;
 * resource-index.ts is the usual way). It also finds records written before
 * the indexes existed, which carry no index key. A Scan of the whole table
 * with a FilterExpression: the
 * filter trims what comes back, not what is read (DynamoDB charges for every
 * item scanned, ~128 read units per 1 MB page, eventually consistent), so the
 * cost is the table's size whatever --since says. Bounded by `maxPages`:
 * past it the scan stops and says so instead of reading on.
 *
 * A record touches the resource when it names it as the alarm's resource
 * (resource.id), as its blast-radius group (resource.group: an ASG name finds
 * its members' incidents) or as the instance the diagnosis found
 * (evidence.instance.instanceId: the ASG member or the volume's instance a
 * group- or volume-level alarm acted on).
 */
export interface ScanStats {
  pages: number;
  /** Items read (before the filter). */
  scanned: number;
  /** Items that matched. */
  matched: number;
  /** Read capacity consumed, when the endpoint reports it. */
  readUnits?: number;
}

export class ScanBoundReached extends Error {
  override name = 'ScanBoundReached';
  constructor(
    readonly table: string,
    readonly stats: ScanStats,
  ) {
    super(
      `stopped after ${stats.pages} scan pages of ${table} (${stats.scanned} items read${stats.readUnits !== undefined ? `, ${stats.readUnits} read units` : ''}) without reaching the end of the table: ` +
        'nothing is printed, since a partial scan could miss decisions. Raise --max-pages (each page reads up to 1 MB), or use --incident <id> (one cheap query) if you know the incident',
    );
  }
}

export async function incidentsTouching(
  client: DynamoDBDocumentClient,
  o: { table: string; resourceId: string; sinceIso: string; maxPages: number },
): Promise<{ incidentIds: string[]; stats: ScanStats }> {
  const found = new Set<string>();
  const stats: ScanStats = { pages: 0, scanned: 0, matched: 0 };
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    if (stats.pages === o.maxPages) throw new ScanBoundReached(o.table, stats);
    const out = await client.send(
      new ScanCommand({
        TableName: o.table,
        FilterExpression:
          'begins_with(#pk, :incident) AND #at >= :since AND (#resource.#id = :id OR #resource.#group = :id OR #evidence.#instance.#instanceId = :id)',
        // Only the key comes back: the full records are read per incident afterwards (Query).
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: {
          '#pk': 'pk',
          '#at': 'at',
          '#resource': 'resource',
          '#id': 'id',
          '#group': 'group',
          '#evidence': 'evidence',
          '#instance': 'instance',
          '#instanceId': 'instanceId',
        },
        ExpressionAttributeValues: { ':incident': INCIDENT_PK_PREFIX, ':since': o.sinceIso, ':id': o.resourceId },
        ReturnConsumedCapacity: 'TOTAL',
        ExclusiveStartKey,
      }),
    );
    stats.pages++;
    stats.scanned += out.ScannedCount ?? 0;
    stats.matched += out.Count ?? 0;
    const units = out.ConsumedCapacity?.CapacityUnits;
    if (units !== undefined) stats.readUnits = (stats.readUnits ?? 0) + units;
    for (const item of out.Items ?? []) found.add(String(item.pk).slice(INCIDENT_PK_PREFIX.length));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { incidentIds: [...found], stats };
}
