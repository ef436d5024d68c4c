import { CreateDBInstanceCommand, DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import type { Fleet } from '../fleet';
import { DRILL_TAG } from '../fleet';
import type { Clients } from '../aws';
import { alarmOf, check, eventsFor, fleetCalls, notificationsFor, type Scenario } from './scenario';

/**
 * An RDS instance stops reporting (its storage is broken: a reboot does not
 * bring it back). Rung 0 reboot-db (Multi-AZ: with failover) runs, the alarm
 * stays in ALARM, rung 1 restore-db restores the instance to its latest
 * restorable time, then swaps identifiers: the restored instance answers
 * under the original name (same endpoint), the broken one is renamed
 * `<id>-replaced-<ts>`, tagged and kept.
 */
interface Seed {
  id: string;
  createdAt: string;
}

const ID = 'drill-orders';

async function db(c: Clients, id: string): Promise<DBInstance | undefined> {
  return c.rds
    .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
    .then((o) => o.DBInstances?.[0])
    .catch(() => undefined);
}
const tagsOf = (d?: DBInstance) => Object.fromEntries((d?.TagList ?? []).map((t) => [t.Key!, t.Value ?? '']));
const created = (d?: DBInstance) => d?.InstanceCreateTime?.toISOString() ?? '';

export const rdsRestore: Scenario<Seed> = {
  name: 'rds-restore',
  title: 'RDS instance unresponsive, reboot does not help',
  fault: 'the DB instance publishes no metrics (broken storage); the fault survives a reboot',
  expected: 'reboot-db, verification fails, restore-db: restored instance under the same identifier, old one renamed + tagged, nothing deleted',
  expectedUnder: (g) =>
    g.requireApprovalForDestructive ? 'reboot-db, verification fails, escalated: restore-db handed to humans for approval, instance untouched' : rdsRestore.expected,
  async seed(fleet: Fleet) {
    const c = fleet.clients;
    await c.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: ID,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'app',
        MasterUserPassword: 'drill-password-1',
        MultiAZ: true,
        BackupRetentionPeriod: 7,
        Tags: [{ Key: DRILL_TAG, Value: 'rds-restore' }],
      }),
    );
    return { id: ID, createdAt: created(await db(c, ID)) };
  },
  targets: (s) => [{ kind: 'rds-instance', identifier: s.id }],
  async inject(env, s) {
    // The fault belongs to this physical instance (identifier + creation time), not to the name.
    env.proxy.impairments.inject({ kind: 'db-unresponsive', resourceId: `${s.id}@${s.createdAt}`, survivesRestart: true });
    return [alarmOf(env, 'rds-unresponsive', s.id)];
  },
  async recovered(env, s) {
    const now = await db(env.clients, s.id);
    return now?.DBInstanceStatus === 'available' && created(now) !== s.createdAt;
  },
  async judge(env, s) {
    const now = await db(env.clients, s.id);
    const all = (await env.clients.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const family = all.filter((d) => d.DBInstanceIdentifier === s.id || d.DBInstanceIdentifier!.startsWith(`${s.id}-`));
    const old = family.find((d) => created(d) === s.createdAt);
    const reboots = fleetCalls(env, 'RebootDBInstance');
    const restores = fleetCalls(env, 'RestoreDBInstanceToPointInTime');
    const alarm = alarmOf(env, 'rds-unresponsive', s.id);
    const escalations = env.observers.events.filter(
      (e) => e.at >= env.since && e.detailType === 'Remediation Requested' && e.detail.rung === 1 && (e.detail.event as { detail?: { alarmName?: string } })?.detail?.alarmName === alarm,
    );
    const common = [
      check('reboot-db tried first (rung 0)', reboots.length === 1, `${reboots.length} RebootDBInstance call(s)`),
      check('verification failed and escalated to rung 1', escalations.length >= 1, `${escalations.length} Remediation Requested (rung 1) event(s)`),
      check('nothing deleted', family.length >= 1 && !fleetCalls(env, 'DeleteDBInstance').length, `${family.map((d) => d.DBInstanceIdentifier).join(', ')}`),
    ];
    if (env.guardrails.requireApprovalForDestructive) {
      const paged = notificationsFor(env, [s.id], 'Remediation Escalated').filter((n) => /approv/i.test(n.message));
      return {
        outcome: `reboot-db -> still ALARM -> restore-db handed to humans; ${s.id} untouched`,
        checks: [
          ...common,
          check('no restore or rename', restores.length === 0 && fleetCalls(env, 'ModifyDBInstance').length === 0, `${restores.length} restore(s)`),
          check('people paged to approve the plan', paged.length >= 1, `${paged.length} Escalated notification(s) naming the approval`),
          check('the original instance keeps its identifier', created(now) === s.createdAt, `${s.id}: created ${created(now)}`),
        ],
      };
    }
    const oldTags = tagsOf(old);
    const verified = eventsFor(env, [s.id], 'Remediation Verified');
    const checks = [
      ...common,
      check('restored to a point in time once (rung 1)', restores.length === 1, `${restores.length} RestoreDBInstanceToPointInTime call(s)`),
      check('a new instance answers under the original identifier', now?.DBInstanceStatus === 'available' && created(now) !== s.createdAt, `${s.id}: created ${created(now)} (original ${s.createdAt})`),
      check('the endpoint name is unchanged', now?.Endpoint?.Address?.startsWith(`${s.id}.`) === true, now?.Endpoint?.Address ?? '-'),
      check('the old instance is kept, renamed', !!old && /-replaced-\d{14}$/.test(old.DBInstanceIdentifier!), old?.DBInstanceIdentifier ?? 'GONE'),
      check('the old instance is tagged for people', oldTags['recovery:state'] === 'replaced' && oldTags['recovery:replaced-by'] === s.id, Object.entries(oldTags).filter(([k]) => k.startsWith('recovery:')).map(([k, v]) => `${k}=${v}`).join(', ')),
      check('the fix was verified', verified.length >= 1, `${verified.length} Remediation Verified event(s)`),
    ];
    return { outcome: now && created(now) !== s.createdAt ? `reboot-db -> still ALARM -> restored; old kept as ${old?.DBInstanceIdentifier}` : 'not restored', checks };
  },
};
