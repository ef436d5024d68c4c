import { AttachVolumeCommand, CopySnapshotCommand, CreateSnapshotCommand, CreateVolumeCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { handler } from '../../functions/handlers/restore-volume';
import { motoEndpoint, REGION } from '../support/aws';
import { aws, alarmEvent, createStack, playbook, putAlarm, request, runInstances, subnet } from './stack';

/**
 * A restore from a snapshot under a customer managed key keeps that key. moto does not enforce IAM or
 * key policies, so this proves the EC2 side only (the call restore-volume makes); the roles' grants on
 * the key are proven by test/infra/ebs-kms-keys.test.ts.
 */

/** KMS CreateKey through moto's JSON protocol (the project has no KMS client; this is the only KMS call). */
async function createCustomerManagedKey(): Promise<string> {
  const res = await fetch(motoEndpoint(), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'TrentService.CreateKey',
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ Description: 'ebs data', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }),
  });
  if (!res.ok) throw new Error(`CreateKey: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
}

describe('restore-volume with a customer managed key', () => {
  beforeEach(async () => {
    await createStack();
  });

  it("restores from the latest snapshot onto a volume under the snapshot's key", async () => {
    // Prepare: a data volume encrypted with the key, and a snapshot of it that reports the key.
    const key = await createCustomerManagedKey();
    const [instanceId] = await runInstances(1, { Name: 'db-1' });
    const { az } = await subnet();
    const ec2 = aws().ec2;
    const volumeId = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 8, VolumeType: 'gp3', Encrypted: true, KmsKeyId: key }))).VolumeId!;
    await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: '/dev/sdf' }));
    // moto's CreateSnapshot leaves out the volume's KmsKeyId (AWS reports it on every encrypted snapshot);
    // CopySnapshot with the key gives a snapshot of the same volume that carries it, as AWS's would.
    const first = (await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'backup' }))).SnapshotId!;
    await new Promise((r) => setTimeout(r, 1100)); // StartTime has second resolution in moto
    const snapshotId = (await ec2.send(new CopySnapshotCommand({ SourceSnapshotId: first, SourceRegion: REGION, Encrypted: true, KmsKeyId: key }))).SnapshotId!;
    const snapshot = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots![0];
    expect({ volume: snapshot.VolumeId, encrypted: snapshot.Encrypted, key: snapshot.KmsKeyId }).toEqual({ volume: volumeId, encrypted: true, key });
    const name = await putAlarm('ebs-stalled', volumeId, 'VolumeId');
    const req = request(playbook('ebs-stalled', ['restore-volume']), alarmEvent(name, { VolumeId: volumeId, InstanceId: instanceId }));
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];
    const restoredId = instance.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdf')!.Ebs!.VolumeId!;
    expect(restoredId).not.toBe(volumeId);
    const restored = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [restoredId] }))).Volumes![0];
    expect({ snapshot: restored.SnapshotId, encrypted: restored.Encrypted, key: restored.KmsKeyId }).toEqual({ snapshot: snapshotId, encrypted: true, key });
  });

  it('leaves an unencrypted snapshot unencrypted (no key asked for)', async () => {
    // Prepare
    const [instanceId] = await runInstances(1, { Name: 'db-2' });
    const { az } = await subnet();
    const ec2 = aws().ec2;
    const volumeId = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 8, VolumeType: 'gp3' }))).VolumeId!;
    await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: '/dev/sdf' }));
    await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'backup' }));
    const name = await putAlarm('ebs-stalled', volumeId, 'VolumeId');
    // Act
    const out = await handler(request(playbook('ebs-stalled', ['restore-volume']), alarmEvent(name, { VolumeId: volumeId, InstanceId: instanceId })));
    // Assess
    expect(out.outcome).toBe('succeeded');
    const restored = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:recovery:replaces', Values: [volumeId] }] }))).Volumes!;
    expect(restored.map((v) => ({ encrypted: v.Encrypted, key: v.KmsKeyId }))).toEqual([{ encrypted: false, key: undefined }]);
  });
});
