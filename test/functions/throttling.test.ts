import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { handler } from '../../functions/handlers/restore-volume';
import { motoEndpoint } from '../support/aws';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { alarmEvent, aws, createStack, dataVolumeWithSnapshots, playbook, putAlarm, request, runInstances } from './stack';

/**
 * EC2 throttling (RequestLimitExceeded, EC2's throttling code) and server
 * errors come from a fault proxy (stand-in: moto never throttles). Each test
 * file gets fresh SDK clients, built after AWS_ENDPOINT_URL_EC2 points at the
 * proxy, so the functions' EC2 calls pass through it. The clients live as
 * long as the file, so one proxy serves all its tests.
 */
describe('retries', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(motoEndpoint());
    process.env.AWS_ENDPOINT_URL_EC2 = proxy.endpoint;
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_EC2;
    await proxy.close();
  });

  async function seed() {
    await createStack();
    const [instanceId] = await runInstances(1);
    const { volumeId } = await dataVolumeWithSnapshots(instanceId, 1);
    const name = await putAlarm('ebs', volumeId, 'VolumeId');
    return { instanceId, volumeId, req: request(playbook('ebs', ['restore-volume']), alarmEvent(name, { VolumeId: volumeId })) };
  }

  it('backs off and retries throttled EC2 calls, reads and mutations alike, then succeeds', async () => {
    // Prepare
    const { instanceId, volumeId, req } = await seed();
    proxy.inject([
      { action: 'DescribeInstances', times: 2, status: 503, code: 'RequestLimitExceeded' },
      { action: 'StopInstances', times: 2, status: 503, code: 'RequestLimitExceeded' },
      // A throttled request never ran, so even a non-idempotent call is retried.
      { action: 'DetachVolume', times: 1, status: 503, code: 'RequestLimitExceeded' },
    ]);
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    const stops = proxy.seen.filter((s) => s.action === 'StopInstances');
    expect(stops.map((s) => [s.attempt.split(';')[0], s.answered])).toEqual([
      ['attempt=1', 503],
      ['attempt=2', 503],
      ['attempt=3', 200],
    ]);
    expect(proxy.seen.filter((s) => s.action === 'DetachVolume').map((s) => s.answered)).toEqual([503, 200]);
    const i = (await aws().ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];
    expect(i.State!.Name).toBe('running');
    expect(i.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdf')!.Ebs!.VolumeId).not.toBe(volumeId);
  });

  it('does not blindly repeat a non-idempotent call after a server error (it may have happened); rolls back instead', async () => {
    // Prepare
    const { instanceId, volumeId, req } = await seed();
    proxy.inject([
      { action: 'DescribeVolumes', times: 1, status: 500, code: 'InternalError' },
      { action: 'DetachVolume', times: 1, status: 500, code: 'InternalError' },
    ]);
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('failed');
    expect(out.reason).toMatch(/stand-in InternalError; rolled back/);
    // The read was retried; the detach was sent exactly once.
    expect(proxy.seen.filter((s) => s.action === 'DescribeVolumes')[1]).toMatchObject({ attempt: expect.stringMatching(/^attempt=2/), answered: 200 });
    expect(proxy.seen.filter((s) => s.action === 'DetachVolume')).toHaveLength(1);
    const i = (await aws().ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];
    expect(i.State!.Name).toBe('running');
    expect(i.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdf')!.Ebs!.VolumeId).toBe(volumeId);
  });
});
