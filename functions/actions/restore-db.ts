import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionContext, ActionResult } from '../runtime/action-context';
import { describeDbInstance, type DbInstanceFacts } from '../runtime/db-instance';
import { waitFor } from '../runtime/poll';
import { rds } from '../runtime/sdk';
import { tagList } from '../runtime/tags';
import { rollbackSteps } from '../runtime/rollback-steps';

/**
 * RDS point-in-time restore with an identifier swap: restore the instance to
 * its latest restorable time as `<id>-restored-<incident>`, then rename the
 * old one to `<id>-replaced-<ts>` and the restored one to `<id>`. RDS endpoints
 * follow the identifier, so clients keep their connection string. The old
 * instance is kept (renamed and tagged), never deleted: it holds the writes
 * after the restore point, which only a human can reconcile. A failure puts
 * the names back; the restored instance is then kept and tagged.
 *
 * Instances are told apart by a tag on the restored one (recovery:incident +
 * recovery:replaces), not by name: names are what the swap changes.
 */
const MAX_ID = 63;

/** `<base><suffix>` within RDS's identifier rules (63 chars, no trailing or double hyphen). */
export function derivedIdentifier(id: string, suffix: string): string {
  const base = id.slice(0, MAX_ID - suffix.length - 1).replace(/-+$/, '');
  return `${base}-${suffix}`;
}

export function restoredIdentifier(id: string, token: string): string {
  return derivedIdentifier(id, `restored-${token.replace(/[^0-9a-f]/gi, '').slice(0, 8).toLowerCase()}`);
}

export function replacedIdentifier(id: string, at: Date): string {
  return derivedIdentifier(id, `replaced-${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`);
}

const NOT_RESTORABLE_STATES = ['creating', 'deleting', 'renaming', 'restore-error', 'storage-full'];

export const restoreDb = defineAction({
  name: 'restore-db',
  description:
    'Restore the RDS instance to its latest restorable time as a new instance, swap identifiers so clients keep the endpoint, keep the old instance renamed and tagged; any failure puts the names back.',
  destructive: true,
  input: z.strictObject({ instanceClass: z.optional(z.string().check(z.regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/))) }),
  permissions: [
    { sid: 'ReadDbInstances', actions: ['rds:DescribeDBInstances'], resources: ['*'] },
    {
      // The restore reads the source and creates `<id>-restored-*`; ModifyDBInstance renames `<id>` and `<id>-*`
      // (both in the policy pack's destructive list): narrowed to the protected DB identifiers and their derived names.
      sid: 'RestoreAndSwapProtectedDb',
      actions: ['rds:RestoreDBInstanceToPointInTime', 'rds:ModifyDBInstance', 'rds:AddTagsToResource'],
      resources: ['arn:{partition}:rds:{region}:{account}:db:*'],
      scope: 'protected',
    },
    {
      sid: 'RestoreIntoSameNetworkAndGroups',
      actions: ['rds:RestoreDBInstanceToPointInTime'],
      resources: [
        'arn:{partition}:rds:{region}:{account}:subgrp:*',
        'arn:{partition}:rds:{region}:{account}:og:*',
        'arn:{partition}:rds:{region}:{account}:pg:*',
        'arn:{partition}:rds:{region}:{account}:secgrp:*',
      ],
    },
  ],
  fits(d) {
    const db = d.dbInstance;
    if (!db) return `no DB instance found for ${d.resource.type} ${d.resource.id}`;
    if (db.clusterIdentifier) return `${db.identifier} is a member of Aurora cluster ${db.clusterIdentifier}: restore the cluster, not the instance`;
    if (db.replicaSource) return `${db.identifier} is a read replica of ${db.replicaSource}: rebuild it from its source`;
    if (db.backupRetentionPeriod < 1) return `${db.identifier} has no automated backups (BackupRetentionPeriod 0): no point-in-time restore is possible`;
    if (!db.latestRestorableTime) return `${db.identifier} has no latest restorable time yet`;
    if (NOT_RESTORABLE_STATES.includes(db.status)) {
      return db.status === 'storage-full'
        ? `${db.identifier} is storage-full: a restore gets the same storage and loses recent writes; grow AllocatedStorage instead`
        : `${db.identifier} is ${db.status}`;
    }
    return undefined;
  },
  plan(d) {
    const db = d.dbInstance!;
    return [
      `RestoreDBInstanceToPointInTime ${db.identifier} at its latest restorable time (${db.latestRestorableTime}) -> ${db.identifier}-restored-<incident>`,
      'wait until the restored instance is available',
      `ModifyDBInstance ${db.identifier} -> ${db.identifier}-replaced-<timestamp> (kept, tagged recovery:state=replaced)`,
      `ModifyDBInstance ${db.identifier}-restored-<incident> -> ${db.identifier} (clients keep the endpoint ${db.endpoint ?? ''})`,
      `writes after ${db.latestRestorableTime} stay only on the replaced instance`,
    ];
  },
  async run(ctx, p) {
    return restore(ctx, p.instanceClass);
  },
});

async function restore(ctx: ActionContext, instanceClass: string | undefined): Promise<ActionResult> {
  const { client, sdk } = await rds();
  const source = ctx.diagnosis.dbInstance!;
  const id = source.identifier;
  const tempId = restoredIdentifier(id, ctx.clientToken('restore-db'));
  const replacedId = replacedIdentifier(id, new Date());
  const isRestored = (f?: DbInstanceFacts) => f?.tags['recovery:incident'] === ctx.incidentId && f?.tags['recovery:replaces'] === id;
  const wait = (what: string, probe: () => Promise<boolean>) =>
    waitFor(what, async () => ((await probe()) ? true : undefined), { intervalMs: ctx.pollIntervalMs, deadline: ctx.deadline });
  const available = (name: string, want: (f: DbInstanceFacts) => boolean) => async () => {
    const f = await describeDbInstance(name);
    return f?.status === 'available' && want(f);
  };
  const rename = (from: string, to: string) =>
    client.send(new sdk.ModifyDBInstanceCommand({ DBInstanceIdentifier: from, NewDBInstanceIdentifier: to, ApplyImmediately: true }));
  const steps: string[] = [];

  // Read-only preparation: the source's network and settings carry over to the restored instance.
  const raw = (await client.send(new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  if (!raw) return { outcome: 'failed', reason: `DB instance ${id} not found; nothing changed` };
  const restoredTags = { ...ctx.recoveryTags, 'recovery:replaces': id, 'recovery:state': 'restoring' };

  try {
    // Same incident + rung = same name: a retried run finds its own restore instead of starting a second one.
    let restored = await describeDbInstance(tempId);
    if (!restored) {
      await client.send(
        new sdk.RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: id,
          TargetDBInstanceIdentifier: tempId,
          UseLatestRestorableTime: true,
          DBInstanceClass: instanceClass ?? raw.DBInstanceClass,
          MultiAZ: raw.MultiAZ,
          DBSubnetGroupName: raw.DBSubnetGroup?.DBSubnetGroupName,
          VpcSecurityGroupIds: raw.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId!).filter(Boolean),
          DBParameterGroupName: raw.DBParameterGroups?.[0]?.DBParameterGroupName,
          Port: raw.Endpoint?.Port,
          PubliclyAccessible: raw.PubliclyAccessible,
          StorageType: raw.StorageType,
          DeletionProtection: raw.DeletionProtection,
          CopyTagsToSnapshot: raw.CopyTagsToSnapshot,
          Tags: tagList(restoredTags),
        }),
      );
      steps.push(`restoring ${id} at its latest restorable time as ${tempId}`);
    } else steps.push(`found ${tempId} from an earlier attempt`);
    await wait(`${tempId} available`, available(tempId, () => true));
    restored = (await describeDbInstance(tempId))!;
    // Tags also set explicitly: restores that copy the source's tags must still mark the restored instance.
    await client.send(new sdk.AddTagsToResourceCommand({ ResourceName: restored.arn, Tags: tagList(restoredTags) }));
    steps.push(`${tempId} available (restored to ${restored.latestRestorableTime ?? source.latestRestorableTime})`);

    await rename(id, replacedId);
    await wait(`${id} renamed to ${replacedId}`, available(replacedId, (f) => !isRestored(f)));
    steps.push(`renamed ${id} -> ${replacedId}`);
    await rename(tempId, id);
    await wait(`${tempId} renamed to ${id}`, available(id, isRestored));
    steps.push(`renamed ${tempId} -> ${id}`);
  } catch (e) {
    const rollback = await rollBack(ctx, { id, tempId, replacedId, isRestored });
    return {
      outcome: 'failed',
      reason: `restoring ${id} failed after [${steps.join(', ') || 'no step'}]: ${(e as Error).message}; rolled back: ${rollback.join('; ') || 'nothing to undo'}`,
      detail: { dbInstance: id, restoredInstance: tempId, replacedName: replacedId, steps, rollback },
    };
  }

  // The swap is done; tagging is bookkeeping and does not undo it.
  const notes: string[] = [];
  const tag = async (name: string, tags: Record<string, string>) => {
    try {
      const f = await describeDbInstance(name);
      await client.send(new sdk.AddTagsToResourceCommand({ ResourceName: f!.arn, Tags: tagList(tags) }));
    } catch (e) {
      notes.push(`could not tag ${name}: ${(e as Error).message}`);
    }
  };
  await tag(replacedId, { ...ctx.recoveryTags, 'recovery:state': 'replaced', 'recovery:replaced-by': id, 'recovery:original-identifier': id });
  await tag(id, { 'recovery:state': 'restored', 'recovery:previous-instance': replacedId });
  return {
    outcome: 'succeeded',
    detail: {
      dbInstance: id,
      restoredTo: source.latestRestorableTime,
      replacedInstance: replacedId,
      endpoint: source.endpoint,
      steps,
      ...(notes.length ? { notes } : {}),
    },
  };
}

/**
 * Puts the names back from the actual state (a failed call may still have
 * taken effect): the restored instance gives `<id>` back, the old instance
 * gets `<id>` again. Never deletes: the restored instance is tagged
 * failed-restore for inspection.
 */
async function rollBack(
  ctx: ActionContext,
  o: { id: string; tempId: string; replacedId: string; isRestored: (f?: DbInstanceFacts) => boolean },
): Promise<string[]> {
  const { client, sdk } = await rds();
  const { done, attempt } = rollbackSteps();
  // Rollback gets its own two minutes even when the main deadline is spent.
  const wait = (what: string, probe: () => Promise<boolean>) =>
    waitFor(what, async () => ((await probe()) ? true : undefined), { intervalMs: ctx.pollIntervalMs, deadline: Math.max(ctx.deadline, Date.now() + 120_000) });
  const rename = (from: string, to: string) =>
    client.send(new sdk.ModifyDBInstanceCommand({ DBInstanceIdentifier: from, NewDBInstanceIdentifier: to, ApplyImmediately: true }));

  const holder = await describeDbInstance(o.id).catch(() => undefined);
  if (holder && o.isRestored(holder)) {
    await attempt(`rename ${o.id} (the restored instance) back to ${o.tempId}`, async () => {
      await rename(o.id, o.tempId);
      await wait(`${o.tempId} back`, async () => o.isRestored(await describeDbInstance(o.tempId)));
    });
  }
  const old = await describeDbInstance(o.replacedId).catch(() => undefined);
  if (old && !o.isRestored(old) && !(await describeDbInstance(o.id).catch(() => undefined))) {
    await attempt(`rename ${o.replacedId} back to ${o.id}`, async () => {
      await rename(o.replacedId, o.id);
      await wait(`${o.id} back`, async () => (await describeDbInstance(o.id))?.status === 'available');
    });
  }
  const restored = await describeDbInstance(o.tempId).catch(() => undefined);
  if (restored) {
    await attempt(`tag ${o.tempId} failed-restore (kept)`, () =>
      client.send(new sdk.AddTagsToResourceCommand({ ResourceName: restored.arn, Tags: tagList({ ...ctx.recoveryTags, 'recovery:state': 'failed-restore' }) })),
    );
  }
  return done;
}
