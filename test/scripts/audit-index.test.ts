import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LEDGER_INDEXES } from '../../functions/contracts/ledger-indexes';
import { handler as replaceInstance } from '../../functions/handlers/replace-instance';
import { handler as restoreVolume } from '../../functions/handlers/restore-volume';
import { handler as ssmAutomation } from '../../functions/handlers/ssm-automation';
import { stubAutomation } from '../functions/sdk-probes';
import { alarmEvent, aws, createAsg, createStack, dataVolumeWithSnapshots, incidentRecords, ledgerItems, playbook, putAlarm, request, runInstances, TABLE } from '../functions/stack';
import { audit } from './audit-run';

/**
 * `npm run audit -- --resource` reads the ledger's sparse audit indexes
 * (functions/contracts/ledger-indexes.ts) instead of scanning it, against moto
 * (which supports GSIs), with records the real handlers wrote. SSM Automation
 * executions are answered by stubAutomation (moto lacks them). Every request
 * the command sends goes through the document client's send: spied on
 * (still sent) to see which commands went out.
 */
const status = playbook('status', ['reboot']);
const stalled = playbook('ebs-stalled', ['restore-volume']);
/** A group member is replaced, never rebooted (the group would terminate a stopped member). */
const memberStatus = playbook('status', ['replace-instance']);

type Sent = { command: string; indexName?: string };

describe('npm run audit --resource: the audit indexes', () => {
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  let sends: jest.SpyInstance;
  const sent = (): Sent[] =>
    sends.mock.calls.map(([command]) => ({ command: command.constructor.name, indexName: (command as { input: { IndexName?: string } }).input.IndexName }));
  beforeEach(async () => {
    await createStack({ maxConcurrentPerGroup: 2, maxPercentPerGroup: 100 });
    automation = await stubAutomation();
    sends = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
  });
  afterEach(() => {
    sends.mockRestore();
    automation.restore();
  });

  /** The incident ids a run printed, in order. */
  const incidentsOf = (lines: string[]) => lines.filter((l) => l.startsWith('incident ')).map((l) => l.split(' ')[1]);

  it("finds by the alarm's resource, its group and the instance acted on what the scan finds, and sends no Scan", async () => {
    // Prepare: a member of ASG web alarms on its own InstanceId (resource = member, group = web);
    // a standalone instance's data volume alarms (resource = volume, instance acted on = the instance).
    await createAsg('web', 2);
    const { AutoScalingGroups } = await aws().asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }));
    const member = AutoScalingGroups![0].Instances![0].InstanceId!;
    const replaced = await replaceInstance(request(memberStatus, alarmEvent(await putAlarm('status', member, 'InstanceId'), { InstanceId: member })));
    const [instance] = await runInstances(1);
    const { volumeId } = await dataVolumeWithSnapshots(instance, 1);
    const restored = await restoreVolume(request(stalled, alarmEvent(await putAlarm('ebs-stalled', volumeId, 'VolumeId'), { VolumeId: volumeId, InstanceId: instance })));
    expect([replaced.outcome, restored.outcome]).toEqual(['succeeded', 'succeeded']);
    const expected: Array<[string, string]> = [
      [member, replaced.incidentId!],
      ['web', replaced.incidentId!],
      [volumeId, restored.incidentId!],
      [instance, restored.incidentId!],
    ];
    for (const [id, incidentId] of expected) {
      // Act
      sends.mockClear();
      const byIndex = await audit(['--table', TABLE, '--resource', id]);
      const indexSent = sent();
      sends.mockClear();
      const byScan = await audit(['--table', TABLE, '--resource', id, '--scan']);
      const scanSent = sent();
      // Assess
      expect([id, byIndex.code, incidentsOf(byIndex.lines)]).toEqual([id, 0, [incidentId]]);
      expect(byIndex.out).toBe(byScan.out);
      expect(indexSent.filter((s) => s.command === 'ScanCommand')).toEqual([]);
      expect(indexSent.filter((s) => s.indexName).map((s) => s.indexName)).toEqual(LEDGER_INDEXES.map((i) => i.name));
      expect(byIndex.err).toMatch(new RegExp(`^audit: queried the audit indexes of ${TABLE}: 3 queries, \\d+ matching records? in 1 incident, .* ms$`));
      // The spy does see a scan when one is sent.
      expect(scanSent.filter((s) => s.command === 'ScanCommand').length).toBeGreaterThan(0);
    }
    // Sparse: audit records carry the keys, the guards' and idempotency items do not.
    const items = await ledgerItems();
    const keyed = items.filter((i) => 'resourceKey' in i);
    expect(keyed.length).toBeGreaterThan(0);
    expect(keyed.every((i) => String(i.pk).startsWith('incident#'))).toBe(true);
    expect(items.filter((i) => !String(i.pk).startsWith('incident#')).length).toBeGreaterThan(0);
    expect((await incidentRecords(replaced.incidentId!)).map((r) => [r.resourceKey, r.groupKey, r.instanceKey])).toEqual([
      [member, 'web', undefined],
      [member, 'web', undefined],
    ]);
    expect((await incidentRecords(restored.incidentId!)).map((r) => [r.resourceKey, r.groupKey, r.instanceKey])).toEqual([
      [volumeId, undefined, instance],
      [volumeId, undefined, instance],
    ]);
  });

  it('a ledger without the indexes (deployed before them) is scanned instead, and stderr says so', async () => {
    // Prepare
    await createStack({}, 'auto', { ledgerIndexes: false });
    const [instance] = await runInstances(1);
    const out = await ssmAutomation(request(status, alarmEvent(await putAlarm('status', instance, 'InstanceId'), { InstanceId: instance })));
    sends.mockClear();
    // Act
    const run = await audit(['--table', TABLE, '--resource', instance]);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(run.code).toBe(0);
    expect(incidentsOf(run.lines)).toEqual([out.incidentId!]);
    const errs = run.err.split('\n');
    expect(errs[0]).toBe(
      `audit: ${TABLE} has no index audit-by-resource (a ledger deployed before the audit indexes; pulumi up adds them): scanning the whole table instead, bounded by --max-pages`,
    );
    expect(errs[1]).toMatch(new RegExp(`^audit: scanned ${TABLE}: 1 page, \\d+ items read, 2 matching records in 1 incident, `));
    // One index query refused, then the scan.
    expect(sent().filter((s) => s.indexName || s.command === 'ScanCommand')).toEqual([
      { command: 'QueryCommand', indexName: 'audit-by-resource' },
      { command: 'ScanCommand', indexName: undefined },
    ]);
  });

  it('records written before the indexes (no key) are found by --scan only; the index run says so', async () => {
    // Prepare: an incident whose records lose their index keys, as records written before them have none
    const [instance] = await runInstances(1);
    const out = await ssmAutomation(request(status, alarmEvent(await putAlarm('status', instance, 'InstanceId'), { InstanceId: instance })));
    for (const r of await incidentRecords(out.incidentId!)) {
      await aws().docs.send(new UpdateCommand({ TableName: TABLE, Key: { pk: r.pk, sk: r.sk }, UpdateExpression: 'REMOVE resourceKey, groupKey, instanceKey' }));
    }
    // Act
    const [byIndex, byScan] = [await audit(['--table', TABLE, '--resource', instance]), await audit(['--table', TABLE, '--resource', instance, '--scan'])];
    // Assess
    expect(byIndex.code).toBe(1);
    expect(byIndex.err).toContain(`no decisions about ${instance}`);
    expect(byIndex.err).toContain('records written before the ledger had its audit indexes are found only with --scan');
    expect(byScan.code).toBe(0);
    expect(incidentsOf(byScan.lines)).toEqual([out.incidentId!]);
  });
});
