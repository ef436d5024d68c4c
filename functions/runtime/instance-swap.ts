/**
 * Moving an instance's data to its standalone replacement: the data volumes at
 * the same device names, the secondary network interfaces at the same device
 * indexes (with their private IPs and any Elastic IP on them). Both instances
 * are stopped while anything moves, so no filesystem is detached under a
 * running OS and the replacement boots with its data.
 *
 * Every move is recorded as it happens, so `putBack` can return each volume and
 * interface to the old instance from wherever it got to (on the replacement,
 * or detached between the two).
 *
 * EC2's rules this follows: a volume attaches only to an instance in its own
 * Availability Zone, the replacement is launched in the old instance's subnet
 * (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-attaching-volume.html);
 * a secondary network interface can be detached and attached to another
 * instance in the same Availability Zone, the primary one cannot be detached
 * at all, which is why the primary private IP changes
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network-interface-attachments.html).
 * AttachVolume leaves DeleteOnTermination off: the moved data outlives the
 * replacement too.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { ec2 } from './sdk';
import { waitFor } from './poll';
import { carryFactsOf, dataVolumes } from './standalone-replacement';
import type { rollbackSteps } from './rollback-steps';

export interface MovedVolume {
  volumeId: string;
  device: string;
}

export interface MovedInterface {
  networkInterfaceId: string;
  deviceIndex: number;
}

export interface DataToMove {
  volumes: MovedVolume[];
  interfaces: MovedInterface[];
}

/** What moves, from a DescribeInstances record: every EBS volume but the root one, every interface but the primary. Pure. */
export function dataToMove(i: Instance): DataToMove {
  return {
    volumes: dataVolumes(carryFactsOf(i)).map((v) => ({ volumeId: v.volumeId, device: v.device })),
    interfaces: (i.NetworkInterfaces ?? [])
      .filter((n) => n.NetworkInterfaceId && n.Attachment?.DeviceIndex !== undefined && n.Attachment.DeviceIndex !== 0)
      .map((n) => ({ networkInterfaceId: n.NetworkInterfaceId!, deviceIndex: n.Attachment!.DeviceIndex! }))
      .sort((a, b) => a.deviceIndex - b.deviceIndex),
  };
}

export function describeMoves(m: DataToMove): string[] {
  return [...m.volumes.map((v) => `data volume ${v.volumeId} at ${v.device}`), ...m.interfaces.map((n) => `network interface ${n.networkInterfaceId} at device index ${n.deviceIndex}`)];
}

type Where = 'old' | 'detached' | 'new';

/** The moves of one replacement, in the order they happen, and how to undo them. */
export class InstanceSwap {
  private readonly volumes = new Map<string, { device: string; at: Where }>();
  private readonly interfaces = new Map<string, { deviceIndex: number; at: Where }>();

  constructor(
    private readonly oldId: string,
    private readonly newId: string,
    private readonly timing: { intervalMs: number; deadline: number },
  ) {}

  /** Something is (or may be) away from the old instance. */
  get started(): boolean {
    return [...this.volumes.values(), ...this.interfaces.values()].some((x) => x.at !== 'old');
  }

  /** Both instances stopped. Volumes first (the data), then interfaces. Throws at the first failure; `putBack` undoes. */
  async move(m: DataToMove): Promise<void> {
    for (const v of m.volumes) this.volumes.set(v.volumeId, { device: v.device, at: 'old' });
    for (const n of m.interfaces) this.interfaces.set(n.networkInterfaceId, { deviceIndex: n.deviceIndex, at: 'old' });
    for (const v of m.volumes) {
      await this.detachVolume(v.volumeId, this.oldId);
      await this.attachVolume(v.volumeId, v.device, this.newId);
    }
    for (const n of m.interfaces) {
      await this.detachInterface(n.networkInterfaceId);
      await this.attachInterface(n.networkInterfaceId, n.deviceIndex, this.newId);
    }
  }

  /** Every volume and interface back on the old instance (replacement stopped); each step tried, each recorded. */
  async putBack(rb: ReturnType<typeof rollbackSteps>): Promise<void> {
    for (const [volumeId, v] of this.volumes) {
      if (v.at === 'old') continue;
      await rb.attempt(`put data volume ${volumeId} back on ${this.oldId} at ${v.device}`, async () => {
        if (v.at === 'new') await this.detachVolume(volumeId, this.newId);
        await this.attachVolume(volumeId, v.device, this.oldId);
      });
    }
    for (const [eni, n] of this.interfaces) {
      if (n.at === 'old') continue;
      await rb.attempt(`put network interface ${eni} back on ${this.oldId} at device index ${n.deviceIndex}`, async () => {
        if (n.at === 'new') await this.detachInterface(eni);
        await this.attachInterface(eni, n.deviceIndex, this.oldId);
      });
    }
  }

  private async detachVolume(volumeId: string, from: string): Promise<void> {
    const { client, sdk } = await ec2();
    await client.send(new sdk.DetachVolumeCommand({ VolumeId: volumeId, InstanceId: from }));
    this.volumes.get(volumeId)!.at = 'detached';
    await waitFor(`volume ${volumeId} detached from ${from}`, async () => ((await this.volumeState(volumeId)).state === 'available' ? true : undefined), this.timing);
  }

  private async attachVolume(volumeId: string, device: string, to: string): Promise<void> {
    const { client, sdk } = await ec2();
    await client.send(new sdk.AttachVolumeCommand({ VolumeId: volumeId, InstanceId: to, Device: device }));
    this.volumes.get(volumeId)!.at = to === this.oldId ? 'old' : 'new';
    await waitFor(
      `volume ${volumeId} attached to ${to} at ${device}`,
      async () => {
        const s = await this.volumeState(volumeId);
        return s.attachedTo === to && s.attachment === 'attached' ? true : undefined;
      },
      this.timing,
    );
  }

  private async volumeState(volumeId: string): Promise<{ state?: string; attachedTo?: string; attachment?: string }> {
    const { client, sdk } = await ec2();
    const v = (await client.send(new sdk.DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0];
    return { state: v?.State, attachedTo: v?.Attachments?.[0]?.InstanceId, attachment: v?.Attachments?.[0]?.State };
  }

  private async detachInterface(eni: string): Promise<void> {
    const { client, sdk } = await ec2();
    const attachmentId = (await this.interfaceState(eni)).attachmentId;
    if (!attachmentId) throw new Error(`network interface ${eni} has no attachment to detach`);
    await client.send(new sdk.DetachNetworkInterfaceCommand({ AttachmentId: attachmentId }));
    this.interfaces.get(eni)!.at = 'detached';
    await waitFor(`network interface ${eni} detached`, async () => ((await this.interfaceState(eni)).status === 'available' ? true : undefined), this.timing);
  }

  private async attachInterface(eni: string, deviceIndex: number, to: string): Promise<void> {
    const { client, sdk } = await ec2();
    await client.send(new sdk.AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni, InstanceId: to, DeviceIndex: deviceIndex }));
    this.interfaces.get(eni)!.at = to === this.oldId ? 'old' : 'new';
    await waitFor(
      `network interface ${eni} attached to ${to}`,
      async () => {
        const s = await this.interfaceState(eni);
        return s.status === 'in-use' && s.instanceId === to ? true : undefined;
      },
      this.timing,
    );
  }

  private async interfaceState(eni: string): Promise<{ status?: string; attachmentId?: string; instanceId?: string }> {
    const { client, sdk } = await ec2();
    const n = (await client.send(new sdk.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }))).NetworkInterfaces?.[0];
    return { status: n?.Status, attachmentId: n?.Attachment?.AttachmentId, instanceId: n?.Attachment?.InstanceId };
  }
}
