import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionResult } from '../runtime/action-context';
import { describeDbInstance } from '../runtime/db-instance';
import { waitFor } from '../runtime/poll';
import { rds } from '../runtime/sdk';

/**
 * Reboot an RDS instance. A Multi-AZ instance fails over to its standby
 * (ForceFailover): the endpoint's DNS moves to healthy hardware in seconds,
 * which is what fixes a host-level fault; a Single-AZ reboot restarts the
 * engine in place (hung engine, runaway connections).
 */
export const REBOOTABLE = ['available', 'storage-optimization', 'incompatible-parameters'];

export const rebootDb = defineAction({
  name: 'reboot-db',
  description: 'Reboot the RDS DB instance (with failover to the standby when Multi-AZ) and wait until it is available again.',
  destructive: false,
  input: z.strictObject({ forceFailover: z._default(z.boolean(), true) }),
  permissions: [
    { sid: 'ReadDbInstances', actions: ['rds:DescribeDBInstances'], resources: ['*'] },
    // RebootDBInstance is in the policy pack's destructive list: narrowed to the protected DB instances.
    { sid: 'RebootProtectedDb', actions: ['rds:RebootDBInstance'], resources: ['arn:{partition}:rds:{region}:{account}:db:*'], scope: 'protected' },
  ],
  fits(d) {
    const db = d.dbInstance;
    if (!db) return `no DB instance found for ${d.resource.type} ${d.resource.id}`;
    if (db.clusterIdentifier) return `${db.identifier} is a member of Aurora cluster ${db.clusterIdentifier}: cluster failover is not this rung`;
    if (!REBOOTABLE.includes(db.status)) return `DB instance ${db.identifier} is ${db.status}: RDS only reboots an available instance`;
    return undefined;
  },
  plan(d, p) {
    const db = d.dbInstance!;
    const failover = p.forceFailover && db.multiAZ;
    return [
      `RebootDBInstance ${db.identifier}${failover ? ' ForceFailover (Multi-AZ: the standby takes over)' : db.multiAZ ? ' without failover (forceFailover: false)' : ' (Single-AZ: restart in place)'}`,
      `wait until ${db.identifier} is available`,
    ];
  },
  async run(ctx, p): Promise<ActionResult> {
    const db = ctx.diagnosis.dbInstance!;
    const { client, sdk } = await rds();
    const failover = p.forceFailover && db.multiAZ;
    const before = db.availabilityZone;
    await client.send(new sdk.RebootDBInstanceCommand({ DBInstanceIdentifier: db.identifier, ...(failover ? { ForceFailover: true } : {}) }));
    // RDS reports `rebooting` first; the instance is usable again once it is `available`.
    const after = await waitFor(
      `${db.identifier} available after reboot`,
      async () => {
        const now = await describeDbInstance(db.identifier);
        return now?.status === 'available' ? now : undefined;
      },
      { intervalMs: ctx.pollIntervalMs, deadline: ctx.deadline },
    ).catch((e: Error) => e);
    if (after instanceof Error) return { outcome: 'failed', reason: `rebooted ${db.identifier} but ${after.message}`, detail: { dbInstance: db.identifier, forcedFailover: failover } };
    return {
      outcome: 'succeeded',
      detail: { dbInstance: db.identifier, multiAZ: db.multiAZ, forcedFailover: failover, availabilityZoneBefore: before, availabilityZoneAfter: after.availabilityZone },
    };
  },
});
