import { synthesize } from '../../infra/synth/synthesize';
import type { MockFleet } from '../../infra/synth/mocks';
import type { SynthResult } from '../../infra/synth/types';
import { ofType } from './stack-checks';

/**
 * mocks.fleet: the program's deploy-time EC2 lookups answered from a known
 * fleet (the drill passes what it seeded in moto), as `pulumi up` answers
 * them from the account: tag selectors match tags and live states, and an
 * instance's volumes are its own.
 */
const instance = (id: string, state: string, tags: Record<string, string>, volumes: string[]) => ({
  id,
  state,
  tags,
  availabilityZone: 'us-east-1a',
  instanceType: 't3.micro',
  rootBlockDevices: [{ volumeId: volumes[0], deviceName: '/dev/xvda' }],
  ebsBlockDevices: volumes.slice(1).map((v, i) => ({ volumeId: v, deviceName: `/dev/sd${'fgh'[i]}` })),
});

const fleet: MockFleet = {
  instances: [
    instance('i-0aaaaaaaaaaaaaaa1', 'running', { recovery: 'on' }, ['vol-0aaaaaaaaaaaaaa01', 'vol-0aaaaaaaaaaaaaa02']),
    instance('i-0bbbbbbbbbbbbbbb2', 'terminated', { recovery: 'on' }, ['vol-0bbbbbbbbbbbbbb01']),
    instance('i-0ccccccccccccccc3', 'running', { recovery: 'off' }, ['vol-0cccccccccccccc01']),
  ],
};

const dimensionValues = (s: SynthResult, key: string) =>
  [...new Set(ofType(s, 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => (a.inputs.dimensions as Record<string, string> | undefined)?.[key]).filter(Boolean))].sort();

describe('synth with a known fleet (mocks.fleet)', () => {
  it('protects the live instances the tag selector matches, and their own volumes', async () => {
    // Act
    const s = await synthesize({ stack: 'dev', config: { 'recovery-stack:targets': [{ kind: 'instance', tags: { recovery: 'on' } }] }, mocks: { fleet } });
    // Assess
    expect(dimensionValues(s, 'InstanceId')).toEqual(['i-0aaaaaaaaaaaaaaa1']);
    expect(dimensionValues(s, 'VolumeId')).toEqual(['vol-0aaaaaaaaaaaaaa01', 'vol-0aaaaaaaaaaaaaa02']);
  }, 120_000);

  it('fails synth naming an instance id the fleet does not have', async () => {
    // Act / Assess
    await expect(
      synthesize({ stack: 'dev', config: { 'recovery-stack:targets': [{ kind: 'instance', id: 'i-0123456789abcdef0' }] }, mocks: { fleet } }),
    ).rejects.toThrow(/no instance i-0123456789abcdef0 in the fleet/);
  }, 120_000);
});
