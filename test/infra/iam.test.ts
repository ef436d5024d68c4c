import { replaceInstance } from '../../functions/actions/replace-instance';
import type { PermissionStatement } from '../../functions/contracts/permissions';
import { renderStatements } from '../../infra/iam/policy-document';
import type { ProtectedScope } from '../../infra/iam/protected-scope';

const values = { partition: 'aws', region: 'us-east-1', account: '123456789012', stage: 'prod', ledgerTableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t' };
const scope: ProtectedScope = { instanceIds: ['i-0123456789abcdef0'], instanceTagSelectors: [{ recovery: 'on' }], asgNames: ['web'], asgTagSelectors: [], dbIdentifiers: [], lambdaFunctions: [], ecsServices: [] };

describe('IAM rendering from declared permissions', () => {
  it('substitutes placeholders and drops statements whose placeholder is unset', () => {
    // Prepare
    const perms: PermissionStatement[] = [
      { sid: 'Ledger', actions: ['dynamodb:GetItem'], resources: ['{ledgerTableArn}'] },
      { sid: 'Calendar', actions: ['ssm:GetCalendarState'], resources: ['{changeCalendarArn}'] },
      { sid: 'Tagged', actions: ['ec2:CreateTags'], resources: ['*'], condition: { StringEquals: { 'aws:ResourceTag/stage': '{stage}' } } },
    ];
    // Act
    const out = renderStatements('t', perms, values, scope);
    // Assess
    expect(out.map((s) => s.Sid)).toEqual(['Ledger', 'Tagged']);
    expect(out[0].Resource).toEqual([values.ledgerTableArn]);
    expect(out[1].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/stage': 'prod' } });
  });

  it('expands a list placeholder to one resource per value, and drops the statement when the list is empty', () => {
    // Prepare
    const keys = ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'];
    const perms: PermissionStatement[] = [
      { sid: 'Keys', actions: ['kms:Decrypt'], resources: ['{ebsKmsKeyArns}'], condition: { StringEquals: { 'kms:ViaService': 'ec2.{region}.amazonaws.com' } } },
    ];
    // Act
    const some = renderStatements('t', perms, { ...values, ebsKmsKeyArns: keys }, scope);
    const none = renderStatements('t', perms, { ...values, ebsKmsKeyArns: [] }, scope);
    // Assess
    expect(some).toEqual([{ Sid: 'Keys', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: keys, Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } }]);
    expect(none).toEqual([]);
    // A list where one string goes is a declaration bug, not a silent drop.
    expect(() => renderStatements('t', [{ ...perms[0], condition: { StringEquals: { 'kms:ViaService': '{ebsKmsKeyArns}' } } }], { ...values, ebsKmsKeyArns: keys }, scope)).toThrow(/is a list/);
  });

  it('narrows protected statements to explicit ARNs, tag conditions and group members', () => {
    // Prepare
    const perms: PermissionStatement[] = [
      { sid: 'Stop', actions: ['ec2:StopInstances'], resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'], scope: 'protected' },
      { sid: 'Term', actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'], resources: ['arn:{partition}:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/*'], scope: 'protected' },
    ];
    // Act
    const out = renderStatements('t', perms, values, scope);
    // Assess
    expect(out).toEqual([
      { Sid: 'StopInstancesById', Effect: 'Allow', Action: ['ec2:StopInstances'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0'] },
      { Sid: 'StopInstancesByLineage', Effect: 'Allow', Action: ['ec2:StopInstances'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery:lineage': ['i-0123456789abcdef0'] } } },
      { Sid: 'StopInstancesByTag0', Effect: 'Allow', Action: ['ec2:StopInstances'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery': 'on' } } },
      { Sid: 'StopGroupMembers0', Effect: 'Allow', Action: ['ec2:StopInstances'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': 'web' } } },
      { Sid: 'TermGroupsById', Effect: 'Allow', Action: ['autoscaling:TerminateInstanceInAutoScalingGroup'], Resource: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/web'] },
      // Groups whose members the instance tag selector protects (replaced through their group).
      { Sid: 'TermGroupsOfTaggedMembers0', Effect: 'Allow', Action: ['autoscaling:TerminateInstanceInAutoScalingGroup'], Resource: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery': 'on' } } },
    ]);
  });

  it('drops protected statements when nothing of that kind is protected', () => {
    const none: ProtectedScope = { instanceIds: [], instanceTagSelectors: [], asgNames: [], asgTagSelectors: [], dbIdentifiers: [], lambdaFunctions: [], ecsServices: [] };
    const out = renderStatements('t', [{ sid: 'Stop', actions: ['ec2:StopInstances'], resources: ['arn:aws:ec2:r:a:instance/*'], scope: 'protected' }], values, none);
    expect(out).toEqual([]);
  });

  it("replace-instance may keep a member's volumes: DeleteOnTermination only on protected instances, volume tags only this stage's recovery:*", () => {
    // Act
    const out = renderStatements('replace-instance', replaceInstance.permissions, values, scope);
    // Assess: ModifyInstanceAttribute narrowed like the other instance statements (id, tag selector, group members)
    const modify = out.filter((s) => s.Action.includes('ec2:ModifyInstanceAttribute'));
    expect(modify).toEqual([
      { Sid: 'KeepVolumesOfProtectedInstanceInstancesById', Effect: 'Allow', Action: ['ec2:ModifyInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0'] },
      { Sid: 'KeepVolumesOfProtectedInstanceInstancesByLineage', Effect: 'Allow', Action: ['ec2:ModifyInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery:lineage': ['i-0123456789abcdef0'] } } },
      { Sid: 'KeepVolumesOfProtectedInstanceInstancesByTag0', Effect: 'Allow', Action: ['ec2:ModifyInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery': 'on' } } },
      { Sid: 'KeepVolumesOfProtectedInstanceGroupMembers0', Effect: 'Allow', Action: ['ec2:ModifyInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': 'web' } } },
    ]);
    // CreateTags on volumes: with this stage's recovery tags only, or at launch (RunInstances)
    const volumeTags = out.filter((s) => s.Action.includes('ec2:CreateTags') && s.Resource.some((r) => r.includes(':volume/')));
    expect(volumeTags.map((s) => s.Condition)).toEqual([
      { StringEquals: { 'aws:RequestTag/recovery:stage': 'prod' }, 'ForAllValues:StringLike': { 'aws:TagKeys': ['recovery:*'] } },
      { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    ]);
    expect(volumeTags[0]).toMatchObject({ Sid: 'TagRetainedVolumes', Action: ['ec2:CreateTags'], Resource: ['arn:aws:ec2:us-east-1:123456789012:volume/*'] });
  });

  it("replace-instance may read user data (a standalone replacement's) of protected instances only, and pass roles to EC2 only", () => {
    // Act
    const out = renderStatements('replace-instance', replaceInstance.permissions, values, scope);
    // Assess: DescribeInstanceAttribute narrowed like the other instance statements; CPU credits are read unscoped
    // (no resource-level permissions); the instance profile's role is passed to EC2 and nothing else
    expect(out.filter((s) => s.Action.includes('ec2:DescribeInstanceAttribute'))).toEqual([
      { Sid: 'ReadUserDataOfProtectedInstanceInstancesById', Effect: 'Allow', Action: ['ec2:DescribeInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0'] },
      { Sid: 'ReadUserDataOfProtectedInstanceInstancesByLineage', Effect: 'Allow', Action: ['ec2:DescribeInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery:lineage': ['i-0123456789abcdef0'] } } },
      { Sid: 'ReadUserDataOfProtectedInstanceInstancesByTag0', Effect: 'Allow', Action: ['ec2:DescribeInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery': 'on' } } },
      { Sid: 'ReadUserDataOfProtectedInstanceGroupMembers0', Effect: 'Allow', Action: ['ec2:DescribeInstanceAttribute'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': 'web' } } },
    ]);
    expect(out.find((s) => s.Action.includes('ec2:DescribeInstanceCreditSpecifications'))!.Resource).toEqual(['*']);
    expect(out.filter((s) => s.Action.includes('iam:PassRole'))).toEqual([
      { Sid: 'PassInstanceProfileRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: ['arn:aws:iam::123456789012:role/*'], Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
    ]);
  });

  it('refuses wildcard actions', () => {
    expect(() => renderStatements('t', [{ sid: 'Bad', actions: ['ec2:*'], resources: ['*'] }], values, scope)).toThrow(/wildcard action "ec2:\*"/);
    expect(() => renderStatements('t', [{ sid: 'Bad', actions: ['*'], resources: ['*'] }], values, scope)).toThrow(/wildcard/);
  });
});
