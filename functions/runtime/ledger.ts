import { ledgerIndexKeys } from '../contracts/ledger-indexes';
import type { RecoveryEventDetail } from '../contracts/recovery-event';
import { printableDeep } from './printable';
import { documentClient } from './sdk';

/**
 * The ledger: one DynamoDB table, string keys pk/sk, TTL attribute `expiresAt`
 * (epoch seconds). Item families (guards own theirs, see functions/guards/):
 *   incident#<incidentId> / <at>#r<rung>#<detailType>  audit record of one decision
 *   resource#<id>         / attempts                   cooldown + attempts per day
 *   group#<group>         / inflight                   blast-radius slots
 *   playbook#<name>       / breaker                    circuit breaker
 *   idempotency#<fn>      / <key hash>                 Powertools idempotency records
 *   fault#<alarmName>     / escalation#<incidentId>    incident handed to humans, open until the
 *                                                      alarm is OK again (runtime/open-escalations.ts)
 * Audit records alone also carry the sparse index keys resourceKey / groupKey /
 * instanceKey (contracts/ledger-indexes.ts): `npm run audit -- --resource` queries them.
 */
export const AUDIT_RETENTION_DAYS = 90;

export function ttl(seconds: number, now = Date.now()): number {
  return Math.floor(now / 1000) + Math.ceil(seconds);
}

export async function recordDecision(table: string, detailType: string, detail: RecoveryEventDetail): Promise<void> {
  const { client, sdk } = await documentClient();
  await client.send(
    new sdk.PutCommand({
      TableName: table,
      // Strings from events (reasons, evidence) made printable: what people read is what was sent, minus control characters.
      Item: printableDeep({
        pk: `incident#${detail.incidentId}`,
        sk: `${detail.at}#r${detail.rung}#${detailType}`,
        detailType,
        ...detail,
        ...ledgerIndexKeys(detail),
        expiresAt: ttl(AUDIT_RETENTION_DAYS * 86400),
      }),
      // An audit record is written once; a retry must not overwrite it.
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  ).catch((e: unknown) => {
    if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
  });
}

/**
 * Sends a conditional write: true when it was made, false when its condition
 * did not hold (someone else got there first: an expected answer for a guard);
 * any other error is thrown.
 */
export async function conditionalWrite(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

export function isConditionFailure(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
