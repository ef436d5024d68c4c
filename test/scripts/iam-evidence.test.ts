import { authorizationsFor, newEc2Arn } from '../../scripts/iam/authorizations';
import { accessKeyIdOf } from '../../scripts/iam/callers';
import { evaluateRequests, evidencePassed } from '../../scripts/iam/evaluate';
import type { PolicyStatement, RolePolicies } from '../../scripts/iam/roles';
import type { SignedRequest } from '../../scripts/sandbox/aws-gaps';

/**
 * The IAM check itself (scripts/iam), against hand-built policies whose
 * expected allow/deny comes from AWS's documented semantics, so the check is
 * shown to fail where AWS would deny: RunInstances is authorized against every
 * resource it touches (a role without the volume is denied), tags in a create
 * request need ec2:CreateTags with ec2:CreateAction, aws:ResourceTag is the
 * resource's tag at request time, an instance profile's role must be passable
 * to EC2, and a request nobody mapped fails instead of passing.
 */
const W = { account: '123456789012', region: 'us-east-1', partition: 'aws' };
const ARN = `arn:aws:ec2:us-east-1:123456789012`;
const NO_KEYS = { topicKeys: {}, queueKeys: {} };

function role(name: string, statements: PolicyStatement[]): RolePolicies {
  return { name, roleName: `role-${name}`, roleArn: `arn:aws:iam::123456789012:role/role-${name}`, policies: [{ name: 'p', document: { Version: '2012-10-17', Statement: statements } }] };
}

function ec2Request(fn: string, operation: string, params: Record<string, string>, facts: unknown = {}): SignedRequest {
  return { at: new Date(), caller: accessKeyIdOf(fn), service: 'ec2', operation, protocol: 'query', method: 'POST', path: '/', params: { Action: operation, ...params }, status: 200, by: 'moto', facts };
}

const LAUNCH = {
  ImageId: 'ami-12345678',
  SubnetId: 'subnet-1',
  'SecurityGroupId.1': 'sg-1',
  'TagSpecification.1.ResourceType': 'instance',
  'TagSpecification.1.Tag.1.Key': 'team',
  'TagSpecification.1.Tag.1.Value': 'web',
};
const LAUNCH_RESOURCES = [`${ARN}:instance/*`, `${ARN}:network-interface/*`, `${ARN}:subnet/*`, `${ARN}:security-group/*`, 'arn:aws:ec2:us-east-1::image/*'];
const TAG_ON_LAUNCH: PolicyStatement = { Sid: 'TagOnLaunch', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: `${ARN}:instance/*`, Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } } };

describe('IAM evidence: request -> authorizations -> iam-simulate', () => {
  it('maps RunInstances to every resource AWS authorizes it against, plus the tag-on-create CreateTags', () => {
    // Prepare
    const req = ec2Request('launcher', 'RunInstances', LAUNCH);

    // Act
    const mapped = authorizationsFor(req, W, NO_KEYS);

    // Assess
    expect(mapped.ok).toBe(true);
    const auths = mapped.ok ? mapped.authorizations : [];
    expect(auths.filter((a) => a.action === 'ec2:RunInstances').map((a) => a.resource)).toEqual([
      newEc2Arn('instance', W),
      newEc2Arn('volume', W),
      newEc2Arn('network-interface', W),
      `${ARN}:subnet/subnet-1`,
      `${ARN}:security-group/sg-1`,
      'arn:aws:ec2:us-east-1::image/ami-12345678',
    ]);
    expect(auths.find((a) => a.action === 'ec2:CreateTags')).toEqual(
      expect.objectContaining({ resource: newEc2Arn('instance', W), context: expect.objectContaining({ 'ec2:CreateAction': 'RunInstances', 'aws:RequestTag/team': 'web' }) }),
    );
  });

  it('denies RunInstances when the role leaves out the volume (resource), and allows it with the volume', async () => {
    // Prepare
    const without = role('launcher', [{ Sid: 'Launch', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: LAUNCH_RESOURCES }, TAG_ON_LAUNCH]);
    const withVolume = role('launcher', [{ Sid: 'Launch', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: [...LAUNCH_RESOURCES, `${ARN}:volume/*`] }, TAG_ON_LAUNCH]);
    const req = ec2Request('launcher', 'RunInstances', LAUNCH);

    // Act
    const denied = await evaluateRequests([req], new Map([['launcher', without]]), W, NO_KEYS);
    const allowed = await evaluateRequests([req], new Map([['launcher', withVolume]]), W, NO_KEYS);

    // Assess
    expect(denied.denied).toBe(1);
    expect(denied.functions[0].denied[0]).toEqual(expect.objectContaining({ action: 'ec2:RunInstances', resource: newEc2Arn('volume', W), why: 'resource' }));
    expect(evidencePassed(denied)).toBe(false);
    expect({ denied: allowed.denied, unmapped: allowed.unmapped, passed: evidencePassed(allowed) }).toEqual({ denied: 0, unmapped: 0, passed: true });
  });

  it('does not let a grant on one existing instance allow launching a new one', async () => {
    // Prepare
    const one = role('launcher', [
      { Sid: 'Launch', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: [...LAUNCH_RESOURCES.filter((r) => !r.includes(':instance/')), `${ARN}:volume/*`, `${ARN}:instance/i-0abc`] },
      TAG_ON_LAUNCH,
    ]);

    // Act
    const e = await evaluateRequests([ec2Request('launcher', 'RunInstances', LAUNCH)], new Map([['launcher', one]]), W, NO_KEYS);

    // Assess
    expect(e.functions[0].denied).toEqual([expect.objectContaining({ action: 'ec2:RunInstances', resource: newEc2Arn('instance', W), why: 'resource' })]);
  });

  it('denies a list across all alarms to a role granted a name prefix, and allows the named alarms', async () => {
    // Prepare
    const r = role('reader', [{ Sid: 'ReadAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:recovery-dev-*' }]);
    const request = (params: Record<string, unknown>): SignedRequest => ({ at: new Date(), caller: accessKeyIdOf('reader'), service: 'monitoring', operation: 'DescribeAlarms', protocol: 'json', method: 'POST', path: '/', params, status: 200, by: 'moto' });

    // Act
    const e = await evaluateRequests([request({}), request({ AlarmNames: ['recovery-dev-x'] })], new Map([['reader', r]]), W, NO_KEYS);

    // Assess
    expect(e.functions[0].denied).toEqual([expect.objectContaining({ resource: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:*', why: 'resource' })]);
    expect(e.authorizations).toBe(2);
  });

  it('denies tags in a create request without ec2:CreateTags (no statement)', async () => {
    // Prepare
    const noTagging = role('launcher', [{ Sid: 'Launch', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: [...LAUNCH_RESOURCES, `${ARN}:volume/*`] }]);

    // Act
    const e = await evaluateRequests([ec2Request('launcher', 'RunInstances', LAUNCH)], new Map([['launcher', noTagging]]), W, NO_KEYS);

    // Assess
    expect(e.functions[0].denied).toEqual([expect.objectContaining({ action: 'ec2:CreateTags', why: 'no statement' })]);
  });

  it('evaluates ec2:CreateAction: the tag-on-launch grant does not allow tagging an existing instance (condition)', async () => {
    // Prepare
    const r = role('tagger', [TAG_ON_LAUNCH]);
    const req = ec2Request('tagger', 'CreateTags', { 'ResourceId.1': 'i-1', 'Tag.1.Key': 'team', 'Tag.1.Value': 'db' }, { tags: { 'i-1': {} } });

    // Act
    const e = await evaluateRequests([req], new Map([['tagger', r]]), W, NO_KEYS);

    // Assess
    expect(e.functions[0].denied).toEqual([expect.objectContaining({ action: 'ec2:CreateTags', resource: `${ARN}:instance/i-1`, why: 'condition' })]);
  });

  it('evaluates aws:ResourceTag against the tags the resource had when the request was made', async () => {
    // Prepare
    const r = role('stopper', [{ Sid: 'StopWeb', Effect: 'Allow', Action: 'ec2:StopInstances', Resource: `${ARN}:instance/*`, Condition: { StringEquals: { 'aws:ResourceTag/team': 'web' } } }]);
    const web = ec2Request('stopper', 'StopInstances', { 'InstanceId.1': 'i-web' }, { tags: { 'i-web': { team: 'web' } } });
    const db = ec2Request('stopper', 'StopInstances', { 'InstanceId.1': 'i-db' }, { tags: { 'i-db': { team: 'db' } } });

    // Act
    const e = await evaluateRequests([web, db], new Map([['stopper', r]]), W, NO_KEYS);

    // Assess
    expect(e.authorizations).toBe(2);
    expect(e.functions[0].denied).toEqual([expect.objectContaining({ resource: `${ARN}:instance/i-db`, why: 'condition' })]);
  });

  it('requires iam:PassRole to EC2 for the role of an instance profile', async () => {
    // Prepare
    const launch = { Sid: 'Launch', Effect: 'Allow' as const, Action: 'ec2:RunInstances', Resource: [...LAUNCH_RESOURCES, `${ARN}:volume/*`] };
    const passToSsm = role('launcher', [launch, TAG_ON_LAUNCH, { Sid: 'Pass', Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } } }]);
    const req = ec2Request('launcher', 'RunInstances', { ...LAUNCH, 'IamInstanceProfile.Name': 'web' }, { launch: { instanceProfileRoleArn: 'arn:aws:iam::123456789012:role/web' } });

    // Act
    const e = await evaluateRequests([req], new Map([['launcher', passToSsm]]), W, NO_KEYS);

    // Assess
    expect(e.functions[0].denied).toEqual([expect.objectContaining({ action: 'iam:PassRole', resource: 'arn:aws:iam::123456789012:role/web', why: 'condition' })]);
  });

  it('fails an operation it has no mapping for, and a request from a key that names no function', async () => {
    // Prepare
    const r = role('any', [{ Sid: 'All', Effect: 'Allow', Action: 'ec2:DeleteSnapshot', Resource: '*' }]);
    const unmapped = ec2Request('any', 'DeleteSnapshot', { SnapshotId: 'snap-1' });
    const stranger = { ...ec2Request('any', 'DescribeInstances', {}), caller: 'testing' };

    // Act
    const e = await evaluateRequests([unmapped, stranger], new Map([['any', r]]), W, NO_KEYS);

    // Assess
    expect(e.unmapped).toBe(1);
    expect(e.functions[0].unmapped[0]).toEqual(expect.objectContaining({ operation: 'ec2:DeleteSnapshot', reason: 'no mapping for this operation' }));
    expect(e.unattributed).toEqual([{ caller: 'testing', operation: 'ec2:DescribeInstances', count: 1 }]);
    expect(evidencePassed(e)).toBe(false);
  });

  it.each([
    ['ecs', 'UpdateService', { cluster: 'shop', service: 'cart', forceNewDeployment: true }, 'ecs:UpdateService', 'arn:aws:ecs:us-east-1:123456789012:service/shop/cart'],
    ['ecs', 'DescribeServices', { cluster: 'shop', services: ['cart'] }, 'ecs:DescribeServices', 'arn:aws:ecs:us-east-1:123456789012:service/shop/cart'],
    ['ssm', 'GetCalendarState', { CalendarNames: ['freeze'] }, 'ssm:GetCalendarState', 'arn:aws:ssm:us-east-1:123456789012:document/freeze'],
    ['ssm', 'SendCommand', { DocumentName: 'AWS-RunAnsiblePlaybook', InstanceIds: ['i-1'] }, 'ssm:SendCommand', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1'],
    ['ssm', 'GetAutomationExecution', { AutomationExecutionId: 'e-1' }, 'ssm:GetAutomationExecution', 'arn:aws:ssm:us-east-1:123456789012:automation-execution/e-1'],
    ['dynamodb', 'Query', { TableName: 'ledger', IndexName: 'byFault' }, 'dynamodb:Query', 'arn:aws:dynamodb:us-east-1:123456789012:table/ledger/index/byFault'],
    ['monitoring', 'PutMetricAlarm', { AlarmName: 'recovery-dev-x', Tags: [{ Key: 'recovery:carried-from', Value: 'i-1' }] }, 'cloudwatch:TagResource', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:recovery-dev-x'],
    ['monitoring', 'ListTagsForResource', { ResourceARN: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:recovery-dev-x' }, 'cloudwatch:ListTagsForResource', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:recovery-dev-x'],
    ['events', 'PutEvents', { Entries: [{ EventBusName: 'recovery', Source: 'recovery-stack', DetailType: 'x' }] }, 'events:PutEvents', 'arn:aws:events:us-east-1:123456789012:event-bus/recovery'],
  ])('maps %s:%s to ARNs of the resource types AWS authorizes it against (an exact grant allows it)', async (service, operation, params, action, resource) => {
    // Prepare
    const req: SignedRequest = { at: new Date(), caller: accessKeyIdOf('fn'), service, operation, protocol: 'json', method: 'POST', path: '/', params, status: 200, by: 'moto', facts: { tags: { 'i-1': {} } } };
    const mapped = authorizationsFor(req, W, NO_KEYS);
    const auths = mapped.ok ? mapped.authorizations : [];
    const exact = role('fn', auths.map((a, i) => ({ Sid: `S${i}`, Effect: 'Allow' as const, Action: a.action, Resource: a.resource })));

    // Act
    const e = await evaluateRequests([req], new Map([['fn', exact]]), W, NO_KEYS);

    // Assess
    expect(auths).toContainEqual(expect.objectContaining({ action, resource }));
    expect({ denied: e.denied, unmapped: e.functions[0].unmapped }).toEqual({ denied: 0, unmapped: [] });
  });

  it('authorizes moving a network interface against both the instance and the interface', async () => {
    // Prepare
    const r = role('mover', [
      { Sid: 'OnStageInstances', Effect: 'Allow', Action: ['ec2:DetachNetworkInterface', 'ec2:AttachNetworkInterface'], Resource: `${ARN}:instance/*`, Condition: { StringEquals: { 'aws:ResourceTag/recovery:stage': 'dev' } } },
      { Sid: 'Interfaces', Effect: 'Allow', Action: ['ec2:DetachNetworkInterface', 'ec2:AttachNetworkInterface'], Resource: `${ARN}:network-interface/*` },
    ]);
    const detach = ec2Request('mover', 'DetachNetworkInterface', { AttachmentId: 'eni-attach-1' }, { attachment: { networkInterfaceId: 'eni-1', instanceId: 'i-old' }, tags: { 'i-old': { 'recovery:stage': 'dev' }, 'eni-1': {} } });
    const attach = ec2Request('mover', 'AttachNetworkInterface', { NetworkInterfaceId: 'eni-1', InstanceId: 'i-other', DeviceIndex: '1' }, { tags: { 'i-other': {}, 'eni-1': {} } });

    // Act
    const e = await evaluateRequests([detach, attach], new Map([['mover', r]]), W, NO_KEYS);

    // Assess
    expect(e.authorizations).toBe(4);
    expect(e.functions[0].denied).toEqual([expect.objectContaining({ action: 'ec2:AttachNetworkInterface', resource: `${ARN}:instance/i-other`, why: 'condition' })]);
  });

  it('maps Lambda REST requests by method and path, against the function ARN', () => {
    // Prepare
    const req: SignedRequest = { at: new Date(), caller: accessKeyIdOf('fn'), service: 'lambda', operation: '', protocol: 'other', method: 'PUT', path: '/2015-03-31/functions/checkout/aliases/live', params: {}, status: 200, by: 'moto' };

    // Act
    const mapped = authorizationsFor(req, W, NO_KEYS);

    // Assess
    expect(mapped).toEqual({ ok: true, operation: 'lambda:UpdateAlias', authorizations: [{ action: 'lambda:UpdateAlias', resource: 'arn:aws:lambda:us-east-1:123456789012:function:checkout', context: {} }] });
  });

  it('evaluates KMS with the key policy: a role grant on a key whose policy does not delegate to IAM is denied', async () => {
    // Prepare
    const key = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const topic = 'arn:aws:sns:us-east-1:123456789012:pages';
    const r = role('fn', [
      { Sid: 'Publish', Effect: 'Allow', Action: 'sns:Publish', Resource: topic },
      { Sid: 'Key', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: key },
    ]);
    const req: SignedRequest = { at: new Date(), caller: accessKeyIdOf('fn'), service: 'sns', operation: 'Publish', protocol: 'query', method: 'POST', path: '/', params: { Action: 'Publish', TopicArn: topic, Message: 'm' }, status: 200, by: 'moto' };
    const serviceOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'kms:*', Resource: '*' }] };

    // Act
    const delegating = await evaluateRequests([req], new Map([['fn', r]]), W, { topicKeys: { [topic]: key }, queueKeys: {} });
    const closed = await evaluateRequests([req], new Map([['fn', r]]), W, { topicKeys: { [topic]: key }, queueKeys: {}, keyPolicies: { [key]: serviceOnly } });

    // Assess
    expect({ authorizations: delegating.authorizations, denied: delegating.denied }).toEqual({ authorizations: 3, denied: 0 });
    expect(closed.functions[0].denied.map((d) => [d.action, d.why])).toEqual([
      ['kms:GenerateDataKey', 'resource policy'],
      ['kms:Decrypt', 'resource policy'],
    ]);
  });

  it('requires kms:CreateGrant through EC2 to attach a volume under a customer managed key', async () => {
    // Prepare
    const key = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const attach: PolicyStatement = { Sid: 'Attach', Effect: 'Allow', Action: 'ec2:AttachVolume', Resource: [`${ARN}:instance/*`, `${ARN}:volume/*`] };
    const grant: PolicyStatement = {
      Sid: 'EbsKeyGrantsForEc2',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    };
    const req = ec2Request('fn', 'AttachVolume', { InstanceId: 'i-1', VolumeId: 'vol-1', Device: '/dev/sdf' }, { tags: { 'i-1': {}, 'vol-1': {} }, ebsKeys: [key] });

    // Act
    const without = await evaluateRequests([req], new Map([['fn', role('fn', [attach])]]), W, NO_KEYS);
    const withGrant = await evaluateRequests([req], new Map([['fn', role('fn', [attach, grant])]]), W, NO_KEYS);

    // Assess
    expect(without.functions[0].denied).toEqual([expect.objectContaining({ action: 'kms:CreateGrant', resource: key, why: 'no statement' })]);
    expect({ authorizations: withGrant.authorizations, denied: withGrant.denied }).toEqual({ authorizations: 3, denied: 0 });
  });

  it('counts grants (statement x action) the requests never used', async () => {
    // Prepare
    const r = role('reader', [{ Sid: 'Read', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeVolumes'], Resource: '*' }]);

    // Act
    const e = await evaluateRequests([ec2Request('reader', 'DescribeInstances', {})], new Map([['reader', r]]), W, NO_KEYS);

    // Assess
    expect(e.unusedGrants).toBe(1);
    expect(e.functions[0].grants.map((g) => [g.sid, g.action, g.used])).toEqual([
      ['Read', 'ec2:DescribeInstances', 1],
      ['Read', 'ec2:DescribeVolumes', 0],
    ]);
  });
});
