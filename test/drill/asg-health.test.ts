import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, DescribeVolumesCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { AutoScalingHealthStandIn } from '../../scripts/drill/asg-health';
import { clientsFor, type Clients } from '../../scripts/drill/aws';
import { Impairments } from '../../scripts/sandbox/gaps/impairments';
import { motoEndpoint, resetEmulator } from '../support/aws';

/**
 * The drill's Auto Scaling health stand-in, against moto: a member that is not running (seen stopped,
 * even if started again since) or whose system status is impaired is marked Unhealthy, and on the next
 * pass the group terminates it without lowering the desired capacity; moto then launches the replacement
 * and deletes the member's DeleteOnTermination volumes, as AWS does. An impaired instance status alone
 * is no Auto Scaling health criterion.
 */
describe('Auto Scaling health stand-in', () => {
  let c: Clients;
  let impairments: Impairments;
  let health: AutoScalingHealthStandIn;

  beforeEach(async () => {
    await resetEmulator();
    c = clientsFor(motoEndpoint());
    impairments = new Impairments();
    health = new AutoScalingHealthStandIn(c, impairments);
  });
  afterEach(() => c.destroy());

  async function createGroup(size: number): Promise<string[]> {
    await c.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' } }));
    await c.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web',
        LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '$Latest' },
        MinSize: size,
        MaxSize: size + 2,
        DesiredCapacity: size,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    return members();
  }
  async function group() {
    return (await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }))).AutoScalingGroups![0];
  }
  async function members(): Promise<string[]> {
    return ((await group()).Instances ?? []).filter((m) => m.LifecycleState === 'InService').map((m) => m.InstanceId!);
  }
  async function volumesOf(id: string): Promise<string[]> {
    return ((await c.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [id] }] }))).Volumes ?? []).map((v) => v.VolumeId!);
  }
  async function stateOf(id: string) {
    return (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0].State!.Name;
  }

  it('a member stopped and started again (a restart runbook) is replaced by the group on the next pass, its root volume deleted', async () => {
    // Prepare: the member stops and starts, as AWS-RestartEC2Instance does (reported as the SSM stand-in reports it)
    const [victim, ...others] = await createGroup(3);
    const volumes = await volumesOf(victim);
    await c.ec2.send(new StopInstancesCommand({ InstanceIds: [victim] }));
    impairments.onInstance(victim, 'stopped', 'ssm:AWS-RestartEC2Instance');
    await c.ec2.send(new StartInstancesCommand({ InstanceIds: [victim] }));
    impairments.onInstance(victim, 'started', 'ssm:AWS-RestartEC2Instance');
    // Act
    const marked = await health.sync();
    const samePass = await health.replace();
    const unhealthy = (await group()).Instances!.find((m) => m.InstanceId === victim)?.HealthStatus;
    const nextPass = await health.replace();
    // Assess
    expect(marked).toEqual([{ instanceId: victim, why: 'not running (stopped)' }]);
    expect(unhealthy).toBe('Unhealthy');
    expect(samePass).toEqual([]);
    expect(volumes).toHaveLength(1);
    expect(nextPass).toEqual([{ instanceId: victim, group: 'web', why: 'not running (stopped)', deletedVolumes: volumes }]);
    expect(await stateOf(victim)).toBe('terminated');
    expect(((await c.ec2.send(new DescribeVolumesCommand({}))).Volumes ?? []).map((v) => v.VolumeId)).not.toContain(volumes[0]);
    const after = await members();
    expect((await group()).DesiredCapacity).toBe(3);
    expect(after).toHaveLength(3);
    expect(after).toEqual(expect.arrayContaining(others));
    expect(after).not.toContain(victim);
  });

  it('a system status impairment makes a member unhealthy; an instance status impairment alone does not', async () => {
    // Prepare
    const [sick, hung] = await createGroup(3);
    impairments.inject({ kind: 'instance-system', resourceId: sick });
    impairments.inject({ kind: 'instance-status', resourceId: hung });
    // Act
    const marked = await health.sync();
    await health.replace();
    const replaced = await health.replace();
    // Assess
    expect(marked).toEqual([{ instanceId: sick, why: 'system status impaired' }]);
    expect(replaced.map((r) => r.instanceId)).toEqual([sick]);
    expect(await stateOf(hung)).toBe('running');
    expect(await members()).toContain(hung);
  });

  it('a member already taken out of service before its due pass (replace-instance got there first) is left alone', async () => {
    // Prepare: marked, then the member leaves the group (here: terminated in the group by someone else)
    const [victim] = await createGroup(2);
    impairments.inject({ kind: 'instance-system', resourceId: victim });
    await health.sync();
    await health.replace();
    await c.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }));
    // Act
    const replaced = await health.replace();
    // Assess
    expect(replaced).toEqual([]);
    expect(await members()).toHaveLength(2);
  });
});
