import { ebsEncrypted, ebsSnapshotCoverage, rdsBackupRetention, rdsDeletionSafety } from '../../policies/restorability';
import { check, resource, T, urnOf, violators, type Fixture } from './fixtures';

const volume = (name: string, inputs: Record<string, unknown> = {}) =>
  resource(T.volume, name, { availabilityZone: 'us-east-1a', size: 20, encrypted: true, ...inputs });
const dlmPolicy = (name: string, details: Record<string, unknown>, state = 'ENABLED') =>
  resource(T.dlm, name, { description: 'daily', executionRoleArn: 'arn:aws:iam::1:role/dlm', state, policyDetails: details });

const cases: Array<{ policy: typeof ebsEncrypted | typeof ebsSnapshotCoverage; fixtures: Fixture[] }> = [
  {
    policy: ebsEncrypted,
    fixtures: [
      { title: 'passes: encrypted volume', resources: [volume('data')], violators: [] },
      { title: 'fails: encrypted not set', resources: [volume('data', { encrypted: undefined })], violators: ['data'], says: 'set `encrypted: true`' },
      { title: 'fails: encrypted false', resources: [volume('data', { encrypted: false })], violators: ['data'] },
    ],
  },
  {
    policy: ebsSnapshotCoverage,
    fixtures: [
      {
        title: 'passes: DLM volume policy targets one of its tags',
        resources: [volume('data', { tags: { snapshot: 'daily' } }), dlmPolicy('daily', { resourceTypes: ['VOLUME'], targetTags: { snapshot: 'daily', other: 'x' } })],
        violators: [],
      },
      {
        title: 'passes: AWS Backup selection by tag',
        resources: [
          volume('data', { tags: { backup: 'gold' } }),
          resource(T.backupSelection, 'gold', { planId: 'p', iamRoleArn: 'r', selectionTags: [{ type: 'STRINGEQUALS', key: 'backup', value: 'gold' }] }),
        ],
        violators: [],
      },
      {
        title: 'passes: AWS Backup selection of every volume by ARN wildcard',
        resources: [volume('data'), resource(T.backupSelection, 'all', { planId: 'p', iamRoleArn: 'r', resources: ['arn:aws:ec2:*:*:volume/*'] })],
        violators: [],
      },
      {
        title: 'passes: attached to an instance an INSTANCE-type DLM policy targets',
        resources: [
          volume('data'),
          resource(T.instance, 'web', { ami: 'ami-1', tags: { snap: 'yes' } }),
          resource(T.attachment, 'data-web', { deviceName: '/dev/sdf' }, {
            propertyDependencies: { volumeId: [urnOf(T.volume, 'data')], instanceId: [urnOf(T.instance, 'web')] },
          }),
          dlmPolicy('instances', { resourceTypes: ['INSTANCE'], targetTags: { snap: 'yes' } }),
        ],
        violators: [],
      },
      {
        title: 'fails: no schedule at all',
        resources: [volume('data')],
        violators: ['data'],
        says: 'DLM lifecycle policy',
      },
      {
        title: 'fails: DLM policy disabled, and a policy for INSTANCE does not cover a loose volume',
        resources: [
          volume('data', { tags: { snapshot: 'daily' } }),
          dlmPolicy('off', { resourceTypes: ['VOLUME'], targetTags: { snapshot: 'daily' } }, 'DISABLED'),
          dlmPolicy('instances', { resourceTypes: ['INSTANCE'], targetTags: { snapshot: 'daily' } }),
        ],
        violators: ['data'],
      },
      {
        title: 'fails: backup selection whose condition excludes the volume',
        resources: [
          volume('data', { tags: { env: 'dev' } }),
          resource(T.backupSelection, 'prod-only', {
            planId: 'p',
            iamRoleArn: 'r',
            resources: ['*'],
            conditions: [{ stringEquals: [{ key: 'aws:ResourceTag/env', value: 'prod' }] }],
          }),
        ],
        violators: ['data'],
      },
    ],
  },
];

const rds = (inputs: Record<string, unknown>) =>
  resource(T.rds, 'db', {
    instanceClass: 'db.t3.micro',
    engine: 'postgres',
    backupRetentionPeriod: 7,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: 'db-final',
    ...inputs,
  });

const rdsCases: Array<{ policy: typeof rdsBackupRetention; fixtures: Fixture[] }> = [
  {
    policy: rdsBackupRetention,
    fixtures: [
      { title: 'passes: 7 days', resources: [rds({})], violators: [] },
      { title: 'passes: Aurora instance (retention lives on the cluster)', resources: [rds({ engine: 'aurora-postgresql', backupRetentionPeriod: undefined })], violators: [] },
      { title: 'fails: 1 day', resources: [rds({ backupRetentionPeriod: 1 })], violators: ['db'], says: 'backupRetentionPeriod: 7' },
      { title: 'fails: not set', resources: [rds({ backupRetentionPeriod: undefined })], violators: ['db'], says: 'not set' },
      {
        title: 'fails: 7 days when config asks for 14',
        resources: [rds({})],
        violators: ['db'],
        config: { 'rds-backup-retention': { properties: { minRetentionDays: 14 } } },
      },
    ],
  },
  {
    policy: rdsDeletionSafety,
    fixtures: [
      { title: 'passes: protected with final snapshot', resources: [rds({})], violators: [] },
      { title: 'fails: no deletion protection', resources: [rds({ deletionProtection: false })], violators: ['db'], says: 'deletionProtection: true' },
      { title: 'fails: skipFinalSnapshot', resources: [rds({ skipFinalSnapshot: true })], violators: ['db'], says: 'skipFinalSnapshot: false' },
      { title: 'fails: final snapshot without identifier', resources: [rds({ finalSnapshotIdentifier: undefined })], violators: ['db'], says: 'finalSnapshotIdentifier' },
    ],
  },
];

describe.each([...cases, ...rdsCases])('$policy.name', ({ policy, fixtures }) => {
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
