import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachVolumeCommand,
  CreateLaunchTemplateCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeSubnetsCommand,
  RunInstancesCommand,
  type Tag,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { startKubeApi, type KubeApi, type KubeApiOptions } from '../sandbox/kube-api';
import type { Clients } from './aws';

/**
 * Seeds the fleet the drill protects, in moto: an Auto Scaling group built
 * from a launch template, and standalone instances (launched from the same
 * template) with an EBS data volume, several completed snapshots of it and an
 * Elastic IP. Every resource carries `recovery-drill=<scenario>` so each
 * scenario works on its own members only.
 */
export const DRILL_TAG = 'recovery-drill';
export const DATA_DEVICE = '/dev/sdf';
/**
 * The fleet's instance type: one EC2 simplified automatic recovery does not support (moto's
 * DescribeInstanceTypes, real AWS data: AutoRecoverySupported false, as for every type with instance store
 * volumes), so a system status fault is left to the stack, as each scenario expects. The ec2-auto-recovery
 * scenarios seed a supported type instead (`instanceType`).
 */
export const DRILL_INSTANCE_TYPE = 'm5d.large';
const AL2023_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

export interface SeededInstance {
  instanceId: string;
  availabilityZone: string;
  subnetId: string;
  launchTemplateId: string;
  group: string;
  dataVolumeId?: string;
  /** Oldest first: the restore must pick the last one. */
  snapshotIds: string[];
  allocationId?: string;
  publicIp?: string;
}

export interface SeededGroup {
  name: string;
  desiredCapacity: number;
  instanceIds: string[];
  launchTemplateId: string;
}

const tagList = (tags: Record<string, string>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Fleet {
  private basics?: Promise<{ imageId: string; subnet: { id: string; az: string } }>;
  private readonly templates = new Map<string, Promise<string>>();
  /** Work that the stack's synthesis does not depend on (snapshots), finished in the background. */
  private readonly background: Promise<unknown>[] = [];

  /**
   * STAND-IN Kubernetes clusters (scripts/sandbox/kube-api.ts: no API server runs on these
   * machines), by EKS cluster name; recreate() points KUBE_CLUSTERS at them.
   */
  readonly kubeClusters = new Map<string, KubeApi>();

  constructor(private readonly c: Clients) {}

  /** A loopback Kubernetes API for one EKS cluster name (one per scenario: names must differ). */
  async kubeCluster(o: KubeApiOptions): Promise<KubeApi> {
    if (this.kubeClusters.has(o.clusterName)) throw new Error(`kube-api for cluster ${o.clusterName} already started`);
    const api = await startKubeApi(o);
    this.kubeClusters.set(o.clusterName, api);
    return api;
  }

  /** Stops what the fleet started in this process (the kube-api servers). */
  async close(): Promise<void> {
    await Promise.all([...this.kubeClusters.values()].map((k) => k.close()));
    this.kubeClusters.clear();
  }

  /** For scenarios that seed services the fleet helpers do not cover (RDS, Lambda). */
  get clients(): Clients {
    return this.c;
  }

  /** The AMI and default subnet everything launches from (looked up once, safe to call concurrently). */
  private base(): Promise<{ imageId: string; subnet: { id: string; az: string } }> {
    this.basics ??= (async () => {
      // Like a real launch template: Amazon Linux 2023 from AWS's public SSM parameter.
      const param = await this.c.ssm.send(new GetParameterCommand({ Name: AL2023_PARAMETER }));
      const images = await this.c.ec2.send(new DescribeImagesCommand({ ImageIds: [param.Parameter!.Value!] }));
      const linux = images.Images?.[0];
      if (!linux?.ImageId) throw new Error(`moto has no AMI ${param.Parameter?.Value} (from ${AL2023_PARAMETER})`);
      const subnets = await this.c.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
      const s = (subnets.Subnets ?? []).sort((a, b) => (a.AvailabilityZone ?? '').localeCompare(b.AvailabilityZone ?? ''))[0];
      if (!s?.SubnetId || !s.AvailabilityZone) throw new Error('moto has no default subnet');
      return { imageId: linux.ImageId, subnet: { id: s.SubnetId, az: s.AvailabilityZone } };
    })();
    return this.basics;
  }

  launchTemplate(name: string): Promise<string> {
    let p = this.templates.get(name);
    if (!p) {
      p = this.createLaunchTemplate(name);
      this.templates.set(name, p);
    }
    return p;
  }

  private async createLaunchTemplate(name: string): Promise<string> {
    const { imageId } = await this.base();
    const out = await this.c.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        LaunchTemplateData: {
          ImageId: imageId,
          InstanceType: DRILL_INSTANCE_TYPE,
          TagSpecifications: [{ ResourceType: 'instance', Tags: tagList({ 'launched-from': name }) }],
        },
      }),
    );
    return out.LaunchTemplate!.LaunchTemplateId!;
  }

  /** An Auto Scaling group of `size` instances from a launch template. */
  async group(scenario: string, name: string, size: number): Promise<SeededGroup> {
    const { subnet } = await this.base();
    const launchTemplateId = await this.launchTemplate(`drill-${scenario}`);
    await this.c.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Latest' },
        MinSize: size,
        MaxSize: size + 2,
        DesiredCapacity: size,
        VPCZoneIdentifier: subnet.id,
        Tags: [
          { Key: DRILL_TAG, Value: scenario, PropagateAtLaunch: true },
          { Key: 'Name', Value: name, PropagateAtLaunch: true },
        ],
      }),
    );
    const out = await this.c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    const g = out.AutoScalingGroups?.[0];
    const instanceIds = (g?.Instances ?? []).map((i) => i.InstanceId!).sort();
    if (instanceIds.length !== size) throw new Error(`ASG ${name}: moto launched ${instanceIds.length} instances, expected ${size}`);
    return { name, desiredCapacity: size, instanceIds, launchTemplateId };
  }

  /** Waits for the background work (snapshots); call before any scenario runs. */
  async settled(): Promise<void> {
    await Promise.all(this.background);
  }

  /**
   * `count` more members of a tagged group, in one RunInstances call: they only make up the
   * group's size (no data volume, no address), e.g. for a blast-radius cap that needs a large group.
   */
  async groupMembers(scenario: string, group: string, count: number): Promise<string[]> {
    const { subnet } = await this.base();
    const launchTemplateId = await this.launchTemplate(`drill-${scenario}`);
    const run = await this.c.ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Latest' },
        MinCount: count,
        MaxCount: count,
        SubnetId: subnet.id,
        TagSpecifications: [{ ResourceType: 'instance', Tags: tagList({ Name: `${group}-member`, [DRILL_TAG]: scenario, 'recovery-group': group }) }],
      }),
    );
    return (run.Instances ?? []).map((i) => i.InstanceId!);
  }

  /**
   * A standalone instance from a launch template; optionally with a data
   * volume at DATA_DEVICE and `snapshots` completed snapshots of it (taken in
   * the background: see settled()), and an Elastic IP.
   */
  async standalone(
    scenario: string,
    name: string,
    opts: { group?: string; snapshots?: number; elasticIp?: boolean; instanceType?: string } = {},
  ): Promise<SeededInstance> {
    const { subnet } = await this.base();
    const launchTemplateId = await this.launchTemplate(`drill-${scenario}`);
    const group = opts.group ?? 'standalone';
    const tags = { Name: name, [DRILL_TAG]: scenario, ...(opts.group ? { 'recovery-group': opts.group } : {}) };
    const run = await this.c.ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Latest' },
        ...(opts.instanceType ? { InstanceType: opts.instanceType as _InstanceType } : {}),
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnet.id,
        TagSpecifications: [{ ResourceType: 'instance', Tags: tagList(tags) }],
      }),
    );
    const instanceId = run.Instances![0].InstanceId!;
    const seeded: SeededInstance = { instanceId, availabilityZone: subnet.az, subnetId: subnet.id, launchTemplateId, group, snapshotIds: [] };
    if (opts.snapshots !== undefined) {
      const vol = await this.c.ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: subnet.az,
          Size: 20,
          VolumeType: 'gp3',
          Encrypted: true,
          TagSpecifications: [{ ResourceType: 'volume', Tags: tagList({ Name: `${name}-data`, [DRILL_TAG]: scenario }) }],
        }),
      );
      seeded.dataVolumeId = vol.VolumeId!;
      await this.c.ec2.send(new AttachVolumeCommand({ VolumeId: seeded.dataVolumeId, InstanceId: instanceId, Device: DATA_DEVICE }));
      const snapshots = opts.snapshots;
      const volumeId = seeded.dataVolumeId;
      const taking = (async () => {
        for (let i = 0; i < snapshots; i++) {
          const snap = await this.c.ec2.send(
            new CreateSnapshotCommand({
              VolumeId: volumeId,
              Description: `${name} data, nightly #${i + 1}`,
              TagSpecifications: [{ ResourceType: 'snapshot', Tags: tagList({ [DRILL_TAG]: scenario, nightly: String(i + 1) }) }],
            }),
          );
          seeded.snapshotIds.push(snap.SnapshotId!);
          // moto's StartTime has one-second resolution: space them so "latest" is well defined.
          if (i < snapshots - 1) await sleep(1050);
        }
      })();
      taking.catch(() => undefined); // surfaced by settled(); never an unhandled rejection meanwhile
      this.background.push(taking);
    }
    if (opts.elasticIp) {
      const eip = await this.c.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: tagList({ [DRILL_TAG]: scenario }) }] }));
      await this.c.ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: instanceId }));
      seeded.allocationId = eip.AllocationId!;
      seeded.publicIp = eip.PublicIp!;
    }
    return seeded;
  }
}
