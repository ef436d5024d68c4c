import type { Instance, InstanceMetadataOptionsResponse } from '@aws-sdk/client-ec2';
import type { InstanceFacts, VolumeFacts } from './diagnosis';

/**
 * What a standalone replacement (a new instance launched in the old one's
 * place) cannot take along. Data volumes and secondary network interfaces move
 * to it (runtime/instance-swap.ts), but only when the root volume can be told
 * apart from them; and a metadata option RunInstances cannot set would fall
 * back to the account default (possibly IMDSv1). Any of these and the rung
 * does not launch: humans get the reason instead. Pure, so `fits` and `run`
 * (on a fresh read) decide the same way.
 */

/**
 * The metadata options RunInstances sets (MetadataOptions, InstanceMetadataOptionsRequest:
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataOptionsRequest.html),
 * all carried to the replacement. One the instance reports outside this list would be lost.
 */
export const CARRIED_METADATA_OPTIONS = ['HttpTokens', 'HttpEndpoint', 'HttpPutResponseHopLimit', 'InstanceMetadataTags', 'HttpProtocolIpv6'] as const;

/** What changes however faithfully the rest is carried (the plan says so). */
export const CHANGED_BY_REPLACEMENT = [
  'instance id',
  // EC2 cannot detach a primary network interface, and the stopped old instance keeps it
  // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network-interface-attachments.html).
  'primary private IP, and any public IP that is not an Elastic IP (Elastic IPs and secondary interfaces move)',
  "root volume: a fresh one from the image or launch template (the old one stays on the stopped old instance)",
];

export type CarryFacts = Pick<InstanceFacts, 'rootDeviceName' | 'volumes' | 'secondaryNetworkInterfaces' | 'metadataOptions'>;

/** MetadataOptions as reported, without State (pending/applied: whether the options are in force yet, not an option). */
export function metadataOptionsOf(m: InstanceMetadataOptionsResponse): Record<string, string | number> {
  return Object.fromEntries(Object.entries(m).filter(([k, v]) => k !== 'State' && (typeof v === 'string' || typeof v === 'number'))) as Record<string, string | number>;
}

/** The facts `leftBehind` needs, from a DescribeInstances record (`run` reads the instance again before launching). */
export function carryFactsOf(i: Instance): CarryFacts {
  return {
    rootDeviceName: i.RootDeviceName,
    volumes: (i.BlockDeviceMappings ?? []).filter((b) => b.Ebs?.VolumeId && b.DeviceName).map((b) => ({ volumeId: b.Ebs!.VolumeId!, device: b.DeviceName! })),
    secondaryNetworkInterfaces: (i.NetworkInterfaces ?? []).filter((n) => n.Attachment?.DeviceIndex !== 0).map((n) => n.NetworkInterfaceId ?? '?'),
    ...(i.MetadataOptions ? { metadataOptions: metadataOptionsOf(i.MetadataOptions) } : {}),
  };
}

/** The EBS volumes besides the root volume: data a replacement launched from the image would not have. */
export function dataVolumes(i: CarryFacts): VolumeFacts[] {
  return i.volumes.filter((v) => v.device !== i.rootDeviceName);
}

/** What a standalone replacement would leave behind or weaken, each named; empty = it may launch. */
export function leftBehind(i: CarryFacts): string[] {
  // No volume at the root device (root detached, or an emulator placing it elsewhere): no volume can be told to be
  // the root one, so none can be moved as data without risking moving a root filesystem; each is named.
  const rootless = i.volumes.length > 0 && !i.volumes.some((v) => v.device === i.rootDeviceName);
  const lost = rootless ? dataVolumes(i).map((v) => `data volume ${v.volumeId} (${v.device}) (no volume at the root device ${i.rootDeviceName ?? '(none reported)'})`) : [];
  if (!i.secondaryNetworkInterfaces) lost.push('network interfaces unknown (not read)');
  if (!i.metadataOptions) lost.push('metadata options unknown (DescribeInstances reported none: the replacement could get weaker ones, e.g. IMDSv1)');
  else {
    const carried: readonly string[] = CARRIED_METADATA_OPTIONS;
    for (const [k, v] of Object.entries(i.metadataOptions)) if (!carried.includes(k)) lost.push(`metadata option ${k}=${v} (not settable at launch)`);
  }
  return lost;
}
