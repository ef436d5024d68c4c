import { DescribeAlarmsCommand, ListTagsForResourceCommand, PutMetricAlarmCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { ENV } from '../../functions/contracts/env';
import { alarmName } from '../../functions/contracts/naming';
import { handler as replaceHandler } from '../../functions/handlers/replace-instance';
import { handler as restoreHandler } from '../../functions/handlers/restore-volume';
import { handler as verifier } from '../../functions/handlers/verifier';
import { alarmEvent, aws, busEvents, createStack, dataVolumeWithSnapshots, playbook, putAlarm, request, runInstances, setAlarmState, STAGE, verifyBatch, type TestStack } from './stack';

/**
 * Protection survives the stack's own recoveries: the replacement of a standalone instance, its fresh root
 * volume, its moved data volume and a restored volume are watched before the function returns, by copies of
 * their predecessors' alarms as they exist in the emulator (the expected definitions are read from there).
 */
const WATCHING = { instance: ['status', 'cpu'], volume: ['stalled'] };

async function alarm(name: string): Promise<MetricAlarm | undefined> {
  return (await aws().cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
}

async function instance(id: string): Promise<Instance> {
  return (await aws().ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
}

/** A volume alarm the way infra's ebs-stalled-io detector declares one: VolumeId and InstanceId dimensions. */
async function volumeAlarm(volumeId: string, instanceId: string): Promise<string> {
  const name = alarmName(STAGE, 'stalled', volumeId);
  await aws().cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      AlarmDescription: `Detects: stalled I/O on volume ${volumeId} of ${instanceId}.`,
      Namespace: 'AWS/EBS',
      MetricName: 'VolumeStalledIOCheck',
      Dimensions: [
        { Name: 'VolumeId', Value: volumeId },
        { Name: 'InstanceId', Value: instanceId },
      ],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Tags: [{ Key: 'recovery-stack:stage', Value: STAGE }],
    }),
  );
  return name;
}

/** What must carry over unchanged from a predecessor's alarm (everything but name, dimensions, description). */
function definition(a: MetricAlarm) {
  const { Namespace, MetricName, Statistic, Period, EvaluationPeriods, DatapointsToAlarm, Threshold, ComparisonOperator, TreatMissingData } = a;
  return { Namespace, MetricName, Statistic, Period, EvaluationPeriods, DatapointsToAlarm, Threshold, ComparisonOperator, TreatMissingData };
}

const dims = (a?: MetricAlarm) => Object.fromEntries((a?.Dimensions ?? []).map((d) => [d.Name!, d.Value!]));

describe('protection survives recovery', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 3, maxPercentPerGroup: 50 });
    process.env[ENV.protectionPlaybooks] = JSON.stringify(WATCHING);
  });
  afterAll(() => {
    delete process.env[ENV.protectionPlaybooks];
  });

  it('a standalone replacement gets the old instance\'s alarms, its root volume the old root\'s, and the moved data volume\'s alarm follows it', async () => {
    // Prepare
    const [old] = await runInstances(1, { Name: 'db' });
    const { volumeId: data } = await dataVolumeWithSnapshots(old, 0);
    const before = await instance(old);
    const oldRoot = before.BlockDeviceMappings!.find((b) => b.DeviceName === before.RootDeviceName)!.Ebs!.VolumeId!;
    const statusName = await putAlarm('status', old, 'InstanceId');
    const rootAlarm = await volumeAlarm(oldRoot, old);
    const dataAlarm = await volumeAlarm(data, old);
    const originals = { status: (await alarm(statusName))!, root: (await alarm(rootAlarm))!, data: (await alarm(dataAlarm))! };
    // Act
    const out = await replaceHandler(request(playbook('status', ['replace-instance']), alarmEvent(statusName, { InstanceId: old })));
    // Assess
    expect(out.outcome).toBe('succeeded');
    const all = ((await aws().ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const replacement = all.find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!;
    const newId = replacement.InstanceId!;
    const newRoot = replacement.BlockDeviceMappings!.find((b) => b.DeviceName === replacement.RootDeviceName)!.Ebs!.VolumeId!;
    const status = await alarm(alarmName(STAGE, 'status', newId));
    expect(definition(status!)).toEqual(definition(originals.status));
    expect(dims(status)).toEqual({ InstanceId: newId });
    const root = await alarm(alarmName(STAGE, 'stalled', newRoot));
    expect(definition(root!)).toEqual(definition(originals.root));
    expect(dims(root)).toEqual({ VolumeId: newRoot, InstanceId: newId });
    expect(root!.AlarmDescription).toContain(`volume ${newRoot} of ${newId}`);
    // The moved data volume keeps its alarm (same name), now on the replacement.
    const moved = await alarm(dataAlarm);
    expect(dims(moved)).toEqual({ VolumeId: data, InstanceId: newId });
    expect(definition(moved!)).toEqual(definition(originals.data));
    // The predecessors' alarms are left as deployed.
    expect(dims(await alarm(statusName))).toEqual({ InstanceId: old });
    expect(dims(await alarm(rootAlarm))).toEqual({ VolumeId: oldRoot, InstanceId: old });
    const tags = (await aws().cw.send(new ListTagsForResourceCommand({ ResourceARN: root!.AlarmArn }))).Tags ?? [];
    expect(tags).toEqual(expect.arrayContaining([{ Key: 'recovery-stack:stage', Value: STAGE }, { Key: 'recovery-stack:carried-from', Value: rootAlarm }]));
    // No alarm for a playbook the old instance had none of (cpu).
    expect(await alarm(alarmName(STAGE, 'cpu', newId))).toBeUndefined();
  });

  it('a restored volume gets the old volume\'s alarm before the function returns', async () => {
    // Prepare
    const [i] = await runInstances(1, { Name: 'db' });
    const { volumeId } = await dataVolumeWithSnapshots(i, 1);
    const name = await volumeAlarm(volumeId, i);
    const original = (await alarm(name))!;
    await aws().cw.send(new (await import('@aws-sdk/client-cloudwatch')).SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'test' }));
    // Act
    const out = await restoreHandler(request(playbook('stalled', ['restore-volume']), alarmEvent(name, { VolumeId: volumeId, InstanceId: i })));
    // Assess
    expect(out.outcome).toBe('succeeded');
    const now = await instance(i);
    const fresh = now.BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/sdf')!.Ebs!.VolumeId!;
    expect(fresh).not.toBe(volumeId);
    const carried = await alarm(alarmName(STAGE, 'stalled', fresh));
    expect(definition(carried!)).toEqual(definition(original));
    expect(dims(carried)).toEqual({ VolumeId: fresh, InstanceId: i });
  });

  it('without the protection playbooks (a stack deployed before them) nothing is copied and the recovery still succeeds', async () => {
    // Prepare
    delete process.env[ENV.protectionPlaybooks];
    const [old] = await runInstances(1, { Name: 'app' });
    const statusName = await putAlarm('status', old, 'InstanceId');
    // Act
    const out = await replaceHandler(request(playbook('status', ['replace-instance']), alarmEvent(statusName, { InstanceId: old })));
    // Assess
    expect(out.outcome).toBe('succeeded');
    const names = ((await aws().cw.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).map((a) => a.AlarmName);
    expect(names).toEqual([statusName]);
  });

  it("verification reads the replacement's alarm, not the retired instance's (which goes quiet whatever the replacement does)", async () => {
    // Prepare: the replacement's copied alarm will be ALARM, the retired instance's OK.
    const [old] = await runInstances(1, { Name: 'app' });
    const statusName = await putAlarm('status', old, 'InstanceId');
    const out = await replaceHandler(request(playbook('status', ['replace-instance']), alarmEvent(statusName, { InstanceId: old })));
    expect(out.outcome).toBe('succeeded');
    const all = ((await aws().ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const newId = all.find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!.InstanceId!;
    const successor = alarmName(STAGE, 'status', newId);
    await setAlarmState(statusName, 'OK');
    await setAlarmState(successor, 'ALARM');
    const batch = await verifyBatch(stack);
    expect(JSON.parse(batch.Records[0].body).successorAlarm).toBe(successor);
    // Act
    expect(await verifier(batch)).toEqual({ batchItemFailures: [] });
    // Assess: not Verified: the ladder (one rung) is exhausted, humans paged, naming the replacement's alarm.
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).not.toContain('Remediation Verified');
    const escalated = events.find((e) => e.detailType === 'Remediation Escalated')!;
    expect(escalated.detail.reason).toContain(`alarm ${successor} still ALARM after rung 0`);
  });

  it('verification of a replacement whose alarm is OK is Verified, naming that alarm', async () => {
    // Prepare
    const [old] = await runInstances(1, { Name: 'app' });
    const statusName = await putAlarm('status', old, 'InstanceId');
    await replaceHandler(request(playbook('status', ['replace-instance']), alarmEvent(statusName, { InstanceId: old })));
    const all = ((await aws().ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const newId = all.find((i) => i.Tags?.some((t) => t.Key === 'recovery:replaces' && t.Value === old))!.InstanceId!;
    await setAlarmState(alarmName(STAGE, 'status', newId), 'OK');
    // Act
    expect(await verifier(await verifyBatch(stack))).toEqual({ batchItemFailures: [] });
    // Assess
    const verified = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Verified')!;
    expect(verified.detail.reason).toContain(`alarm ${alarmName(STAGE, 'status', newId)} is OK after rung 0`);
  });

  it("a verification naming another playbook's alarm as the successor is rejected: nothing verified, nobody paged", async () => {
    // Prepare: a real action's verification message, its successorAlarm swapped for another playbook's alarm
    const [old] = await runInstances(1, { Name: 'app' });
    const statusName = await putAlarm('status', old, 'InstanceId');
    await replaceHandler(request(playbook('status', ['replace-instance']), alarmEvent(statusName, { InstanceId: old })));
    const batch = await verifyBatch(stack);
    const body = JSON.parse(batch.Records[0].body);
    const foreign = alarmName(STAGE, 'cpu', old);
    batch.Records[0].body = JSON.stringify({ ...body, successorAlarm: foreign });
    // Act
    expect(await verifier(batch)).toEqual({ batchItemFailures: [] });
    // Assess
    const types = (await busEvents(stack)).map((e) => e.detailType);
    expect(types).not.toContain('Remediation Verified');
    expect(types).not.toContain('Remediation Escalated');
    const { ledgerItems } = await import('./stack');
    const rejected = await ledgerItems('rejected#verifier');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toContain(`body.successorAlarm: expected an alarm of playbook status (recovery-${STAGE}-status-...) for an alarm fault, got "${foreign}"`);
  });
});
