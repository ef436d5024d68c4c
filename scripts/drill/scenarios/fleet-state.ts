import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeVolumesCommand, type Instance, type Volume } from '@aws-sdk/client-ec2';
import type { Clients } from '../aws';

/** Reads of the fleet's real state in moto, for the scenarios' checks. */
export async function instance(c: Clients, id: string): Promise<Instance | undefined> {
  const out = await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0];
}

export async function instancesTagged(c: Clients, key: string, value: string): Promise<Instance[]> {
  const out = await c.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] }));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

export async function group(c: Clients, name: string) {
  const out = await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

export async function volume(c: Clients, id: string): Promise<Volume | undefined> {
  const out = await c.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }));
  return out.Volumes?.[0];
}

/** Volumes attached to the instance at this device (normally one). */
export async function volumesAt(c: Clients, instanceId: string, device: string): Promise<Volume[]> {
  const out = await c.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }));
  return (out.Volumes ?? []).filter((v) => v.Attachments?.some((a) => a.InstanceId === instanceId && a.Device === device));
}

export async function address(c: Clients, allocationId: string) {
  const out = await c.ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }));
  return out.Addresses?.[0];
}

export function tagsOf(x: { Tags?: { Key?: string; Value?: string }[] } | undefined): Record<string, string> {
  return Object.fromEntries((x?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
