import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { byTime, INCIDENT_PK_PREFIX, type LedgerItem } from './audit-record';

/**
 * Every audit record of one incident: one Query on its partition
 * (pk = incident#<id>), followed page by page. Cheap: it reads only that
 * incident's items.
 */
export async function incidentRecords(client: DynamoDBDocumentClient, table: string, incidentId: string): Promise<LedgerItem[]> {
  const items: LedgerItem[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': `${INCIDENT_PK_PREFIX}${incidentId}` },
        ExclusiveStartKey,
      }),
    );
    items.push(...(out.Items ?? []));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.sort(byTime);
}
