import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand } from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { Clients } from '../drill/aws';
import type { SignedRequest } from '../sandbox/aws-gaps';
import type { AwsRequest } from '../sandbox/gaps/protocol';
import type { RequestFacts } from './authorizations';

/**
 * What IAM evaluates a request against that is not in the request itself, read
 * from moto BEFORE the request is answered (the gap proxy's `facts` hook), as
 * AWS sees it at request time: the tags of the resources it names
 * (aws:ResourceTag), the instance a volume is attached to, what a launch
 * template or the account's defaults supply to RunInstances, the instance's
 * Auto Scaling group, a restored DB's groups. Only for the calls that need it:
 * reads (Describe*) are not scoped to resources.
 */
const EC2_ID_PARAM = /^(ResourceId|InstanceId|VolumeId|AllocationId|SnapshotId|ImageId|NetworkInterfaceId|SubnetId|GroupId|SecurityGroupId)(\.\d+)?$|^LaunchTemplate\.LaunchTemplateId$/;

async function ec2Tags(c: Clients, ids: string[]): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  if (ids.length === 0) return out;
  for (const id of ids) out[id] = {};
  const r = await c.ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: ids }], MaxResults: 1000 }));
  for (const t of r.Tags ?? []) if (t.ResourceId && t.Key) (out[t.ResourceId] ??= {})[t.Key] = t.Value ?? '';
  return out;
}

/** KMS through moto's JSON API (the drill has no KMS client): DescribeKey / ListAliases. */
async function kms(c: Clients, target: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${c.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${target}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`kms ${target}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * The customer managed keys among `keyIds` (ARNs). An AWS managed key (alias/aws/ebs) needs no IAM grant:
 * its key policy lets EBS use it for every principal of the account ("AWS managed keys",
 * https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key). Known by its
 * `alias/aws/...` alias (moto reports KeyManager CUSTOMER for its default EBS key).
 */
async function customerKeys(c: Clients, keyIds: (string | undefined)[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of new Set(keyIds.filter((k): k is string => !!k))) {
    const meta = (await kms(c, 'DescribeKey', { KeyId: id })).KeyMetadata as { Arn: string; KeyManager: string };
    const aliases = ((await kms(c, 'ListAliases', { KeyId: id })).Aliases ?? []) as { AliasName: string }[];
    if (meta.KeyManager === 'CUSTOMER' && !aliases.some((a) => a.AliasName.startsWith('alias/aws/'))) out.push(id.startsWith('arn:') ? id : meta.Arn);
  }
  return out;
}

/** The EBS keys a request makes EC2 use: new volumes' (CreateVolume, RunInstances), attached or started instances' volumes'. */
async function ebsKeys(c: Clients, op: string, p: Record<string, string>, templateKeys: string[]): Promise<string[]> {
  if (op === 'CreateVolume') {
    let key: string | undefined = p.KmsKeyId;
    if (!key && p.SnapshotId) key = (await c.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [p.SnapshotId] }))).Snapshots?.[0]?.KmsKeyId;
    return customerKeys(c, [key]);
  }
  if (op === 'AttachVolume' && p.VolumeId) {
    return customerKeys(c, [(await c.ec2.send(new DescribeVolumesCommand({ VolumeIds: [p.VolumeId] }))).Volumes?.[0]?.KmsKeyId]);
  }
  if (op === 'StartInstances') {
    const ids = Object.entries(p).filter(([k]) => /^InstanceId\.\d+$/.test(k)).map(([, v]) => v);
    const v = await c.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: ids }] }));
    return customerKeys(c, (v.Volumes ?? []).map((x) => x.KmsKeyId));
  }
  if (op === 'RunInstances') {
    const requested = Object.entries(p).filter(([k]) => /^BlockDeviceMapping\.\d+\.Ebs\.KmsKeyId$/.test(k)).map(([, v]) => v);
    return customerKeys(c, [...requested, ...templateKeys]);
  }
  return [];
}

async function launchFacts(c: Clients, p: Record<string, string>): Promise<NonNullable<RequestFacts['launch']> & { templateKeys: string[] }> {
  const launch: NonNullable<RequestFacts['launch']> & { templateKeys: string[] } = { templateKeys: [] };
  const templateId = p['LaunchTemplate.LaunchTemplateId'];
  let profile: string | undefined = p['IamInstanceProfile.Arn'] ?? p['IamInstanceProfile.Name'];
  if (templateId) {
    const v = await c.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: [p['LaunchTemplate.Version'] ?? '$Default'] }));
    const data = v.LaunchTemplateVersions?.[0]?.LaunchTemplateData ?? {};
    launch.imageId = data.ImageId;
    launch.keyName = data.KeyName;
    launch.placementGroup = data.Placement?.GroupName;
    launch.subnetId = data.NetworkInterfaces?.[0]?.SubnetId;
    const groups = [...(data.SecurityGroupIds ?? []), ...(data.NetworkInterfaces?.[0]?.Groups ?? [])];
    if (groups.length) launch.securityGroupIds = groups;
    profile ??= data.IamInstanceProfile?.Arn ?? data.IamInstanceProfile?.Name;
    launch.templateKeys = (data.BlockDeviceMappings ?? []).map((b) => b.Ebs?.KmsKeyId).filter((k): k is string => !!k);
  }
  const subnetId = p.SubnetId ?? p['NetworkInterface.1.SubnetId'] ?? launch.subnetId;
  // No subnet anywhere: EC2 launches into the default VPC's default subnet.
  const subnets = await c.ec2.send(new DescribeSubnetsCommand(subnetId ? { SubnetIds: [subnetId] } : { Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  const subnet = subnets.Subnets?.[0];
  launch.subnetId ??= subnet?.SubnetId;
  const requestGroups = Object.keys(p).some((k) => /^(NetworkInterface\.1\.)?SecurityGroupId\.\d+$/.test(k));
  if (!requestGroups && !launch.securityGroupIds?.length && subnet?.VpcId) {
    // No group anywhere: EC2 uses the VPC's default security group.
    const sg = await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [subnet.VpcId] }, { Name: 'group-name', Values: ['default'] }] }));
    launch.securityGroupIds = (sg.SecurityGroups ?? []).map((g) => g.GroupId!).filter(Boolean);
  }
  if (profile) {
    const name = profile.split('/').pop()!;
    const r = await c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    launch.instanceProfileRoleArn = r.InstanceProfile?.Roles?.[0]?.Arn;
  }
  return launch;
}

export function factsReader(c: Clients): (req: AwsRequest, signed: SignedRequest) => Promise<RequestFacts | undefined> {
  return async (req) => {
    if (req.service === 'ec2' && req.protocol === 'query' && !/^Describe/.test(req.operation)) {
      const p = Object.fromEntries(req.form.entries());
      const facts: RequestFacts = {};
      let templateKeys: string[] = [];
      if (req.operation === 'RunInstances') {
        const { templateKeys: keys, ...launch } = await launchFacts(c, p);
        facts.launch = launch;
        templateKeys = keys;
      }
      const keys = await ebsKeys(c, req.operation, p, templateKeys);
      if (keys.length) facts.ebsKeys = keys;
      if (req.operation === 'DetachVolume' && p.VolumeId && !p.InstanceId) {
        const v = await c.ec2.send(new DescribeVolumesCommand({ VolumeIds: [p.VolumeId] }));
        const instance = v.Volumes?.[0]?.Attachments?.[0]?.InstanceId;
        if (instance) facts.attachedTo = { [p.VolumeId]: instance };
      }
      if (req.operation === 'DetachNetworkInterface' && p.AttachmentId) {
        const n = (await c.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.attachment-id', Values: [p.AttachmentId] }] }))).NetworkInterfaces?.[0];
        if (n?.NetworkInterfaceId && n.Attachment?.InstanceId) facts.attachment = { networkInterfaceId: n.NetworkInterfaceId, instanceId: n.Attachment.InstanceId };
      }
      const ids = new Set(Object.entries(p).filter(([k]) => EC2_ID_PARAM.test(k)).map(([, v]) => v));
      for (const v of Object.values(facts.attachedTo ?? {})) ids.add(v);
      if (facts.attachment) for (const v of Object.values(facts.attachment)) ids.add(v);
      const l = facts.launch;
      for (const v of [l?.imageId, l?.subnetId, ...(l?.securityGroupIds ?? [])]) if (v) ids.add(v);
      facts.tags = await ec2Tags(c, [...ids]);
      return facts;
    }
    if (req.service === 'ec2' && req.operation === 'DescribeInstanceAttribute') {
      return { tags: await ec2Tags(c, [req.form.get('InstanceId') ?? ''].filter(Boolean)) };
    }
    if (req.service === 'autoscaling' && req.operation === 'TerminateInstanceInAutoScalingGroup') {
      const instance = req.form.get('InstanceId') ?? '';
      const a = await c.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instance] }));
      const name = a.AutoScalingInstances?.[0]?.AutoScalingGroupName;
      if (!name) return {};
      const g = (await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
      if (!g?.AutoScalingGroupARN) return {};
      return { group: { name, arn: g.AutoScalingGroupARN }, tags: { [name]: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])) } };
    }
    if (req.service === 'ssm' && req.operation === 'StartAutomationExecution') {
      // What the runbook then does under the automation role (evaluate.ts) is authorized against the instance.
      const ids = ((req.json.Parameters as Record<string, string[]> | undefined)?.InstanceId ?? []).filter(Boolean);
      return { tags: await ec2Tags(c, ids) };
    }
    if (req.service === 'ssm' && req.operation === 'SendCommand') {
      return { tags: await ec2Tags(c, ((req.json.InstanceIds as string[] | undefined) ?? []).filter(Boolean)) };
    }
    if (req.service === 'rds' && req.operation === 'RestoreDBInstanceToPointInTime') {
      const source = req.form.get('SourceDBInstanceIdentifier');
      if (!source) return {};
      const db = (await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: source }))).DBInstances?.[0];
      return {
        dbGroups: {
          subnetGroup: db?.DBSubnetGroup?.DBSubnetGroupName ?? 'default',
          optionGroup: db?.OptionGroupMemberships?.[0]?.OptionGroupName,
          parameterGroup: db?.DBParameterGroups?.[0]?.DBParameterGroupName,
        },
      };
    }
    return undefined;
  };
}
