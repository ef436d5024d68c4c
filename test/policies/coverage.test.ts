import { recoveryCoverage } from '../../policies/coverage';
import { check, resource, T, urnOf, violators, type Fixture } from './fixtures';

const fixtures: Fixture[] = [
  {
    title: 'passes: instance tagged recovery=on',
    resources: [resource(T.instance, 'web', { ami: 'ami-1', instanceType: 't3.micro', tags: { recovery: 'on' } })],
    violators: [],
  },
  {
    title: 'passes: Auto Scaling group with a list-shaped recovery tag',
    resources: [resource(T.asg, 'fleet', { maxSize: 3, minSize: 1, tags: [{ key: 'recovery', value: 'on', propagateAtLaunch: true }] })],
    violators: [],
  },
  {
    title: 'passes: volume watched by a recovery alarm (dependency recorded by the engine)',
    resources: [
      resource(T.volume, 'data', { availabilityZone: 'us-east-1a', size: 10 }),
      resource(T.alarm, 'stalled', { name: 'recovery-prod-restore-volume-data', dimensions: { VolumeId: 'vol-1' } }, {
        propertyDependencies: { dimensions: [urnOf(T.volume, 'data')] },
      }),
    ],
    violators: [],
  },
  {
    title: 'passes: RDS instance referenced by a recovery alarm dimension value',
    resources: [
      resource(T.rds, 'db', { identifier: 'orders-db', instanceClass: 'db.t3.micro' }),
      resource(T.alarm, 'db-storage', { name: 'recovery-prod-rds-storage-orders-db', dimensions: { DBInstanceIdentifier: 'orders-db' } }),
    ],
    violators: [],
  },
  {
    title: 'passes: deliberate opt-out (recovery=off) where allowed',
    resources: [resource(T.instance, 'bastion', { ami: 'ami-1', tags: { recovery: 'off' } })],
    violators: [],
  },
  {
    title: 'fails: untagged instance, and an alarm without the recovery- prefix does not count',
    resources: [
      resource(T.instance, 'web', { ami: 'ami-1', tags: { team: 'shop' } }),
      resource(T.alarm, 'cpu', { name: 'web-cpu', dimensions: { InstanceId: 'i-1' } }, { dependencies: [urnOf(T.instance, 'web')] }),
    ],
    violators: ['web'],
    says: 'tag it `recovery: on`',
  },
  {
    title: 'fails: recovery alarm that watches a different volume',
    resources: [
      resource(T.volume, 'data', { availabilityZone: 'us-east-1a', size: 10, tags: {} }),
      resource(T.volume, 'logs', { availabilityZone: 'us-east-1a', size: 10 }),
      resource(T.alarm, 'stalled', { name: 'recovery-prod-restore-volume-logs' }, { dependencies: [urnOf(T.volume, 'logs')] }),
    ],
    violators: ['data'],
  },
  {
    title: 'fails: opt-out when allowOptOut is false',
    resources: [resource(T.asg, 'fleet', { maxSize: 1, minSize: 1, tags: [{ key: 'recovery', value: 'off', propagateAtLaunch: true }] })],
    violators: ['fleet'],
    says: 'opting out is not allowed',
    config: { 'recovery-coverage': { properties: { allowOptOut: false } } },
  },
  {
    title: 'fails: custom tag key from config (recovery tag no longer counts)',
    resources: [resource(T.rds, 'db', { identifier: 'db', tags: { recovery: 'on' } })],
    violators: ['db'],
    says: 'tag it `fault-recovery: on`',
    config: { 'recovery-coverage': { properties: { tagKey: 'fault-recovery' } } },
  },
];

describe('recovery-coverage', () => {
  it.each(fixtures)('$title', async ({ resources, violators: expected, says, config }) => {
    // Prepare: fixture resources in the analyzer's shape
    // Act
    const result = await check(recoveryCoverage, resources, config);
    // Assess
    expect(result.errors).toEqual([]);
    expect(violators(result)).toEqual(expected);
    if (says) expect(result.findings[0].message).toContain(says);
  });

  it('is not applicable to a stack without protectable resources', async () => {
    // Prepare
    const resources = [resource(T.fn, 'f', { runtime: 'nodejs22.x' })];
    // Act
    const result = await check(recoveryCoverage, resources);
    // Assess
    expect(result.findings).toEqual([]);
    expect(result.notApplicable.map((n) => n.policyName)).toContain('recovery-coverage');
  });
});
