import type { Guardrails } from '../contracts/guardrails';
import { documentClient } from '../runtime/sdk';
import { conditionalWrite, isConditionFailure, ttl } from '../runtime/ledger';
import { allow, deny, type Verdict } from './verdict';

/**
 * Blast radius: how many members of one group (ASG or tagged fleet) may be
 * under remediation at once: min(maxConcurrentPerGroup, maxPercentPerGroup of
 * the group's size), at least 1. A slot is a member of the `holders` string
 * set, taken with a conditional write on its size, and held by the incident
 * until the incident ends (verified, escalated to humans, failed for good or
 * skipped after taking it), so escalations of the same incident reuse it.
 *
 * Each holder also has a lease (`lease#<incidentId>`, epoch ms): an incident
 * that never ends (its verification message lost to the DLQ) would otherwise
 * hold its slot forever. When the group is full, expired leases are swept with
 * a conditional write (only if still expired) and the acquisition is retried once.
 *
 * Item: pk group#<name>, sk inflight: holders (SS), lease#<incidentId> (N).
 */
export function groupLimit(groupSize: number, g: Guardrails): number {
  const byPercent = Math.floor((groupSize * g.maxPercentPerGroup) / 100);
  return Math.max(1, Math.min(g.maxConcurrentPerGroup, byPercent));
}

const key = (group: string) => ({ pk: `group#${group}`, sk: 'inflight' });
const leaseAttr = (incidentId: string) => `lease#${incidentId}`;

export async function acquireSlot(o: {
  table: string;
  group: string;
  groupSize: number;
  incidentId: string;
  guardrails: Guardrails;
  dryRun: boolean;
  /** How long the slot may be held before others may reclaim it. */
  leaseSeconds: number;
  now?: number;
}): Promise<Verdict> {
  const now = o.now ?? Date.now();
  const limit = groupLimit(o.groupSize, o.guardrails);
  const until = now + o.leaseSeconds * 1000;
  const { client, sdk } = await documentClient();
  const cap = { group: o.group, groupSize: o.groupSize, limit, maxPercentPerGroup: o.guardrails.maxPercentPerGroup, maxConcurrentPerGroup: o.guardrails.maxConcurrentPerGroup };
  const evidence = (extra: Record<string, unknown>) => ({ groupCap: { ...cap, ...extra } });
  const read = async () => {
    const item = (await client.send(new sdk.GetCommand({ TableName: o.table, Key: key(o.group), ConsistentRead: true }))).Item ?? {};
    const holders = item.holders instanceof Set ? [...(item.holders as Set<string>)] : [];
    const stale = holders.filter((h) => typeof item[leaseAttr(h)] === 'number' && (item[leaseAttr(h)] as number) < now);
    return { holders, stale };
  };
  const explain = (h: string[]): Verdict =>
    h.length >= limit
      ? deny(`group cap: ${h.length} of ${o.group}'s ${o.groupSize} members already under remediation (limit ${limit})`, evidence({ inFlight: h.length }))
      : allow(evidence({ inFlight: h.length }));
  const take = async (): Promise<boolean> => {
    return conditionalWrite(
      client.send(
        new sdk.UpdateCommand({
          TableName: o.table,
          Key: key(o.group),
          UpdateExpression: 'ADD holders :me SET #lease = :until, expiresAt = :ttl',
          ConditionExpression: 'attribute_not_exists(holders) OR (size(holders) < :limit AND NOT contains(holders, :inc))',
          ExpressionAttributeNames: { '#lease': leaseAttr(o.incidentId) },
          ExpressionAttributeValues: { ':me': new Set([o.incidentId]), ':limit': limit, ':inc': o.incidentId, ':until': until, ':ttl': ttl(o.leaseSeconds * 2, now) },
        }),
      ),
    );
  };

  if (o.dryRun) {
    const { holders, stale } = await read();
    if (holders.includes(o.incidentId)) return allow(evidence({ inFlight: holders.length, slot: 'already held by this incident' }));
    return explain(holders.filter((h) => !stale.includes(h)));
  }
  if (await take()) return allow(evidence({ slot: 'acquired' }));
  const { holders, stale } = await read();
  if (holders.includes(o.incidentId)) {
    // An escalation of the incident holding the slot: keep it, extend the lease.
    await client.send(
      new sdk.UpdateCommand({
        TableName: o.table,
        Key: key(o.group),
        UpdateExpression: 'SET #lease = :until',
        ConditionExpression: 'contains(holders, :inc)',
        ExpressionAttributeNames: { '#lease': leaseAttr(o.incidentId) },
        ExpressionAttributeValues: { ':until': until, ':inc': o.incidentId },
      }),
    ).catch((e: unknown) => {
      if (!isConditionFailure(e)) throw e;
    });
    return allow(evidence({ inFlight: holders.length, slot: 'already held by this incident' }));
  }
  if (stale.length > 0 && (await sweep(o.table, o.group, stale, now)) && (await take())) {
    return allow(evidence({ slot: 'acquired', reclaimedExpiredSlots: stale }));
  }
  return explain((await read()).holders);
}

/** Removes holders whose lease expired, only while each is still expired. */
async function sweep(table: string, group: string, stale: string[], now: number): Promise<boolean> {
  const { client, sdk } = await documentClient();
  const names: Record<string, string> = {};
  stale.forEach((h, i) => (names[`#l${i}`] = leaseAttr(h)));
  // Condition not met: someone refreshed or swept first.
  return conditionalWrite(
    client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(group),
        UpdateExpression: `DELETE holders :stale REMOVE ${stale.map((_, i) => `#l${i}`).join(', ')}`,
        ConditionExpression: stale.map((_, i) => `#l${i} < :now`).join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':stale': new Set(stale), ':now': now },
      }),
    ),
  );
}

export async function releaseSlot(table: string, group: string, incidentId: string): Promise<boolean> {
  const { client, sdk } = await documentClient();
  // Condition not met: not held (already released), nothing to do.
  return conditionalWrite(
    client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(group),
        UpdateExpression: 'DELETE holders :me REMOVE #lease',
        ConditionExpression: 'contains(holders, :inc)',
        ExpressionAttributeNames: { '#lease': leaseAttr(incidentId) },
        ExpressionAttributeValues: { ':me': new Set([incidentId]), ':inc': incidentId },
      }),
    ),
  );
}
