import type { Guardrails } from '../contracts/guardrails';
import { documentClient } from '../runtime/sdk';
import { isConditionFailure, ttl } from '../runtime/ledger';
import { allow, deny, type Verdict } from './verdict';

/**
 * Blast radius: how many members of one group (ASG or tagged fleet) may be
 * under remediation at once: min(maxConcurrentPerGroup, maxPercentPerGroup of
 * the group's size), at least 1. A slot is a member of the `holders` string
 * set, taken with a conditional write on its size, and held by the incident
 * until the incident ends (verified, escalated to humans, failed for good or
 * skipped after taking it), so escalations of the same incident reuse it.
 *
 * Item: pk group#<name>, sk inflight: holders (SS).
 */
export function groupLimit(groupSize: number, g: Guardrails): number {
  const byPercent = Math.floor((groupSize * g.maxPercentPerGroup) / 100);
  return Math.max(1, Math.min(g.maxConcurrentPerGroup, byPercent));
}

const key = (group: string) => ({ pk: `group#${group}`, sk: 'inflight' });

export async function acquireSlot(o: { table: string; group: string; groupSize: number; incidentId: string; guardrails: Guardrails; dryRun: boolean }): Promise<Verdict> {
  const limit = groupLimit(o.groupSize, o.guardrails);
  const { client, sdk } = await documentClient();
  const cap = { group: o.group, groupSize: o.groupSize, limit, maxPercentPerGroup: o.guardrails.maxPercentPerGroup, maxConcurrentPerGroup: o.guardrails.maxConcurrentPerGroup };
  const evidence = (extra: Record<string, unknown>) => ({ groupCap: { ...cap, ...extra } });
  const holders = async () => {
    const item = (await client.send(new sdk.GetCommand({ TableName: o.table, Key: key(o.group), ConsistentRead: true }))).Item;
    return item?.holders instanceof Set ? [...(item.holders as Set<string>)] : [];
  };
  const explain = (h: string[]): Verdict =>
    h.includes(o.incidentId)
      ? allow(evidence({ inFlight: h.length, slot: 'already held by this incident' }))
      : h.length >= limit
        ? deny(`group cap: ${h.length} of ${o.group}'s ${o.groupSize} members already under remediation (limit ${limit})`, evidence({ inFlight: h.length }))
        : allow(evidence({ inFlight: h.length }));

  if (o.dryRun) return explain(await holders());
  try {
    await client.send(
      new sdk.UpdateCommand({
        TableName: o.table,
        Key: key(o.group),
        UpdateExpression: 'ADD holders :me SET expiresAt = :ttl',
        ConditionExpression: 'attribute_not_exists(holders) OR (size(holders) < :limit AND NOT contains(holders, :inc))',
        ExpressionAttributeValues: { ':me': new Set([o.incidentId]), ':limit': limit, ':inc': o.incidentId, ':ttl': ttl(7 * 86400) },
      }),
    );
    return allow(evidence({ slot: 'acquired' }));
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
  return explain(await holders());
}

export async function releaseSlot(table: string, group: string, incidentId: string): Promise<boolean> {
  const { client, sdk } = await documentClient();
  try {
    await client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(group),
        UpdateExpression: 'DELETE holders :me',
        ConditionExpression: 'contains(holders, :inc)',
        ExpressionAttributeValues: { ':me': new Set([incidentId]), ':inc': incidentId },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false; // not held (already released): nothing to do
    throw e;
  }
}
