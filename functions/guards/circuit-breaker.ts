import type { Guardrails } from '../contracts/guardrails';
import { documentClient } from '../runtime/sdk';
import { conditionalWrite, isConditionFailure, ttl } from '../runtime/ledger';
import { allow, deny, type Verdict } from './verdict';

/**
 * Per-playbook circuit breaker: `failures` failed remediations within
 * `windowMinutes` open the breaker, and the playbook is notify-only until the
 * window has passed. Counting uses conditional writes (fixed window).
 *
 * Item: pk playbook#<name>, sk breaker: windowStart (ms), failures, openUntil (ms).
 */
const key = (playbook: string) => ({ pk: `playbook#${playbook}`, sk: 'breaker' });

export async function checkBreaker(table: string, playbook: string, now = Date.now()): Promise<Verdict> {
  const { client, sdk } = await documentClient();
  const item = (await client.send(new sdk.GetCommand({ TableName: table, Key: key(playbook), ConsistentRead: true }))).Item;
  if (item?.openUntil && item.openUntil > now) {
    return deny(`circuit breaker open for playbook ${playbook}: ${item.failures} failures since ${new Date(item.windowStart).toISOString()}; notify-only until ${new Date(item.openUntil).toISOString()}`, {
      breaker: { failures: item.failures, openUntil: new Date(item.openUntil).toISOString() },
    });
  }
  return allow();
}

/** Counts one failure; returns true when this failure opened the breaker. */
export async function recordFailure(table: string, playbook: string, g: Guardrails, now = Date.now()): Promise<boolean> {
  const { client, sdk } = await documentClient();
  const windowMs = g.circuitBreaker.windowMinutes * 60_000;
  const cutoff = now - windowMs;
  let failures = 1;
  try {
    const out = await client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(playbook),
        UpdateExpression: 'ADD failures :one',
        ConditionExpression: 'windowStart > :cutoff',
        ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff },
        ReturnValues: 'ALL_NEW',
      }),
    );
    failures = Number(out.Attributes?.failures ?? 1);
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
    try {
      await client.send(
        new sdk.UpdateCommand({
          TableName: table,
          Key: key(playbook),
          UpdateExpression: 'SET windowStart = :now, failures = :one, expiresAt = :ttl',
          ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart <= :cutoff',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':cutoff': cutoff, ':ttl': ttl((2 * windowMs) / 1000, now) },
        }),
      );
    } catch (e2) {
      if (!isConditionFailure(e2)) throw e2;
      return recordFailure(table, playbook, g, now); // someone else just opened a new window: count in it
    }
  }
  if (failures < g.circuitBreaker.failures) return false;
  // Condition not met: already open
  return conditionalWrite(
    client.send(
      new sdk.UpdateCommand({
        TableName: table,
        Key: key(playbook),
        UpdateExpression: 'SET openUntil = :until',
        ConditionExpression: 'attribute_not_exists(openUntil) OR openUntil < :now',
        ExpressionAttributeValues: { ':until': now + windowMs, ':now': now },
      }),
    ),
  );
}
