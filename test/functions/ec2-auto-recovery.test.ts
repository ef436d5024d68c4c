import { DescribeInstanceStatusCommand, DescribeInstancesCommand, EC2Client, ModifyInstanceMaintenanceOptionsCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { handler as ssmAutomation } from '../../functions/handlers/ssm-automation';
import { startAwsGaps, type GapProxy } from '../../scripts/sandbox/aws-gaps';
import { clientConfig, motoEndpoint, REGION } from '../support/aws';
import { alarmEvent, busEvents, createStack, drain, imageId, playbook, putAlarm, request, subnet, type TestStack } from './stack';

/**
 * EC2 simplified automatic recovery acts on the same system status check failure as the
 * ec2-system-status playbook: on a supported instance type with MaintenanceOptions.AutoRecovery not
 * `disabled`, EC2 moves the instance to another host (same instance id, IPs and EBS volumes) and reports
 * AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS or _FAILURE to AWS Health for that instance (EC2 User Guide,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-configuration-recovery.html). The reboot
 * rung must wait for that outcome instead of racing it, and act only when EC2 failed, did not report in
 * time, or does not apply.
 *
 * Against moto through the drill's gap proxy (scripts/sandbox/aws-gaps.ts), which stands in for what
 * moto lacks here: MaintenanceOptions, EC2's recovery itself, AWS Health and SSM Automation (the restart
 * runbook really stops and starts the instance in moto). Instance type support is moto's own
 * DescribeInstanceTypes data (t3.micro supported; m5d.large, with instance store, not).
 */
const PLAYBOOK = 'ec2-system-status';
const UNSUPPORTED = 'm5d.large';

describe('a system status fault EC2 recovers itself', () => {
  let proxy: GapProxy;
  let stack: TestStack;
  const direct = () => new EC2Client(clientConfig());
  const viaProxy = () => new EC2Client({ ...clientConfig(), endpoint: proxy.endpoint });

  beforeAll(async () => {
    proxy = await startAwsGaps({ upstream: motoEndpoint(), region: REGION });
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_SQS;
    await proxy.stop();
  });

  async function setUp(awaitEc2AutoRecoverySeconds: number, ec2Delay: number): Promise<void> {
    stack = await createStack({ awaitEc2AutoRecoverySeconds });
    // The functions' clients reach AWS through the gap proxy (the same one for the whole file: clients are kept per process).
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    // SQS is addressed by queue URL (moto's host) anyway: straight to moto, without the SDK's endpoint warning.
    process.env.AWS_ENDPOINT_URL_SQS = motoEndpoint();
    process.env.POLL_INTERVAL_MS = '50';
    proxy.impairments.clear();
    proxy.health.clear();
    proxy.maintenance.clear();
    proxy.autoRecovery.clear();
    proxy.autoRecovery.delayMs = ec2Delay;
    proxy.calls.length = 0;
  }

  async function launch(instanceType = 't3.micro'): Promise<string> {
    const { subnetId } = await subnet();
    const out = await direct().send(new RunInstancesCommand({ ImageId: await imageId(), InstanceType: instanceType as never, MinCount: 1, MaxCount: 1, SubnetId: subnetId }));
    return out.Instances![0].InstanceId!;
  }

  /** `name`: a target with its own ladder gets its own playbook, `<detector>.<rungs>` (infra/playbooks.ts). */
  async function hostFails(id: string, name = PLAYBOOK, ladder = ['reboot', 'replace-instance']) {
    proxy.impairments.inject({ kind: 'instance-system', resourceId: id });
    const alarm = await putAlarm(name, id, 'InstanceId');
    return request(playbook(name, ladder), alarmEvent(alarm, { InstanceId: id }));
  }

  const restarts = (id: string) => [...proxy.automation.executions.values()].filter((e) => e.parameters.InstanceId?.includes(id));
  const outcomeReads = () => proxy.calls.filter((c) => c.service === 'health' && c.operation === 'DescribeEvents').length;
  async function instanceNow(id: string) {
    return (await direct().send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
  }
  async function systemStatus(id: string) {
    return (await viaProxy().send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses?.[0]?.SystemStatus?.Status;
  }

  it('EC2 recovers it: skipped naming EC2, no restart, no escalation, the same instance healthy', async () => {
    // Prepare: a supported type, AutoRecovery default; EC2 reports within the wait
    await setUp(60, 300);
    const id = await launch();
    const before = await instanceNow(id);
    const req = await hostFails(id);
    // Act
    const out = await ssmAutomation(req);
    // Assess: nothing started; the skip names EC2's recovery
    expect(out).toMatchObject({ outcome: 'skipped' });
    expect((out as { reason: string }).reason).toContain(`EC2 simplified automatic recovery recovered ${id}`);
    expect(restarts(id)).toEqual([]);
    expect(proxy.fleetChanges()).toBe(0);
    // Assess: moto's instance is the same one, running, with its IP and volume; its host healthy again
    const after = await instanceNow(id);
    expect(after.State!.Name).toBe('running');
    expect(after.PrivateIpAddress).toBe(before.PrivateIpAddress);
    expect(after.BlockDeviceMappings!.map((b) => b.Ebs!.VolumeId)).toEqual(before.BlockDeviceMappings!.map((b) => b.Ebs!.VolumeId));
    expect(await systemStatus(id)).toBe('ok');
    // Assess: one Skipped on the bus (nobody paged, no next rung), no verification scheduled
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Skipped']);
    expect(events[0].detail.evidence.ec2AutoRecovery).toMatchObject({ applies: true, outcome: 'succeeded' });
    expect(await drain(stack.verifyQueueUrl, (b) => b)).toEqual([]);
  });

  it("a target's own ladder (playbook ec2-system-status.reboot) is a system status fault too: it waits for EC2 as well", async () => {
    // Prepare
    await setUp(60, 300);
    const id = await launch();
    const req = await hostFails(id, `${PLAYBOOK}.reboot`, ['reboot']);
    // Act
    const out = await ssmAutomation(req);
    // Assess
    expect(out).toMatchObject({ outcome: 'skipped' });
    expect((out as { reason: string }).reason).toContain(`EC2 simplified automatic recovery recovered ${id}`);
    expect(restarts(id)).toEqual([]);
  });

  it('EC2 fails to recover it: the reboot rung acts and the host is healthy after the stop/start', async () => {
    // Prepare
    await setUp(60, 300);
    const id = await launch();
    proxy.autoRecovery.failFor(id);
    const req = await hostFails(id);
    // Act
    const out = await ssmAutomation(req);
    // Assess
    expect(out).toMatchObject({ outcome: 'succeeded' });
    expect(restarts(id).map((e) => e.status)).toEqual(['Success']);
    expect((await instanceNow(id)).State!.Name).toBe('running');
    expect(await systemStatus(id)).toBe('ok');
    const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
    expect(started.detail.evidence.ec2AutoRecovery).toMatchObject({ applies: true, outcome: 'failed' });
  });

  it('EC2 reports nothing within awaitEc2AutoRecoverySeconds: acts, and the evidence says it waited', async () => {
    // Prepare: EC2 would report after 60 s; the stack waits 1 s
    await setUp(1, 60_000);
    const id = await launch();
    const req = await hostFails(id);
    // Act
    const t0 = Date.now();
    const out = await ssmAutomation(req);
    const took = Date.now() - t0;
    // Assess
    expect(out).toMatchObject({ outcome: 'succeeded' });
    expect(took).toBeGreaterThanOrEqual(900);
    expect(restarts(id)).toHaveLength(1);
    const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
    const evidence = started.detail.evidence.ec2AutoRecovery;
    expect(evidence).toMatchObject({ applies: true, outcome: 'none' });
    expect(evidence.waitedMs).toBeGreaterThanOrEqual(900);
    expect(evidence.note).toMatch(/no outcome from EC2 within 1 s/);
  });

  it.each([
    ['AutoRecovery disabled', 't3.micro', true, /MaintenanceOptions.AutoRecovery disabled/],
    ['an unsupported instance type', UNSUPPORTED, false, new RegExp(`instance type ${UNSUPPORTED} does not support`)],
  ])('EC2 does not recover it (%s): acts at once, without waiting for an outcome', async (_what, type, disable, why) => {
    // Prepare: a long wait configured, which must not be spent
    await setUp(60, 300);
    const id = await launch(type);
    if (disable) await viaProxy().send(new ModifyInstanceMaintenanceOptionsCommand({ InstanceId: id, AutoRecovery: 'disabled' }));
    const req = await hostFails(id);
    // Act
    const t0 = Date.now();
    const out = await ssmAutomation(req);
    // Assess
    expect(out).toMatchObject({ outcome: 'succeeded' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(restarts(id)).toHaveLength(1);
    // Only the Health stand-down's read: no outcome was waited for
    expect(outcomeReads()).toBe(1);
    const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
    expect(started.detail.evidence.ec2AutoRecovery.applies).toBe(false);
    expect(started.detail.evidence.ec2AutoRecovery.why).toMatch(why);
  });

  it("an open recovery outcome of another instance in the AZ is not a provider issue: the Health stand-down lets the action go", async () => {
    // Prepare: EC2 recovered a neighbour (its Health event, open, in the same AZ); this instance is not EC2's to recover
    await setUp(60, 300);
    const { az } = await subnet();
    proxy.health.publish({
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS',
      eventTypeCategory: 'issue',
      region: REGION,
      availabilityZone: az,
      entities: ['i-0aaaaaaaaaaaaaaaa'],
      statusCode: 'open',
    });
    const id = await launch(UNSUPPORTED);
    const req = await hostFails(id);
    // Act
    const out = await ssmAutomation(req);
    // Assess
    expect(out).toMatchObject({ outcome: 'succeeded' });
    expect(restarts(id)).toHaveLength(1);
  });
});
