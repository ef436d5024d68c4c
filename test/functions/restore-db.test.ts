import { DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { handler as restoreHandler } from '../../functions/handlers/restore-db';
import { handler as rebootHandler } from '../../functions/handlers/reboot-db';
import { replacedIdentifier, restoredIdentifier } from '../../functions/actions/restore-db';
import { countMutations, failOnce } from './sdk-probes';
import { createDb, services } from './services';
import { alarmEvent, busEvents, createStack, playbook, putAlarm, request, type TestStack } from './stack';

const DB = 'orders-db';

async function seed(opts: { multiAZ?: boolean; backupRetentionPeriod?: number } = {}, ladder = ['reboot-db', 'restore-db'], rung = 0) {
  await createDb(DB, opts);
  const name = await putAlarm('rds-unresponsive', DB, 'DBInstanceIdentifier');
  const req = request(playbook('rds-unresponsive', ladder), alarmEvent(name, { DBInstanceIdentifier: DB }), rung);
  return rung > 0 ? { ...req, incidentId: 'inc-rds-test' } : req;
}

async function instances(): Promise<DBInstance[]> {
  return (await services().rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
}
const tags = (db?: DBInstance) => Object.fromEntries((db?.TagList ?? []).map((t) => [t.Key!, t.Value!]));

describe('restore-db', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack();
  });

  it('restores to the latest restorable time, swaps identifiers so the endpoint name stays, and keeps the old instance renamed and tagged', async () => {
    // Prepare
    const req = await seed({}, ['restore-db']);
    // Act
    const out = await restoreHandler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    const all = await instances();
    expect(all).toHaveLength(2); // nothing deleted
    const current = all.find((d) => d.DBInstanceIdentifier === DB)!;
    expect(tags(current)).toMatchObject({ 'recovery:replaces': DB, 'recovery:state': 'restored', 'recovery:incident': out.incidentId! });
    const old = all.find((d) => d.DBInstanceIdentifier !== DB)!;
    expect(old.DBInstanceIdentifier).toMatch(/^orders-db-replaced-\d{14}$/);
    expect(tags(old)).toMatchObject({ team: 'payments', 'recovery:state': 'replaced', 'recovery:replaced-by': DB });
    expect(tags(old)['recovery:replaces']).toBeUndefined();
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Succeeded']);
    expect(events[1].detail.evidence.result).toMatchObject({ dbInstance: DB, replacedInstance: old.DBInstanceIdentifier });
    expect(events[1].detail.evidence.result.restoredTo).toEqual(expect.any(String));
    expect(events[1].detail.resource).toMatchObject({ type: 'rds-instance', id: DB });
  });

  // Failure injection on the functions' own RDS client (moto cannot be told to fail one call).
  it.each([
    ['the restore itself', 'RestoreDBInstanceToPointInTimeCommand', 0, 1, false],
    ['renaming the old instance', 'ModifyDBInstanceCommand', 0, 2, false],
    ['renaming the restored instance', 'ModifyDBInstanceCommand', 1, 2, false],
    // The last step of the swap applied but reported as failed: the rollback reads the real state and undoes both renames.
    ['the reply to the final rename (applied anyway)', 'ModifyDBInstanceCommand', 1, 2, true],
  ] as Array<[string, string, number, number, boolean]>)('a failure of %s leaves the original instance under its name and deletes nothing', async (_what, command, skip, expectedCount, tookEffect) => {
    // Prepare
    const req = await seed({}, ['restore-db']);
    const fault = await failOnce('rds', command, { skip, tookEffect });
    // Act
    const out = await restoreHandler(req);
    fault.detach();
    // Assess
    expect(fault.fired()).toBe(true);
    expect(out.outcome).toBe('failed');
    const all = await instances();
    expect(all).toHaveLength(expectedCount);
    const current = all.find((d) => d.DBInstanceIdentifier === DB)!;
    expect(current).toBeDefined();
    expect(tags(current)['recovery:replaces']).toBeUndefined(); // the original, not the restored one
    if (expectedCount === 2) {
      const restored = all.find((d) => d.DBInstanceIdentifier !== DB)!;
      expect(restored.DBInstanceIdentifier).toMatch(/^orders-db-restored-[0-9a-f]{8}$/);
      expect(tags(restored)).toMatchObject({ 'recovery:state': 'failed-restore', 'recovery:replaces': DB });
    }
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Failed', 'Remediation Escalated']);
    expect(events[1].detail.reason).toMatch(/rolled back/);
  });

  it('skips without touching RDS when the instance has no automated backups', async () => {
    // Prepare
    const req = await seed({ backupRetentionPeriod: 0 }, ['restore-db']);
    const counter = await countMutations();
    // Act
    const out = await restoreHandler(req);
    await counter.detach();
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toMatch(/no automated backups/);
    expect(counter.fleet).toEqual([]);
    expect(await instances()).toHaveLength(1);
  });

  it('derives restored and replaced names within RDS identifier rules', () => {
    // Prepare
    const long = `a${'b-'.repeat(40)}c`.slice(0, 63).replace(/-$/, 'x');
    // Act
    const names = [restoredIdentifier(long, 'ab12cd34-0000'), replacedIdentifier(long, new Date('2026-11-25T10:00:00Z')), replacedIdentifier(DB, new Date('2026-11-25T10:00:00Z'))];
    // Assess
    for (const n of names) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/);
      expect(n).not.toMatch(/--/);
    }
    expect(names[2]).toBe('orders-db-replaced-20261125100000');
  });
});

describe('reboot-db', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack();
  });

  it.each([
    [true, true],
    [false, false],
  ])('Multi-AZ %s: reboots with ForceFailover %s and only reboots', async (multiAZ, failover) => {
    // Prepare
    const req = await seed({ multiAZ });
    const counter = await countMutations();
    // Act
    const out = await rebootHandler(req);
    await counter.detach();
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(counter.fleet).toEqual(['rds:RebootDBInstanceCommand']);
    const events = await busEvents(stack);
    expect(events[1].detail.evidence.result).toMatchObject({ dbInstance: DB, multiAZ, forcedFailover: failover });
    expect(await instances()).toHaveLength(1);
  });
});
