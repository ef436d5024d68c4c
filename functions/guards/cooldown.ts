import type { Guardrails } from '../contracts/guardrails';
import { documentClient } from '../runtime/sdk';
import { conditionalWrite, isConditionFailure, ttl } from '../runtime/ledger';
import { allow, deny, type Verdict } from './verdict';

/**
 * Per-resource cooldown and attempts per day, reserved with one conditional
 * write so two concurrent invocations cannot both pass. Escalations of the
 * same incident (next rung) are not held back by the cooldown that incident
 * itself started, but they do count as attempts.
 *
 * Item: pk resource#<id>, sk attempts: day, count, lastAt (ms), lastIncident.
 */
interface AttemptsItem {
  day?: string;
  count?: number;
  lastAt?: number;
  lastIncident?: string;
}

/**
 * A granted reservation can be given back (`undo`) when a later guard turns the
 * remediation down before anything was done: a resource skipped for its
 * group's cap was not remediated, so it must not sit in a cooldown (with a
 * reason naming an action that never ran) or count against its attempts.
 */
export type AttemptReservation = Verdict & { undo?: () => Promise<boolean> };

const ATTRS = ['day', 'count', 'lastAt', 'lastIncident', 'expiresAt'] as const;

const NAMES = { '#day': 'day', '#count': 'count', '#lastAt': 'lastAt', '#lastIncident': 'lastIncident', '#expiresAt': 'expiresAt' };

export async function reserveAttempt(o: {
  table: string;
  resourceId: string;
  incidentId: string;
  guardrails: Guardrails;
  /** Dry-run: evaluate without writing. */
  dryRun: boolean;
  now?: number;
}): Promise<AttemptReservation> {
  const now = o.now ?? Date.now();
  const today = new Date(now).toISOString().slice(0, 10);
  const cutoff = now - o.guardrails.cooldownMinutes * 60_000;
  const key = { pk: `resource#${o.resourceId}`, sk: 'attempts' };
  const { client, sdk } = await documentClient();
  const read = async () =>
    ((await client.send(new sdk.GetCommand({ TableName: o.table, Key: key, ConsistentRead: true }))).Item ?? {}) as AttemptsItem;

  const explain = (item: AttemptsItem): Verdict | undefined => {
    const evidence = { attempts: { day: item.day, count: item.count, lastAt: item.lastAt && new Date(item.lastAt).toISOString(), lastIncident: item.lastIncident } };
    if (item.lastAt !== undefined && item.lastAt > cutoff && item.lastIncident !== o.incidentId) {
      return deny(
        `cooldown: ${o.resourceId} was remediated at ${new Date(item.lastAt).toISOString()} (incident ${item.lastIncident}); cooldown of ${o.guardrails.cooldownMinutes} min lasts until ${new Date(item.lastAt + o.guardrails.cooldownMinutes * 60_000).toISOString()}`,
        evidence,
      );
    }
    if (item.day === today && (item.count ?? 0) >= o.guardrails.maxAttemptsPerDay) {
      return deny(`max attempts: ${o.resourceId} already had ${item.count} remediation attempts on ${today} (limit ${o.guardrails.maxAttemptsPerDay} per day)`, evidence);
    }
    return undefined;
  };

  if (o.dryRun) return explain(await read()) ?? allow();

  /**
   * Puts back what the reservation overwrote (UPDATED_OLD holds exactly those
   * attributes), only while the item still shows this reservation: a later
   * reservation by anyone else is never undone. False when it was not put back
   * (the resource then stays in cooldown: the cautious side).
   */
  const granted = (old: Record<string, unknown>): AttemptReservation => ({
    ...allow(),
    undo: async () => {
      const set = ATTRS.filter((a) => old[a] !== undefined);
      const remove = ATTRS.filter((a) => old[a] === undefined);
      const update = [set.length ? `SET ${set.map((a) => `#${a} = :old_${a}`).join(', ')}` : '', remove.length ? `REMOVE ${remove.map((a) => `#${a}`).join(', ')}` : ''].filter(Boolean).join(' ');
      return conditionalWrite(
        client.send(
          new sdk.UpdateCommand({
            TableName: o.table,
            Key: key,
            UpdateExpression: update,
            ConditionExpression: '#lastIncident = :inc AND #lastAt = :now',
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ':inc': o.incidentId, ':now': now, ...Object.fromEntries(set.map((a) => [`:old_${a}`, old[a]])) },
          }),
        ),
      );
    },
  });

  const values = { ':one': 1, ':now': now, ':inc': o.incidentId, ':today': today, ':cutoff': cutoff, ':ttl': ttl(2 * 86400, now) };
  for (let i = 0; i < 3; i++) {
    try {
      // First attempt of the day (or first ever) for this resource. Tried first: faults on one resource are
      // rare, so this is the common case and takes one write; a later attempt the same day (an escalation,
      // a repeat) pays one failed conditional write before the increment.
      const out = await client.send(
        new sdk.UpdateCommand({
          TableName: o.table,
          Key: key,
          UpdateExpression: 'SET #day = :today, #count = :one, #lastAt = :now, #lastIncident = :inc, #expiresAt = :ttl',
          ConditionExpression: '(attribute_not_exists(#day) OR #day <> :today) AND (attribute_not_exists(#lastAt) OR #lastAt <= :cutoff OR #lastIncident = :inc)',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return granted(out.Attributes ?? {});
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    try {
      // A later attempt the same day: count it, within the cap and outside another incident's cooldown.
      const out = await client.send(
        new sdk.UpdateCommand({
          TableName: o.table,
          Key: key,
          UpdateExpression: 'SET #count = #count + :one, #lastAt = :now, #lastIncident = :inc, #expiresAt = :ttl',
          ConditionExpression: '#day = :today AND #count < :max AND (#lastAt <= :cutoff OR #lastIncident = :inc)',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ...values, ':max': o.guardrails.maxAttemptsPerDay },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return granted(out.Attributes ?? {});
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    const verdict = explain(await read());
    if (verdict) return verdict;
    // Lost a race between the two writes; try again.
  }
  return deny(`could not reserve an attempt for ${o.resourceId} under contention; not acting`);
}
