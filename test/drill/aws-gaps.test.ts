import { AttachVolumeCommand, CreateVolumeCommand, DescribeImagesCommand, DescribeInstanceStatusCommand, DescribeInstancesCommand, DescribeRegionsCommand, DescribeVolumeStatusCommand, DetachVolumeCommand, EC2Client, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { CloudWatchClient, DescribeAlarmsCommand, ListAlarmMuteRulesCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEventsCommand, HealthClient } from '@aws-sdk/client-health';
import { GetAutomationExecutionCommand, GetCalendarStateCommand, SSMClient, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { startAwsGaps, type GapProxy } from '../../scripts/sandbox/aws-gaps';
import { clientConfig, motoEndpoint, resetEmulator } from '../support/aws';

/**
 * The gap proxy in front of moto: what moto lacks is answered by a stand-in,
 * everything else reaches moto unchanged. Clients here are real SDK clients
 * pointed at the proxy, as the built bundles are in the drill.
 */
describe('aws gap proxy', () => {
  let proxy: GapProxy;
  const viaProxy = () => ({ ...clientConfig(), endpoint: proxy.endpoint });

  beforeEach(async () => {
    await resetEmulator();
    proxy = await startAwsGaps({ upstream: motoEndpoint() });
  });
  afterEach(async () => {
    await proxy.stop();
  });

  async function launch(ec2: EC2Client): Promise<string> {
    const out = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }));
    return out.Instances![0].InstanceId!;
  }

  it('forwards what moto implements and records the call', async () => {
    // Prepare
    const ec2 = new EC2Client(viaProxy());
    // Act
    const out = await ec2.send(new DescribeRegionsCommand({}));
    // Assess
    expect(out.Regions?.map((r) => r.RegionName)).toContain('us-east-1');
    expect(proxy.calls).toEqual([expect.objectContaining({ service: 'ec2', operation: 'DescribeRegions', by: 'moto', status: 200 })]);
  });

  it("reports the root device where moto attached the root volume (moto attaches it at /dev/sda1 whatever the image's root device)", async () => {
    // Prepare: an image whose root device is not /dev/sda1 (Amazon Linux: /dev/xvda)
    const ec2 = new EC2Client(viaProxy());
    const direct = new EC2Client(clientConfig());
    const images = (await direct.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images ?? [];
    const image = images.find((i) => i.RootDeviceName && i.RootDeviceName !== '/dev/sda1')!;
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: image.ImageId!, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))).Instances![0].InstanceId!;
    const [viaMoto] = (await direct.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances!;
    // Act
    const [seen] = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances!;
    // Assess: moto names a device no volume is at; through the proxy the root device holds the root volume, as in AWS.
    const devices = (i: typeof seen) => (i.BlockDeviceMappings ?? []).map((b) => b.DeviceName);
    expect(devices(viaMoto)).not.toContain(viaMoto.RootDeviceName);
    expect(devices(seen)).toContain(seen.RootDeviceName);
    expect(devices(seen)).toEqual(devices(viaMoto));
  });

  it('reports an injected system-status fault until a stop/start moves the instance', async () => {
    // Prepare
    const ec2 = new EC2Client(viaProxy());
    const id = await launch(ec2);
    proxy.impairments.inject({ kind: 'instance-system', resourceId: id });
    // Act
    const before = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    const after = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    // Assess
    expect(before.InstanceStatuses?.[0]).toMatchObject({ InstanceId: id, SystemStatus: { Status: 'impaired' }, InstanceStatus: { Status: 'ok' }, InstanceState: { Name: 'running' } });
    expect(before.InstanceStatuses?.[0].SystemStatus?.Details?.[0]).toMatchObject({ Name: 'reachability', Status: 'failed' });
    expect(after.InstanceStatuses?.[0]).toMatchObject({ SystemStatus: { Status: 'ok' } });
  });

  it('keeps a hung OS that survives restarts impaired after a stop/start', async () => {
    // Prepare
    const ec2 = new EC2Client(viaProxy());
    const id = await launch(ec2);
    proxy.impairments.inject({ kind: 'instance-status', resourceId: id, survivesRestart: true });
    // Act
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    const out = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    // Assess
    expect(out.InstanceStatuses?.[0]).toMatchObject({ InstanceStatus: { Status: 'impaired' } });
  });

  it('answers DescribeVolumeStatus (moto lacks it) with the stalled volume impaired', async () => {
    // Prepare
    const ec2 = new EC2Client(viaProxy());
    const bad = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 }))).VolumeId!;
    const good = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 }))).VolumeId!;
    proxy.impairments.inject({ kind: 'volume-io', resourceId: bad });
    // Act
    const out = await ec2.send(new DescribeVolumeStatusCommand({ VolumeIds: [bad, good] }));
    // Assess
    const byId = Object.fromEntries((out.VolumeStatuses ?? []).map((v) => [v.VolumeId, v.VolumeStatus?.Status]));
    expect(byId).toEqual({ [bad]: 'impaired', [good]: 'ok' });
  });

  it('runs AWS-RestartEC2Instance for real: the instance is stopped and started in moto', async () => {
    // Prepare
    const ec2 = new EC2Client(viaProxy());
    const ssm = new SSMClient(viaProxy());
    const id = await launch(ec2);
    proxy.impairments.inject({ kind: 'instance-system', resourceId: id });
    // Act
    const { AutomationExecutionId } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'AWS-RestartEC2Instance', Parameters: { InstanceId: [id] } }));
    await proxy.automation.settle();
    const ex = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId }));
    // Assess
    expect(ex.AutomationExecution?.AutomationExecutionStatus).toBe('Success');
    expect(ex.AutomationExecution?.StepExecutions?.map((s) => s.StepName)).toEqual(['stopInstances', 'startInstances']);
    const state = await new EC2Client(clientConfig()).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(state.Reservations?.[0].Instances?.[0].State?.Name).toBe('running');
    expect(proxy.impairments.active(id)).toEqual([]);
  });

  it('fails an unknown runbook with a clear message', async () => {
    // Prepare
    const ssm = new SSMClient(viaProxy());
    // Act
    const { AutomationExecutionId } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'Custom-Thing', Parameters: { InstanceId: ['i-1'] } }));
    await proxy.automation.settle();
    const ex = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId }));
    // Assess
    expect(ex.AutomationExecution).toMatchObject({ AutomationExecutionStatus: 'Failed', FailureMessage: expect.stringContaining('AWS-RestartEC2Instance') });
  });

  it('fails AWS-RestartEC2Instance at its stop step on an instance set to fail, leaving the instance running', async () => {
    // Prepare
    const ec2 = new EC2Client(viaProxy());
    const id = await launch(ec2);
    proxy.automation.failOn(id);
    const ssm = new SSMClient(viaProxy());
    // Act
    const { AutomationExecutionId } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'AWS-RestartEC2Instance', Parameters: { InstanceId: [id] } }));
    await proxy.automation.settle();
    const ex = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId }));
    // Assess
    expect(ex.AutomationExecution).toMatchObject({ AutomationExecutionStatus: 'Failed', StepExecutions: [expect.objectContaining({ StepName: 'stopInstances', StepStatus: 'Failed' })] });
    const state = await new EC2Client(clientConfig()).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(state.Reservations?.[0].Instances?.[0].State?.Name).toBe('running');
  });

  it('answers GetCalendarState for declared calendars only (by name or document ARN), OPEN until closed, and fails as told', async () => {
    // Prepare
    const ssm = new SSMClient(viaProxy());
    const state = (names: string[]) => ssm.send(new GetCalendarStateCommand({ CalendarNames: names }));
    const errorOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode}`);
    proxy.calendar.declare('freeze');
    proxy.calendar.declare('other');
    // Act
    const open = await state(['freeze']);
    const unknown = await errorOf(state(['no-such-calendar']));
    proxy.calendar.set('other', 'CLOSED', new Date('2030-01-01T00:00:00Z'));
    const closed = await state(['arn:aws:ssm:us-east-1:123456789012:document/freeze', 'other']);
    proxy.calendar.failWith('AccessDeniedException');
    const denied = await errorOf(state(['freeze']));
    proxy.calendar.reset();
    const reopened = await state(['other']);
    // Assess (API reference: CLOSED when any named calendar is; unknown document -> InvalidDocument, 400)
    expect(open).toMatchObject({ State: 'OPEN', AtTime: expect.any(String) });
    expect(open.NextTransitionTime).toBeUndefined();
    expect(unknown).toBe('InvalidDocument 400');
    expect(closed).toMatchObject({ State: 'CLOSED', NextTransitionTime: '2030-01-01T00:00:00.000Z' });
    expect(denied).toBe('AccessDeniedException 400');
    expect(reopened.State).toBe('OPEN');
  });

  it('answers AWS Health DescribeEvents: empty, then the open event for a filtered service', async () => {
    // Prepare
    const health = new HealthClient(viaProxy());
    const empty = await health.send(new DescribeEventsCommand({ filter: { services: ['EC2'], eventStatusCodes: ['open'] } }));
    proxy.health.open({ service: 'EC2', eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE', eventTypeCategory: 'issue', region: 'us-east-1', availabilityZone: 'us-east-1a', entities: [] });
    // Act
    const ec2Events = await health.send(new DescribeEventsCommand({ filter: { services: ['EC2'], eventStatusCodes: ['open'] } }));
    const ebsEvents = await health.send(new DescribeEventsCommand({ filter: { services: ['EBS'] } }));
    // Assess
    expect(empty.events).toEqual([]);
    expect(ec2Events.events).toEqual([expect.objectContaining({ service: 'EC2', statusCode: 'open', availabilityZone: 'us-east-1a', startTime: expect.any(Date) })]);
    expect(ebsEvents.events).toEqual([]);
  });

  it('pages AWS Health DescribeEvents by maxResults and nextToken', async () => {
    // Prepare: 12 open EC2 issues across two AZs
    const health = new HealthClient(viaProxy());
    for (let i = 0; i < 12; i++) {
      proxy.health.open({ service: 'EC2', eventTypeCode: `AWS_EC2_ISSUE_${i}`, eventTypeCategory: 'issue', region: 'us-east-1', availabilityZone: i % 2 ? 'us-east-1b' : 'us-east-1a', entities: [] });
    }
    const filter = { services: ['EC2'], regions: ['us-east-1'], eventStatusCodes: ['open' as const] };
    // Act
    const first = await health.send(new DescribeEventsCommand({ filter, maxResults: 10 }));
    const second = await health.send(new DescribeEventsCommand({ filter, maxResults: 10, nextToken: first.nextToken }));
    // Assess
    expect(first.events).toHaveLength(10);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(second.events!.map((e) => e.eventTypeCode)).toEqual(['AWS_EC2_ISSUE_10', 'AWS_EC2_ISSUE_11']);
    expect(second.nextToken).toBeUndefined();
  });

  it('answers CloudWatch ListAlarmMuteRules (moto lacks it) from the rules set, by alarm and status; other CloudWatch calls reach moto', async () => {
    // Prepare
    const cw = new CloudWatchClient({ ...viaProxy(), maxAttempts: 1 });
    const expireDate = new Date('2026-12-01T00:00:00.000Z');
    proxy.muteRules.put({ name: 'patching', alarmNames: ['recovery-dev-a', 'recovery-dev-b'], status: 'ACTIVE', expireDate });
    proxy.muteRules.put({ name: 'next-week', alarmNames: ['recovery-dev-a'], status: 'SCHEDULED' });
    // Act
    const active = await cw.send(new ListAlarmMuteRulesCommand({ AlarmName: 'recovery-dev-a', Statuses: ['ACTIVE'] }));
    const other = await cw.send(new ListAlarmMuteRulesCommand({ AlarmName: 'recovery-dev-c', Statuses: ['ACTIVE'] }));
    const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['recovery-dev-a'] }));
    // Assess
    expect(active.AlarmMuteRuleSummaries).toEqual([
      { AlarmMuteRuleArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:patching', Status: 'ACTIVE', MuteType: 'ONE_TIME', ExpireDate: expireDate, LastUpdatedTimestamp: expect.any(Date) },
    ]);
    expect(other.AlarmMuteRuleSummaries).toEqual([]);
    expect(alarms.MetricAlarms).toEqual([]);
    expect(proxy.calls.map((c) => [c.service, c.operation, c.by])).toEqual([
      ['monitoring', 'ListAlarmMuteRules', 'stand-in'],
      ['monitoring', 'ListAlarmMuteRules', 'stand-in'],
      ['monitoring', 'DescribeAlarms', 'moto'],
    ]);
  });

  it('fails an injected API call once with the AWS error, then lets it through', async () => {
    // Prepare
    const ec2 = new EC2Client({ ...viaProxy(), maxAttempts: 1 });
    const id = await launch(ec2);
    const vol = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 }))).VolumeId!;
    proxy.apiFaults.failNext({ service: 'ec2', operation: 'AttachVolume', code: 'IncorrectState', message: 'drill: injected' });
    // Act
    const first = await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: id, Device: '/dev/sdg' })).catch((e: Error) => e);
    const second = await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: id, Device: '/dev/sdg' }));
    await ec2.send(new DetachVolumeCommand({ VolumeId: vol }));
    // Assess
    expect(first).toMatchObject({ name: 'IncorrectState', message: 'drill: injected' });
    expect(second.State).toBe('attaching');
    expect(proxy.calls.filter((c) => c.operation === 'AttachVolume').map((c) => c.by)).toEqual(['injected-fault', 'moto']);
  });
});
