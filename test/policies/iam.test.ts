import { iamNoWildcardActions, iamScopedDestructiveActions, iamScopedKeyUse } from '../../policies/iam';
import { check, resource, T, violators, type Fixture } from './fixtures';

const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[], extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });

const cases: Array<{ policy: typeof iamNoWildcardActions; fixtures: Fixture[] }> = [
  {
    policy: iamNoWildcardActions,
    fixtures: [
      {
        title: 'passes: explicit actions (JSON string document)',
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc(allow(['ec2:DescribeInstances', 'ec2:Describe*'], '*'))) })],
        violators: [],
      },
      {
        title: 'passes: Deny * is a guard, not a grant (object document on a role policy)',
        resources: [resource(T.rolePolicy, 'rp', { role: 'r', policy: doc(allow('sqs:SendMessage', 'arn:aws:sqs:us-east-1:1:q'), { Effect: 'Deny', Action: '*', Resource: '*' }) })],
        violators: [],
      },
      {
        title: "fails: 'ec2:*' in a JSON string document",
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc(allow('ec2:*', '*'))) })],
        violators: ['p'],
        says: "'ec2:*'",
      },
      {
        title: "fails: '*' in a role's inline policy (object document)",
        resources: [resource(T.role, 'r', { assumeRolePolicy: '{}', inlinePolicies: [{ name: 'all', policy: doc(allow('*', 'arn:aws:s3:::b')) }] })],
        violators: ['r'],
        says: 'inlinePolicies[all]',
      },
      {
        title: 'fails: Allow with NotAction',
        resources: [resource(T.rolePolicy, 'rp', { role: 'r', policy: doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }) })],
        violators: ['rp'],
        says: 'NotAction',
      },
      {
        title: 'fails: document that is not JSON',
        resources: [resource(T.iamPolicy, 'p', { policy: '{not json' })],
        violators: ['p'],
        says: 'not valid JSON',
      },
    ],
  },
  {
    policy: iamScopedDestructiveActions,
    fixtures: [
      {
        title: 'passes: TerminateInstances on instance ARNs',
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc(allow('ec2:TerminateInstances', 'arn:aws:ec2:us-east-1:1:instance/i-0abc'))) })],
        violators: [],
      },
      {
        title: 'passes: StopInstances on * with an aws:ResourceTag condition',
        resources: [
          resource(T.rolePolicy, 'rp', {
            role: 'r',
            policy: doc(allow(['ec2:StopInstances', 'ec2:StartInstances'], '*', { Condition: { StringEquals: { 'aws:ResourceTag/recovery': 'on' } } })),
          }),
        ],
        violators: [],
      },
      {
        title: 'passes: read-only actions on *',
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc(allow(['ec2:DescribeVolumes', 'rds:DescribeDBInstances'], '*'))) })],
        violators: [],
      },
      {
        title: 'fails: DeleteDBInstance on *',
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc(allow('rds:DeleteDBInstance', '*'))) })],
        violators: ['p'],
        says: 'aws:ResourceTag/recovery',
      },
      {
        title: 'fails: a wildcard action that covers TerminateInstanceInAutoScalingGroup on an all-resources ARN',
        resources: [resource(T.rolePolicy, 'rp', { role: 'r', policy: doc(allow('autoscaling:Terminate*', 'arn:aws:autoscaling:*:*:*')) })],
        violators: ['rp'],
        says: 'autoscaling:TerminateInstanceInAutoScalingGroup',
      },
      {
        title: 'fails: DetachVolume with NotResource, case-insensitive action',
        resources: [resource(T.role, 'r', { inlinePolicies: [{ name: 'swap', policy: JSON.stringify(doc({ Effect: 'Allow', Action: 'EC2:detachvolume', NotResource: 'arn:aws:ec2:*:*:volume/vol-keep' })) }] })],
        violators: ['r'],
      },
      {
        title: 'fails: a condition that is not a tag condition does not scope',
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc(allow('ec2:TerminateInstances', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } }))) })],
        violators: ['p'],
      },
    ],
  },
  {
    policy: iamScopedKeyUse,
    fixtures: [
      {
        title: 'passes: EBS key use on key ARNs through EC2 (what ebsKmsKeys renders)',
        resources: [
          resource(T.rolePolicy, 'rp', {
            role: 'r',
            policy: doc(
              allow(['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:DescribeKey'], ['arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab'], {
                Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
              }),
              allow('kms:CreateGrant', 'arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab', { Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
            ),
          }),
        ],
        violators: [],
      },
      {
        title: 'passes: DescribeKey and ListAliases on * (no key use)',
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc(allow(['kms:DescribeKey', 'kms:ListAliases'], '*'))) })],
        violators: [],
      },
      {
        title: 'fails: Decrypt on * even through EC2 only',
        resources: [resource(T.rolePolicy, 'rp', { role: 'r', policy: doc(allow('kms:Decrypt', '*', { Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } })) })],
        violators: ['rp'],
        says: 'list the key ARNs',
      },
      {
        title: "fails: a wildcard action covering CreateGrant on every key of an account (key/*)",
        resources: [resource(T.role, 'r', { assumeRolePolicy: '{}', inlinePolicies: [{ name: 'ebs', policy: doc(allow('kms:Create*', 'arn:aws:kms:us-east-1:1:key/*')) }] })],
        violators: ['r'],
        says: 'kms:CreateGrant',
      },
      {
        title: 'fails: GenerateDataKey* with NotResource',
        resources: [resource(T.iamPolicy, 'p', { policy: JSON.stringify(doc({ Effect: 'Allow', Action: 'kms:GenerateDataKey*', NotResource: 'arn:aws:kms:us-east-1:1:key/keep' })) })],
        violators: ['p'],
      },
    ],
  },
];

describe.each(cases)('$policy.name', ({ policy, fixtures }) => {
  it.each(fixtures)('$title', async ({ resources, violators: expected, says, config }) => {
    // Prepare: fixture resources in the analyzer's shape
    // Act
    const result = await check(policy, resources, config);
    // Assess
    expect(result.errors).toEqual([]);
    expect(violators(result)).toEqual(expected);
    if (says) expect(result.findings[0].message).toContain(says);
  });
});
