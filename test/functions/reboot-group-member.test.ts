import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { handler as replaceInstance } from '../../functions/handlers/replace-instance';
import { handler as ssmAutomation } from '../../functions/handlers/ssm-automation';
import { countMutations, stubAutomation } from './sdk-probes';
import { alarmEvent, aws, busEvents, createAsg, createStack, playbook, putAlarm, request, type TestStack } from './stack';

/**
 * The reboot rung (AWS-RestartEC2Instance stops, then starts the instance) never runs on an Auto Scaling
 * group member: the group terminates a member that is not running and deletes its DeleteOnTermination
 * volumes. A member reached through an instance target (selected by tags, so config cannot tell) is
 * turned down as not fitting, naming its group, and the ladder moves on to replace-instance, which keeps
 * the volumes. Against moto; SSM Automation (which moto lacks) is stubbed on the function's own client,
 * and it records any start.
 */
async function group(name: string) {
  return (await aws().asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];
}

describe('the reboot rung on an Auto Scaling group member', () => {
  let stack: TestStack;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 2, maxPercentPerGroup: 100 });
    automation = await stubAutomation();
  });
  afterEach(() => automation.restore());

  it('starts no automation, says the member belongs to its group, and escalates to replace-instance, which keeps its volumes', async () => {
    // Prepare: a member of group api alarms on its own InstanceId, ladder [reboot, replace-instance]
    await createAsg('api', 3);
    const [victim, ...others] = (await group('api')).Instances!.map((m) => m.InstanceId!);
    const rootVolumes = ((await aws().ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [victim] }] }))).Volumes ?? []).map((v) => v.VolumeId!);
    const name = await putAlarm('status', victim, 'InstanceId');
    const counter = await countMutations();
    let out: Awaited<ReturnType<typeof ssmAutomation>>;
    try {
      // Act
      out = await ssmAutomation(request(playbook('status', ['reboot', 'replace-instance']), alarmEvent(name, { InstanceId: victim })));
    } finally {
      await counter.detach();
    }
    // Assess: nothing started or stopped, the member still running in the group
    expect(out).toMatchObject({ outcome: 'skipped' });
    expect((out as { reason: string }).reason).toBe(
      `rung 0 (reboot) does not fit: instance ${victim} is a member of Auto Scaling group api: AWS-RestartEC2Instance would stop it, and the group terminates a stopped member (deleting its DeleteOnTermination volumes)`,
    );
    expect(automation.started).toEqual([]);
    expect(counter.fleet).toEqual([]);
    const state = (await aws().ec2.send(new DescribeInstancesCommand({ InstanceIds: [victim] }))).Reservations![0].Instances![0].State!.Name;
    expect(state).toBe('running');
    // Assess: the skip is told, and the next rung is requested on the bus, addressed to replace-instance
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Skipped', 'Remediation Requested']);
    const requested = events[1].detail;
    expect(requested).toMatchObject({ rung: 1, action: 'replace-instance' });

    // Act 2: the next rung runs with the bus detail, as the stack's rule delivers it
    const replaced = await replaceInstance(requested as Parameters<typeof replaceInstance>[0]);
    // Assess 2: the member was replaced through the group, its root volume kept and tagged, capacity unchanged
    expect(replaced).toMatchObject({ outcome: 'succeeded' });
    const after = await group('api');
    const inService = after.Instances!.filter((m) => m.LifecycleState === 'InService').map((m) => m.InstanceId!);
    expect(after.DesiredCapacity).toBe(3);
    expect(inService).toHaveLength(3);
    expect(inService).toEqual(expect.arrayContaining(others));
    expect(inService).not.toContain(victim);
    expect(rootVolumes).toHaveLength(1);
    const kept = (await aws().ec2.send(new DescribeVolumesCommand({ VolumeIds: rootVolumes }))).Volumes ?? [];
    const tags = Object.fromEntries((kept[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(kept.map((v) => v.VolumeId)).toEqual(rootVolumes);
    expect(tags).toMatchObject({ 'recovery:state': 'retained', 'recovery:detached-from': victim });
    expect(automation.started).toEqual([]);
  });
});
