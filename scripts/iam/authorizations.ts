import type { SignedRequest } from '../sandbox/aws-gaps';

/**
 * Request -> the authorizations AWS makes for it: IAM action, resource ARN and
 * request context, one entry per (action, resource). Sources, per service:
 * the Service Authorization Reference (SAR), "Actions, resources, and condition
 * keys for <service>" (https://docs.aws.amazon.com/service-authorization/latest/reference/),
 * whose resource types and ARN formats iam-data carries (evaluate.ts checks each
 * ARN against them). Non-obvious mappings cite their page next to them.
 *
 * An operation that is not mapped here is `unmapped`: the check fails on it,
 * it never passes silently.
 */
export interface Authorization {
  /** IAM action, e.g. ec2:RunInstances. */
  action: string;
  /** Resource ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  /** Request context (condition keys) for this authorization. */
  context: Record<string, string | string[]>;
  /** What this authorization is for, when a request makes several (e.g. "RunInstances: subnet"). */
  note?: string;
}

/** Read from moto just before the request was answered (facts.ts). */
export interface RequestFacts {
  /** Tags of the resources the request names, by resource id (EC2 ids, Auto Scaling group name). */
  tags?: Record<string, Record<string, string>>;
  /** DetachVolume without InstanceId: the instance the volume is attached to. */
  attachedTo?: Record<string, string>;
  /** DetachNetworkInterface: the interface and instance of the attachment it names. */
  attachment?: { networkInterfaceId: string; instanceId: string };
  /** RunInstances: what the launch template (or the account's defaults) supplies. */
  launch?: {
    imageId?: string;
    subnetId?: string;
    securityGroupIds?: string[];
    keyName?: string;
    /** The role inside the instance profile, which EC2 makes the caller pass. */
    instanceProfileRoleArn?: string;
    placementGroup?: string;
  };
  /** Customer managed KMS keys of the EBS volumes the request creates, attaches or starts. */
  ebsKeys?: string[];
  /** TerminateInstanceInAutoScalingGroup: the instance's group. */
  group?: { name: string; arn: string };
  /** RestoreDBInstanceToPointInTime: the source instance's groups, used when the request names none. */
  dbGroups?: { subnetGroup?: string; optionGroup?: string; parameterGroup?: string };
  error?: string;
}

/** What the synthesized stack says about its own resources (KMS keys of encrypted topics and queues). */
export interface StackFacts {
  /** Topic ARN -> KMS key ARN (SSE with a customer managed key). */
  topicKeys: Record<string, string>;
  /** Queue ARN -> KMS key ARN (SSE-KMS; SSE-SQS needs no key permission). */
  queueKeys: Record<string, string>;
  /**
   * Key ARN -> its key policy. KMS allows a request only when the key policy allows it, itself or
   * by letting the account's IAM policies decide (the account root as principal); a key the stack does
   * not create (EBS keys from config) is assumed to have the default key policy, which does.
   */
  keyPolicies?: Record<string, unknown>;
}

export interface Where {
  account: string;
  region: string;
  partition: string;
}

export type Mapped = { ok: true; operation: string; authorizations: Authorization[] } | { ok: false; operation: string; reason: string };

type Ctx = Record<string, string | string[]>;
type Params = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Query protocol lists: Name.1, Name.2, ... */
function list(p: Params, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; typeof p[`${name}.${i}`] === 'string'; i++) out.push(p[`${name}.${i}`] as string);
  return out;
}

/** Query protocol tag lists (Tag.N.Key/Value under a prefix). */
function queryTags(p: Params, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; typeof p[`${prefix}.${i}.Key`] === 'string'; i++) out[p[`${prefix}.${i}.Key`] as string] = String(p[`${prefix}.${i}.Value`] ?? '');
  return out;
}

/** aws:RequestTag/<k> and aws:TagKeys for tags in the request (SAR, global condition keys). */
function requestTagContext(tags: Record<string, string>): Ctx {
  const keys = Object.keys(tags);
  if (keys.length === 0) return {};
  const out: Ctx = { 'aws:TagKeys': keys };
  for (const [k, v] of Object.entries(tags)) out[`aws:RequestTag/${k}`] = v;
  return out;
}

/** aws:ResourceTag/<k> (and the service's own <svc>:ResourceTag/<k>) from the resource's tags when the request was made. */
function resourceTagContext(tags: Record<string, string> | undefined, servicePrefix?: string): Ctx {
  const out: Ctx = {};
  for (const [k, v] of Object.entries(tags ?? {})) {
    out[`aws:ResourceTag/${k}`] = v;
    if (servicePrefix) out[`${servicePrefix}:ResourceTag/${k}`] = v;
  }
  return out;
}

// ---------------------------------------------------------------- EC2

/** EC2 resource id -> ARN (SAR, Amazon EC2 resource types; snapshots and images carry no account). */
export function ec2Arn(id: string, w: Where): string | undefined {
  const base = `arn:${w.partition}:ec2:${w.region}:${w.account}`;
  const types: [RegExp, string][] = [
    [/^i-/, 'instance'],
    [/^vol-/, 'volume'],
    [/^eni-/, 'network-interface'],
    [/^sg-/, 'security-group'],
    [/^subnet-/, 'subnet'],
    [/^eipalloc-/, 'elastic-ip'],
    [/^lt-/, 'launch-template'],
    [/^vpc-/, 'vpc'],
  ];
  for (const [re, type] of types) if (re.test(id)) return `${base}:${type}/${id}`;
  if (/^snap-/.test(id)) return `arn:${w.partition}:ec2:${w.region}::snapshot/${id}`;
  if (/^ami-/.test(id)) return `arn:${w.partition}:ec2:${w.region}::image/${id}`;
  return undefined;
}

/**
 * The ARN of a resource the request creates. AWS authorizes a create against the new resource's ARN,
 * whose id no policy can know in advance (policies grant `instance/*`): a fresh id of the resource's
 * form stands for it. Not `instance/*` itself: iam-simulate evaluates a wildcard request resource as
 * "any match", so a grant on one specific instance would allow it.
 */
export function newEc2Arn(type: string, w: Where): string {
  const prefix: Record<string, string> = { instance: 'i-', volume: 'vol-', 'network-interface': 'eni-', snapshot: 'snap-' };
  return `arn:${w.partition}:ec2:${w.region}:${w.account}:${type}/${prefix[type] ?? ''}0new0000000000000`;
}

/** An authorization on an existing EC2 resource, with its tags at request time. */
function onEc2(action: string, id: string, w: Where, f: RequestFacts, extra: Ctx = {}, note?: string): Authorization {
  const resource = ec2Arn(id, w);
  if (!resource) throw new Unmapped(`no EC2 ARN format for resource id ${id}`);
  return { action, resource, context: { ...resourceTagContext(f.tags?.[id], 'ec2'), ...extra }, ...(note ? { note } : {}) };
}

/** TagSpecification.N (EC2 create calls): tags per resource type. */
function tagSpecifications(p: Params): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (let i = 1; typeof p[`TagSpecification.${i}.ResourceType`] === 'string'; i++) {
    out[p[`TagSpecification.${i}.ResourceType`] as string] = queryTags(p, `TagSpecification.${i}.Tag`);
  }
  return out;
}

/**
 * Tags in a create request: EC2 also authorizes ec2:CreateTags on each new resource with
 * ec2:CreateAction = the create action ("Grant permission to tag Amazon EC2 resources during
 * creation", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html).
 */
function tagOnCreate(createAction: string, specs: Record<string, Record<string, string>>, w: Where): Authorization[] {
  return Object.entries(specs)
    .filter(([, tags]) => Object.keys(tags).length > 0)
    .map(([type, tags]) => ({
      action: 'ec2:CreateTags',
      resource: newEc2Arn(type, w),
      context: { 'ec2:CreateAction': createAction, ...requestTagContext(tags) },
      note: `${createAction}: tags on the new ${type}`,
    }));
}

/**
 * RunInstances, every resource it is authorized against (SAR, Amazon EC2, RunInstances;
 * "Launch instances (RunInstances)" in the EC2 API reference's IAM examples,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-runinstances):
 * the new instance, volume and network interface (newEc2Arn), the subnet, security groups and
 * image, and when used the launch template, key pair and placement group. What the request leaves
 * to the launch template or to the account's defaults (default subnet, the VPC's default security
 * group) is authorized all the same: facts.ts reads it from moto. An instance profile makes the
 * caller pass its role (iam:PassRole, iam:PassedToService = ec2.amazonaws.com: "Permission to
 * launch instances with an IAM role", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html#permission-to-pass-iam-roles).
 */
function runInstances(p: Params, f: RequestFacts, w: Where): Authorization[] {
  const base = `arn:${w.partition}:ec2:${w.region}:${w.account}`;
  const launch = f.launch ?? {};
  const specs = tagSpecifications(p);
  const out: Authorization[] = [];
  const add = (resource: string, context: Ctx, note: string) => out.push({ action: 'ec2:RunInstances', resource, context, note: `RunInstances: ${note}` });
  add(newEc2Arn('instance', w), requestTagContext(specs.instance ?? {}), 'instance');
  add(newEc2Arn('volume', w), requestTagContext(specs.volume ?? {}), 'volume');
  add(newEc2Arn('network-interface', w), requestTagContext(specs['network-interface'] ?? {}), 'network-interface');
  const subnet = str(p.SubnetId) ?? str(p['NetworkInterface.1.SubnetId']) ?? launch.subnetId;
  if (!subnet) throw new Unmapped('RunInstances: no subnet in the request, its launch template or the account defaults');
  out.push(onEc2('ec2:RunInstances', subnet, w, f, {}, 'RunInstances: subnet'));
  const groups = [...list(p, 'SecurityGroupId'), ...list(p, 'NetworkInterface.1.SecurityGroupId')];
  for (const sg of groups.length ? groups : (launch.securityGroupIds ?? [])) out.push(onEc2('ec2:RunInstances', sg, w, f, {}, 'RunInstances: security-group'));
  if (!groups.length && !launch.securityGroupIds?.length) throw new Unmapped('RunInstances: no security group in the request, its launch template or the VPC default');
  const image = str(p.ImageId) ?? launch.imageId;
  if (!image) throw new Unmapped('RunInstances: no image in the request or its launch template');
  out.push(onEc2('ec2:RunInstances', image, w, f, {}, 'RunInstances: image'));
  const template = str(p['LaunchTemplate.LaunchTemplateId']);
  if (template) out.push(onEc2('ec2:RunInstances', template, w, f, {}, 'RunInstances: launch-template'));
  else if (str(p['LaunchTemplate.LaunchTemplateName'])) throw new Unmapped('RunInstances: launch template by name (facts read templates by id)');
  const keyName = str(p.KeyName) ?? launch.keyName;
  if (keyName) add(`${base}:key-pair/${keyName}`, {}, 'key-pair');
  const placement = str(p['Placement.GroupName']) ?? launch.placementGroup;
  if (placement) add(`${base}:placement-group/${placement}`, {}, 'placement-group');
  out.push(...tagOnCreate('RunInstances', specs, w));
  const profile = str(p['IamInstanceProfile.Arn']) ?? str(p['IamInstanceProfile.Name']);
  if (profile || launch.instanceProfileRoleArn) {
    if (!launch.instanceProfileRoleArn) throw new Unmapped(`RunInstances: the role of instance profile ${profile} could not be read`);
    out.push({ action: 'iam:PassRole', resource: launch.instanceProfileRoleArn, context: { 'iam:PassedToService': 'ec2.amazonaws.com' }, note: 'RunInstances: the instance profile role' });
  }
  return out;
}

/**
 * EBS volumes under a customer managed key: EC2 calls KMS on the caller's behalf (kms:ViaService =
 * ec2.<region>.amazonaws.com): a new volume needs a data key (GenerateDataKeyWithoutPlaintext) and a
 * grant, attaching or starting needs a grant (kms:GrantIsForAWSResource) to decrypt it ("How Amazon
 * EBS encryption works", https://docs.aws.amazon.com/ebs/latest/userguide/how-ebs-encryption-works.html;
 * https://repost.aws/knowledge-center/kms-iam-ec2-permission).
 */
function ebsKms(op: string, f: RequestFacts, w: Where): Authorization[] {
  const via = { 'kms:ViaService': `ec2.${w.region}.amazonaws.com` };
  const creates = op === 'CreateVolume' || op === 'RunInstances';
  return (f.ebsKeys ?? []).flatMap((key) => [
    ...(creates ? [{ action: 'kms:GenerateDataKeyWithoutPlaintext', resource: key, context: via, note: `${op}: EBS key` }] : []),
    { action: 'kms:CreateGrant', resource: key, context: { ...via, 'kms:GrantIsForAWSResource': 'true' }, note: `${op}: EBS key` },
  ]);
}

function ec2(op: string, p: Params, f: RequestFacts, w: Where): Authorization[] | undefined {
  const out = ec2Resources(op, p, f, w);
  return out && [...out, ...ebsKms(op, f, w)];
}

function ec2Resources(op: string, p: Params, f: RequestFacts, w: Where): Authorization[] | undefined {
  const action = `ec2:${op}`;
  // Describe* take no resource-level permissions (SAR lists no resource type for them),
  // except DescribeInstanceAttribute, handled below.
  if (/^Describe/.test(op) && op !== 'DescribeInstanceAttribute') return [{ action, resource: '*', context: {} }];
  switch (op) {
    case 'DescribeInstanceAttribute':
      return [onEc2(action, str(p.InstanceId) ?? '', w, f, { 'ec2:Attribute': str(p.Attribute) ?? '' })];
    case 'StopInstances':
    case 'StartInstances':
    case 'RebootInstances':
    case 'TerminateInstances':
      return list(p, 'InstanceId').map((id) => onEc2(action, id, w, f));
    case 'ModifyInstanceAttribute': {
      // SAR: instance (required); security-group when the request sets groups. SAR also lists volume
      // (optional) without saying which requests are authorized against it; a BlockDeviceMapping change
      // (DeleteOnTermination) is checked against the instance only here.
      const out = [onEc2(action, str(p.InstanceId) ?? '', w, f)];
      for (const sg of list(p, 'GroupId')) out.push(onEc2(action, sg, w, f, {}, 'ModifyInstanceAttribute: security-group'));
      return out;
    }
    case 'CreateTags':
    case 'DeleteTags': {
      const tags = queryTags(p, 'Tag');
      return list(p, 'ResourceId').map((id) => onEc2(action, id, w, f, requestTagContext(tags)));
    }
    case 'CreateVolume': {
      const specs = tagSpecifications(p);
      const out: Authorization[] = [
        { action, resource: newEc2Arn('volume', w), context: requestTagContext(specs.volume ?? {}), note: 'CreateVolume: volume' },
      ];
      const snapshot = str(p.SnapshotId);
      if (snapshot) out.push(onEc2(action, snapshot, w, f, {}, 'CreateVolume: snapshot'));
      return [...out, ...tagOnCreate('CreateVolume', specs, w)];
    }
    case 'AttachVolume':
      return [onEc2(action, str(p.InstanceId) ?? '', w, f, {}, 'AttachVolume: instance'), onEc2(action, str(p.VolumeId) ?? '', w, f, {}, 'AttachVolume: volume')];
    case 'DetachVolume': {
      // SAR: volume (required) and instance: the one named, else the one the volume is attached to.
      const volume = str(p.VolumeId) ?? '';
      const instance = str(p.InstanceId) ?? f.attachedTo?.[volume];
      const out = [onEc2(action, volume, w, f, {}, 'DetachVolume: volume')];
      if (instance) out.push(onEc2(action, instance, w, f, {}, 'DetachVolume: instance'));
      return out;
    }
    case 'AttachNetworkInterface':
      // SAR: instance and network-interface, both required.
      return [onEc2(action, str(p.InstanceId) ?? '', w, f, {}, 'AttachNetworkInterface: instance'), onEc2(action, str(p.NetworkInterfaceId) ?? '', w, f, {}, 'AttachNetworkInterface: network-interface')];
    case 'DetachNetworkInterface': {
      // SAR: instance and network-interface, both required: those of the attachment the request names (facts).
      if (!f.attachment) throw new Unmapped(`DetachNetworkInterface: attachment ${String(p.AttachmentId)} could not be read`);
      return [
        onEc2(action, f.attachment.instanceId, w, f, {}, 'DetachNetworkInterface: instance'),
        onEc2(action, f.attachment.networkInterfaceId, w, f, {}, 'DetachNetworkInterface: network-interface'),
      ];
    }
    case 'AssociateAddress': {
      // SAR: elastic-ip, instance, network-interface: each one the request names.
      const out: Authorization[] = [];
      const allocation = str(p.AllocationId);
      if (!allocation) throw new Unmapped('AssociateAddress without AllocationId (EC2-Classic public IP)');
      out.push(onEc2(action, allocation, w, f, {}, 'AssociateAddress: elastic-ip'));
      if (str(p.InstanceId)) out.push(onEc2(action, str(p.InstanceId)!, w, f, {}, 'AssociateAddress: instance'));
      if (str(p.NetworkInterfaceId)) out.push(onEc2(action, str(p.NetworkInterfaceId)!, w, f, {}, 'AssociateAddress: network-interface'));
      return out;
    }
    case 'RunInstances':
      return runInstances(p, f, w);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- other services

function autoscaling(op: string, p: Params, f: RequestFacts): Authorization[] | undefined {
  const action = `autoscaling:${op}`;
  if (/^Describe/.test(op)) return [{ action, resource: '*', context: {} }];
  if (op === 'TerminateInstanceInAutoScalingGroup') {
    // SAR: autoScalingGroup (required): the instance's group, with its tags (aws:ResourceTag, autoscaling:ResourceTag).
    if (!f.group) throw new Unmapped(`the Auto Scaling group of ${String(p.InstanceId)} could not be read`);
    return [{ action, resource: f.group.arn, context: resourceTagContext(f.tags?.[f.group.name], 'autoscaling') }];
  }
  return undefined;
}

function rds(op: string, p: Params, f: RequestFacts, w: Where): Authorization[] | undefined {
  const action = `rds:${op}`;
  const arn = (type: string, name: string) => `arn:${w.partition}:rds:${w.region}:${w.account}:${type}:${name}`;
  const tags: Record<string, string> = {};
  for (let i = 1; typeof p[`Tags.member.${i}.Key`] === 'string'; i++) tags[p[`Tags.member.${i}.Key`] as string] = String(p[`Tags.member.${i}.Value`] ?? '');
  switch (op) {
    case 'DescribeDBInstances':
      return [{ action, resource: str(p.DBInstanceIdentifier) ? arn('db', str(p.DBInstanceIdentifier)!) : '*', context: {} }];
    case 'RebootDBInstance':
      return [{ action, resource: arn('db', str(p.DBInstanceIdentifier) ?? ''), context: {} }];
    case 'ModifyDBInstance': {
      // SAR: db (required); og, pg, subgrp when the request changes them.
      const out: Authorization[] = [{ action, resource: arn('db', str(p.DBInstanceIdentifier) ?? ''), context: {} }];
      if (str(p.OptionGroupName)) out.push({ action, resource: arn('og', str(p.OptionGroupName)!), context: {} });
      if (str(p.DBParameterGroupName)) out.push({ action, resource: arn('pg', str(p.DBParameterGroupName)!), context: {} });
      if (str(p.DBSubnetGroupName)) out.push({ action, resource: arn('subgrp', str(p.DBSubnetGroupName)!), context: {} });
      return out;
    }
    case 'RestoreDBInstanceToPointInTime': {
      // SAR: db, og, pg and subgrp are all required: the target (and source) instance and the groups the new
      // instance gets, named in the request or else the source's (facts). Tags in a create request also need
      // rds:AddTagsToResource ("Granting permission to tag Amazon RDS resources during creation",
      // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/security_iam_id-based-policy-examples-create-and-tag.html).
      const ctx = requestTagContext(tags);
      const target = str(p.TargetDBInstanceIdentifier) ?? '';
      const out: Authorization[] = [{ action, resource: arn('db', target), context: ctx, note: 'restore: target db' }];
      if (str(p.SourceDBInstanceIdentifier)) out.push({ action, resource: arn('db', str(p.SourceDBInstanceIdentifier)!), context: ctx, note: 'restore: source db' });
      const groups = { og: str(p.OptionGroupName) ?? f.dbGroups?.optionGroup, pg: str(p.DBParameterGroupName) ?? f.dbGroups?.parameterGroup, subgrp: str(p.DBSubnetGroupName) ?? f.dbGroups?.subnetGroup };
      for (const [type, name] of Object.entries(groups)) {
        if (!name) throw new Unmapped(`RestoreDBInstanceToPointInTime: the ${type} the new instance gets could not be read`);
        out.push({ action, resource: arn(type, name), context: ctx, note: `restore: ${type}` });
      }
      if (Object.keys(tags).length) out.push({ action: 'rds:AddTagsToResource', resource: arn('db', target), context: ctx, note: 'restore: tags on create' });
      return out;
    }
    case 'AddTagsToResource':
      return [{ action, resource: str(p.ResourceName) ?? '', context: requestTagContext(tags) }];
    default:
      return undefined;
  }
}

function ecs(op: string, p: Params, w: Where): Authorization[] | undefined {
  const clusterName = (str(p.cluster) ?? 'default').split('/').pop()!;
  const clusterArn = `arn:${w.partition}:ecs:${w.region}:${w.account}:cluster/${clusterName}`;
  const serviceArn = (s: string) => (s.startsWith('arn:') ? s : `arn:${w.partition}:ecs:${w.region}:${w.account}:service/${clusterName}/${s}`);
  const ctx: Ctx = { 'ecs:cluster': clusterArn };
  switch (op) {
    case 'DescribeServices':
      return ((p.services as string[] | undefined) ?? []).map((s) => ({ action: 'ecs:DescribeServices', resource: serviceArn(s), context: ctx }));
    case 'UpdateService':
      return [{ action: 'ecs:UpdateService', resource: serviceArn(str(p.service) ?? ''), context: { ...ctx, ...(str(p.taskDefinition) ? { 'ecs:task-definition': str(p.taskDefinition)! } : {}) } }];
    default:
      return undefined;
  }
}

/**
 * Lambda's REST API: the operation is in the method and path (API reference, e.g. GetAlias:
 * GET /2015-03-31/functions/{FunctionName}/aliases/{Name}). Alias and version operations are
 * authorized against the function ARN (SAR, AWS Lambda: resource type function).
 */
export function lambdaOperation(method: string, path: string): { operation: string; functionName: string } | undefined {
  const m = /^\/2015-03-31\/functions\/([^/?]+)(\/[^?]*)?/.exec(path);
  if (!m) return undefined;
  const functionName = decodeURIComponent(m[1]);
  const rest = m[2] ?? '';
  if (/^\/aliases\/[^/]+$/.test(rest)) return method === 'GET' ? { operation: 'GetAlias', functionName } : method === 'PUT' ? { operation: 'UpdateAlias', functionName } : undefined;
  if (rest === '/versions' && method === 'GET') return { operation: 'ListVersionsByFunction', functionName };
  return undefined;
}

function lambdaArn(name: string, w: Where): string {
  if (name.startsWith('arn:')) return name.split(':').slice(0, 7).join(':');
  return `arn:${w.partition}:lambda:${w.region}:${w.account}:function:${name.split(':')[0]}`;
}

function ssm(op: string, p: Params, f: RequestFacts, w: Where): Authorization[] | undefined {
  const action = `ssm:${op}`;
  const doc = (name: string) =>
    name.startsWith('arn:') ? name : `arn:${w.partition}:ssm:${w.region}:${name.startsWith('AWS-') ? '' : w.account}:document/${name}`;
  switch (op) {
    case 'GetParameter':
      return [{ action, resource: `arn:${w.partition}:ssm:${w.region}:${w.account}:parameter/${String(p.Name ?? '').replace(/^\//, '')}`, context: {} }];
    case 'GetCalendarState':
      // SAR: document (required): a change calendar is an SSM document.
      return ((p.CalendarNames as string[] | undefined) ?? []).map((n) => ({ action, resource: doc(n), context: {} }));
    case 'StartAutomationExecution': {
      // SAR lists automation-execution and document as required resource types, automation-definition
      // as optional; AWS's own Automation examples grant automation-definition/<name>:$DEFAULT
      // ("Setting up Automation", https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-setup.html).
      // All three are checked: a role that grants what the reference requires and what practice uses
      // works under either reading. The runbook's AutomationAssumeRole is passed by the caller (iam:PassRole,
      // iam:PassedToService = ssm.amazonaws.com).
      const name = str(p.DocumentName) ?? '';
      const version = str(p.DocumentVersion) ?? '$DEFAULT';
      const owner = name.startsWith('AWS-') ? '' : w.account;
      const tags: Record<string, string> = {};
      for (const t of (p.Tags as { Key: string; Value: string }[] | undefined) ?? []) tags[t.Key] = t.Value;
      const ctx = requestTagContext(tags);
      const out: Authorization[] = [
        { action, resource: `arn:${w.partition}:ssm:${w.region}:${owner}:automation-definition/${name}:${version}`, context: ctx, note: 'automation-definition' },
        { action, resource: doc(name), context: ctx, note: 'document' },
        // The execution this request creates (a fresh id, as for EC2's new resources: newEc2Arn).
        { action, resource: `arn:${w.partition}:ssm:${w.region}:${w.account}:automation-execution/00000000-0new-0000-0000-000000000000`, context: ctx, note: 'automation-execution' },
      ];
      const role = ((p.Parameters as Record<string, string[]> | undefined)?.AutomationAssumeRole ?? [])[0];
      if (role) out.push({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'ssm.amazonaws.com' }, note: 'AutomationAssumeRole' });
      return out;
    }
    case 'GetAutomationExecution':
      return [{ action, resource: `arn:${w.partition}:ssm:${w.region}:${w.account}:automation-execution/${String(p.AutomationExecutionId ?? '')}`, context: {} }];
    case 'SendCommand': {
      // SAR: document (required) and the target instances (ec2 instance ARNs, with aws:ResourceTag / ssm:resourceTag).
      if (p.Targets) throw new Unmapped('SendCommand with Targets (tag targets are resolved by SSM; not mapped)');
      const out: Authorization[] = [{ action, resource: doc(str(p.DocumentName) ?? ''), context: {}, note: 'SendCommand: document' }];
      for (const id of (p.InstanceIds as string[] | undefined) ?? []) {
        out.push({ action, resource: ec2Arn(id, w)!, context: { ...resourceTagContext(f.tags?.[id]), ...resourceTagContext(f.tags?.[id], 'ssm') }, note: 'SendCommand: instance' });
      }
      return out;
    }
    case 'ListCommands':
    case 'GetCommandInvocation':
      return [{ action, resource: '*', context: {} }];
    default:
      return undefined;
  }
}

/** SQS queue URL (AWS's or moto's) -> queue ARN. */
function queueArn(url: string, w: Where): string {
  const [, account, name] = /\/(\d{12})\/([^/?]+)/.exec(url) ?? [];
  return `arn:${w.partition}:sqs:${w.region}:${account ?? w.account}:${name ?? url}`;
}

/**
 * SSE with a customer managed key: producers need kms:GenerateDataKey and kms:Decrypt on the key
 * through the service ("Configure KMS permissions for AWS services", SNS:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse,
 * SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
 */
function kmsFor(service: 'sns' | 'sqs', key: string | undefined, w: Where, actions: string[]): Authorization[] {
  if (!key) return [];
  return actions.map((a) => ({ action: a, resource: key, context: { 'kms:ViaService': `${service}.${w.region}.amazonaws.com` }, note: `${service} encryption key` }));
}

function json(service: string, op: string, p: Params, f: RequestFacts, w: Where, stack: StackFacts): Authorization[] | undefined {
  switch (service) {
    case 'dynamodb': {
      if (!['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'].includes(op)) return undefined;
      const table = `arn:${w.partition}:dynamodb:${w.region}:${w.account}:table/${String(p.TableName ?? '')}`;
      // A query on an index is authorized against the index ARN (SAR, DynamoDB: resource type index).
      return [{ action: `dynamodb:${op}`, resource: str(p.IndexName) ? `${table}/index/${str(p.IndexName)}` : table, context: {} }];
    }
    case 'events': {
      if (op !== 'PutEvents') return undefined;
      // One authorization per entry: its bus (default when unnamed), with events:source and events:detail-type.
      return ((p.Entries as { EventBusName?: string; Source?: string; DetailType?: string }[] | undefined) ?? []).map((e) => {
        const bus = e.EventBusName ?? 'default';
        return {
          action: 'events:PutEvents',
          resource: bus.startsWith('arn:') ? bus : `arn:${w.partition}:events:${w.region}:${w.account}:event-bus/${bus}`,
          context: { ...(e.Source ? { 'events:source': e.Source } : {}), ...(e.DetailType ? { 'events:detail-type': e.DetailType } : {}) },
        };
      });
    }
    case 'monitoring': {
      const alarm = (n: string) => `arn:${w.partition}:cloudwatch:${w.region}:${w.account}:alarm:${n}`;
      if (op === 'DescribeAlarms') {
        const names = (p.AlarmNames as string[] | undefined) ?? [];
        if (names.length) return names.map((n) => ({ action: 'cloudwatch:DescribeAlarms', resource: alarm(n), context: {} }));
        return [{ action: 'cloudwatch:DescribeAlarms', resource: alarm(`${str(p.AlarmNamePrefix) ?? ''}*`), context: {} }];
      }
      if (op === 'PutMetricAlarm') {
        // SAR: alarm (required), with aws:RequestTag/aws:TagKeys for the tags it sets. Tags in the request also
        // need cloudwatch:TagResource (PutMetricAlarm API reference, Tags:
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
        // EC2 alarm actions (arn:aws:automate:...) also need the service-linked role: not mapped.
        const actions = [...((p.AlarmActions as string[] | undefined) ?? []), ...((p.OKActions as string[] | undefined) ?? []), ...((p.InsufficientDataActions as string[] | undefined) ?? [])];
        if (actions.some((x) => x.includes(':automate:'))) throw new Unmapped('PutMetricAlarm with an EC2 alarm action (iam:CreateServiceLinkedRole not mapped)');
        const tags: Record<string, string> = {};
        for (const t of (p.Tags as { Key: string; Value: string }[] | undefined) ?? []) tags[t.Key] = t.Value;
        const resource = alarm(String(p.AlarmName ?? ''));
        const ctx = requestTagContext(tags);
        return [
          { action: 'cloudwatch:PutMetricAlarm', resource, context: ctx },
          ...(Object.keys(tags).length ? [{ action: 'cloudwatch:TagResource', resource, context: ctx, note: 'PutMetricAlarm: tags on the alarm' }] : []),
        ];
      }
      if (op === 'ListTagsForResource') return [{ action: 'cloudwatch:ListTagsForResource', resource: String(p.ResourceARN ?? ''), context: {} }];
      // SAR: alarm-mute-rule (required); a list reads across the account's rules.
      if (op === 'ListAlarmMuteRules') return [{ action: 'cloudwatch:ListAlarmMuteRules', resource: `arn:${w.partition}:cloudwatch:${w.region}:${w.account}:alarm-mute-rule:*`, context: {} }];
      return undefined;
    }
    case 'health':
      return op === 'DescribeEvents' ? [{ action: 'health:DescribeEvents', resource: '*', context: {} }] : undefined;
    case 'ssm':
      return ssm(op, p, f, w);
    case 'ecs':
      return ecs(op, p, w);
    case 'sqs': {
      if (!['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes', 'ChangeMessageVisibility'].includes(op)) return undefined;
      const arn = queueArn(String(p.QueueUrl ?? ''), w);
      const kms = op === 'SendMessage' ? kmsFor('sqs', stack.queueKeys[arn], w, ['kms:GenerateDataKey', 'kms:Decrypt']) : op === 'ReceiveMessage' ? kmsFor('sqs', stack.queueKeys[arn], w, ['kms:Decrypt']) : [];
      return [{ action: `sqs:${op}`, resource: arn, context: {} }, ...kms];
    }
    default:
      return undefined;
  }
}

class Unmapped extends Error {}

/** The authorizations AWS makes for one recorded request; `ok: false` when this map does not know the operation. */
export function authorizationsFor(req: SignedRequest, w: Where, stack: StackFacts): Mapped {
  const f = (req.facts ?? {}) as RequestFacts;
  const p = req.params;
  let operation = req.operation;
  try {
    let out: Authorization[] | undefined;
    if (req.service === 'lambda') {
      const rest = lambdaOperation(req.method, req.path);
      operation = rest?.operation ?? `${req.method} ${req.path.split('?')[0]}`;
      if (rest) out = [{ action: `lambda:${rest.operation}`, resource: lambdaArn(rest.functionName, w), context: {} }];
    } else if (req.protocol === 'query') {
      if (req.service === 'ec2') out = ec2(operation, p, f, w);
      else if (req.service === 'autoscaling') out = autoscaling(operation, p, f);
      else if (req.service === 'rds') out = rds(operation, p, f, w);
      else if (req.service === 'sns' && operation === 'Publish') {
        const topic = str(p.TopicArn) ?? str(p.TargetArn) ?? '';
        out = [{ action: 'sns:Publish', resource: topic, context: {} }, ...kmsFor('sns', stack.topicKeys[topic], w, ['kms:GenerateDataKey', 'kms:Decrypt'])];
      }
    } else if (req.protocol === 'json') {
      out = json(req.service, operation, p, f, w, stack);
    }
    if (!out) return { ok: false, operation: `${req.service}:${operation || `${req.method} ${req.path}`}`, reason: 'no mapping for this operation' };
    if (out.length === 0) return { ok: false, operation: `${req.service}:${operation}`, reason: 'the request names no resource to authorize' };
    if (f.error) return { ok: false, operation: `${req.service}:${operation}`, reason: `facts could not be read: ${f.error}` };
    return { ok: true, operation: `${req.service}:${operation}`, authorizations: out };
  } catch (e) {
    if (e instanceof Unmapped) return { ok: false, operation: `${req.service}:${operation}`, reason: e.message };
    throw e;
  }
}
