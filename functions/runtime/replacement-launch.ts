import type { Instance, RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { ec2 } from './sdk';
import { metadataOptionsOf } from './standalone-replacement';

/**
 * The RunInstances parameters that make a standalone replacement the old
 * instance's equal: what DescribeInstances reports, plus the two settings it
 * does not (user data: DescribeInstanceAttribute userData; CPU credits:
 * DescribeInstanceCreditSpecifications). Passed with a launch template too:
 * parameters given to RunInstances override the template's
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html),
 * and the instance as it runs now is what is replaced.
 */
export interface ReadAttributes {
  /**
   * Base64, as DescribeInstanceAttribute returns it and RunInstances takes it: passed through as-is, never decoded
   * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UserData.html).
   */
  userData?: string;
  /** standard or unlimited; T instance types only. */
  cpuCredits?: string;
}

/** Burstable (T) instance types: the only ones with a credit specification (RunInstances refuses it on others). */
const BURSTABLE = /^t\d[a-z]*\./;

/** Reads what DescribeInstances does not report. Throws (nothing launched yet) if either read fails. */
export async function readAttributes(old: Instance): Promise<ReadAttributes> {
  const { client, sdk } = await ec2();
  const userData = (await client.send(new sdk.DescribeInstanceAttributeCommand({ InstanceId: old.InstanceId, Attribute: 'userData' }))).UserData?.Value;
  const cpuCredits =
    old.InstanceType && BURSTABLE.test(old.InstanceType)
      ? (await client.send(new sdk.DescribeInstanceCreditSpecificationsCommand({ InstanceIds: [old.InstanceId!] }))).InstanceCreditSpecifications?.[0]?.CpuCredits
      : undefined;
  return { ...(userData ? { userData } : {}), ...(cpuCredits ? { cpuCredits } : {}) };
}

/** Tags the replacement copies: not aws:* (EC2's own, not settable) nor recovery:* (this project sets its own). */
export function carriedTags(old: Instance): Record<string, string> {
  return Object.fromEntries((old.Tags ?? []).filter((t) => t.Key && !t.Key.startsWith('aws:') && !t.Key.startsWith('recovery:')).map((t) => [t.Key!, t.Value ?? '']));
}

/** The old instance's settings as RunInstances parameters (image, tags and token are the caller's). */
export function carriedSettings(old: Instance, read: ReadAttributes): Partial<RunInstancesCommandInput> {
  const p = old.Placement;
  // AZ through the subnet; a placement group by id (GroupId and GroupName exclude each other).
  const placement = {
    ...(p?.Tenancy ? { Tenancy: p.Tenancy } : {}),
    ...(p?.GroupId ? { GroupId: p.GroupId } : p?.GroupName ? { GroupName: p.GroupName } : {}),
    ...(p?.PartitionNumber !== undefined && (p?.GroupId || p?.GroupName) ? { PartitionNumber: p.PartitionNumber } : {}),
    ...(p?.HostResourceGroupArn ? { HostResourceGroupArn: p.HostResourceGroupArn } : {}),
  };
  return {
    InstanceType: old.InstanceType,
    KeyName: old.KeyName,
    SubnetId: old.SubnetId,
    SecurityGroupIds: (old.SecurityGroups ?? []).map((g) => g.GroupId!).filter(Boolean),
    ...(old.IamInstanceProfile?.Arn ? { IamInstanceProfile: { Arn: old.IamInstanceProfile.Arn } } : {}),
    ...(read.userData ? { UserData: read.userData } : {}),
    ...(old.MetadataOptions ? { MetadataOptions: metadataOptionsOf(old.MetadataOptions) as RunInstancesCommandInput['MetadataOptions'] } : {}),
    EbsOptimized: old.EbsOptimized ?? false,
    // pending = being enabled (MonitorInstances was called): the replacement gets it too.
    Monitoring: { Enabled: old.Monitoring?.State === 'enabled' || old.Monitoring?.State === 'pending' },
    ...(Object.keys(placement).length ? { Placement: placement } : {}),
    ...(read.cpuCredits ? { CreditSpecification: { CpuCredits: read.cpuCredits } } : {}),
  };
}
