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
      { Sid: 'StopInstancesByTag0', Effect: 'Allow', Action: ['ec2:StopInstances'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/recovery': 'on' } } },
      { Sid: 'StopGroupMembers0', Effect: 'Allow', Action: ['ec2:StopInstances'], Resource: ['arn:aws:ec2:us-east-1:123456789012:instance/*'], Condition: { StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': 'web' } } },
      { Sid: 'TermGroupsById', Effect: 'Allow', Action: ['autoscaling:TerminateInstanceInAutoScalingGroup'], Resource: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/web'] },
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

  it('refuses wildcard actions', () => {
    expect(() => renderStatements('t', [{ sid: 'Bad', actions: ['ec2:*'], resources: ['*'] }], values, scope)).toThrow(/wildcard action "ec2:\*"/);
    expect(() => renderStatements('t', [{ sid: 'Bad', actions: ['*'], resources: ['*'] }], values, scope)).toThrow(/wildcard/);
  });
});
