import { DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { handler } from '../../functions/handlers/restore-volume';
import { incidentIdOf } from '../../functions/runtime/request';
import { countMutations, failOnce } from './sdk-probes';
import { aws, alarmEvent, busEvents, createStack, dataVolumeWithSnapshots, incidentRecords, playbook, putAlarm, request, runInstances, type TestStack } from './stack';

/** Standalone instance, data volume at /dev/sdf with several snapshots; the alarm names the volume. */
async function seed(snapshots = 3) {
  const [instanceId] = await runInstances(1, { Name: 'db-1' });
  const { volumeId, snapshotIds } = await dataVolumeWithSnapshots(instanceId, snapshots);
  const name = await putAlarm('ebs-stalled', volumeId, 'VolumeId');
  // Dimensions as AWS/EBS VolumeStalledIOCheck reports them (and infra's alarm uses): volume and instance.
  const req = request(playbook('ebs-stalled', ['restore-volume']), alarmEvent(name, { VolumeId: volumeId, InstanceId: instanceId }));
  return { instanceId, volumeId, snapshotIds, req };
}

async function attachments(instanceId: string) {
  const i = (await aws().ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];
  return { state: i.State!.Name, devices: Object.fromEntries((i.BlockDeviceMappings ?? []).map((b) => [b.DeviceName!, b.Ebs!.VolumeId!])) };
}

async function volumes() {
  return (await aws().ec2.send(new DescribeVolumesCommand({}))).Volumes ?? [];
}

describe('restore-volume', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack();
  });

  it('restores a standalone volume from the latest of several snapshots at the same device and keeps the old one', async () => {
    // Prepare
    const { instanceId, volumeId, snapshotIds, req } = await seed(3);
    const volumesBefore = (await volumes()).length;
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    const after = await attachments(instanceId);
    expect(after.state).toBe('running');
    const newVolumeId = after.devices['/dev/sdf'];
    expect(newVolumeId).toBeDefined();
    expect(newVolumeId).not.toBe(volumeId);
    const all = await volumes();
    expect(all).toHaveLength(volumesBefore + 1); // nothing deleted
    const fresh = all.find((v) => v.VolumeId === newVolumeId)!;
    expect(fresh.SnapshotId).toBe(snapshotIds[2]);
    const old = all.find((v) => v.VolumeId === volumeId)!;
    expect(old.State).toBe('available');
    expect(old.Tags).toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'retired' }, { Key: 'recovery:replaced-by', Value: newVolumeId }]));
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Succeeded']);
    expect(events[1].detail.evidence.result.snapshot).toBe(snapshotIds[2]);
    const records = await incidentRecords(incidentIdOf(req));
    expect(records.map((r) => r.detailType).sort()).toEqual(['Remediation Started', 'Remediation Succeeded']);
  });

  // Failure injection: the functions' own EC2 client gets a middleware that
  // refuses the named command once (moto cannot be told to fail one call).
  it.each(['CreateVolumeCommand', 'StopInstancesCommand', 'DetachVolumeCommand', 'AttachVolumeCommand', 'StartInstancesCommand'])(
    'a failure of %s puts the original volume back, leaves the instance running and deletes nothing',
    async (command) => {
      // Prepare
      const { instanceId, volumeId, req } = await seed(2);
      const before = await attachments(instanceId);
      const volumesBefore = (await volumes()).map((v) => v.VolumeId).sort();
      const fault = await failOnce('ec2', command);
      // Act
      const out = await handler(req).finally(() => fault.detach());
      // Assess
      expect(fault.fired()).toBe(true);
      expect(out.outcome).toBe('failed');
      const after = await attachments(instanceId);
      expect(after).toEqual(before);
      expect(after.devices['/dev/sdf']).toBe(volumeId);
      const all = await volumes();
      for (const id of volumesBefore) expect(all.map((v) => v.VolumeId)).toContain(id);
      const created = all.filter((v) => !volumesBefore.includes(v.VolumeId!));
      if (command === 'CreateVolumeCommand') expect(created).toHaveLength(0);
      else {
        expect(created).toHaveLength(1);
        expect(created[0].State).toBe('available');
        expect(created[0].Tags).toEqual(expect.arrayContaining([{ Key: 'recovery:state', Value: 'failed-restore' }]));
      }
      const types = (await busEvents(stack)).map((e) => e.detailType);
      expect(types).toEqual(['Remediation Started', 'Remediation Failed', 'Remediation Escalated']);
    },
  );
});

describe('restore-volume with approval required', () => {
  it('hands the destructive rung to humans with its plan and changes nothing', async () => {
    // Prepare
    const stack = await createStack({ requireApprovalForDestructive: true });
    const { instanceId, volumeId, req } = await seed(1);
    const counter = await countMutations();
    // Act
    const out = await handler(req).finally(() => counter.detach());
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toMatch(/destructive and guardrails.requireApprovalForDestructive is set/);
    expect(counter.fleet).toEqual([]);
    expect((await attachments(instanceId)).devices['/dev/sdf']).toBe(volumeId);
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Skipped', 'Remediation Escalated']);
    expect(events[1].detail.evidence.plan).toContain('DetachVolume ' + volumeId + ' from /dev/sdf');
  });
});
