import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB client the audit command reads the ledger with. Region,
 * credentials and endpoint come from the standard AWS environment
 * (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL...), resolved by the SDK itself.
 * Timeouts are set because the SDK's defaults wait on an unreachable endpoint
 * for as long as the OS lets a TCP connect hang: an on-call engineer should
 * get the error in seconds, not minutes.
 */
export function ledgerClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 } });
  return DynamoDBDocumentClient.from(client);
}

/** Where the client will send requests, for messages: the configured endpoint, or AWS's regional one. */
export async function describeTarget(doc: DynamoDBDocumentClient): Promise<string> {
  const region = await doc.config.region().catch(() => undefined);
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  return `${region ? `region ${region}` : 'no region'}${endpoint ? `, endpoint ${endpoint}` : ''}`;
}
