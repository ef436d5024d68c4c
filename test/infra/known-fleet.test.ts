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

  describe('after the stack replaced an instance (the tags replace-instance leaves)', () => {
    // The retired original (stopped, recovery:state=retired), its replacement (recovery:lineage = the original),
    // a replacement given up on (failed-replacement), as functions/actions/replace-instance.ts tags them.
    const replaced: MockFleet = {
      instances: [
        instance('i-0aaaaaaaaaaaaaaa1', 'stopped', { recovery: 'on', 'recovery:state': 'retired', 'recovery:replaced-by': 'i-0ddddddddddddddd4' }, ['vol-0aaaaaaaaaaaaaa01']),
        instance('i-0ddddddddddddddd4', 'running', { recovery: 'on', 'recovery:replaces': 'i-0aaaaaaaaaaaaaaa1', 'recovery:lineage': 'i-0aaaaaaaaaaaaaaa1' }, ['vol-0dddddddddddddd01', 'vol-0aaaaaaaaaaaaaa02']),
        instance('i-0eeeeeeeeeeeeeee5', 'stopped', { recovery: 'on', 'recovery:state': 'failed-replacement', 'recovery:lineage': 'i-0aaaaaaaaaaaaaaa1' }, ['vol-0eeeeeeeeeeeeee01']),
      ],
    };

    it('an id target protects the replacement (and its volumes), no longer the retired original', async () => {
      // Act
      const s = await synthesize({ stack: 'dev', config: { 'recovery-stack:targets': [{ kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa1' }] }, mocks: { fleet: replaced } });
      // Assess
      expect(dimensionValues(s, 'InstanceId')).toEqual(['i-0ddddddddddddddd4']);
      expect(dimensionValues(s, 'VolumeId')).toEqual(['vol-0aaaaaaaaaaaaaa02', 'vol-0dddddddddddddd01']);
      const names = ofType(s, 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => a.inputs.name as string);
      // The names the run-time copies have (functions/runtime/carried-protection.ts): the deploy takes them over.
      expect(names).toEqual(expect.arrayContaining(['recovery-dev-ec2-system-status-i-0ddddddddddddddd4', 'recovery-dev-ebs-stalled-io-vol-0dddddddddddddd01']));
    }, 120_000);

    it('a tag selector leaves out what the stack retired or gave up on', async () => {
      // Act
      const s = await synthesize({ stack: 'dev', config: { 'recovery-stack:targets': [{ kind: 'instance', tags: { recovery: 'on' } }] }, mocks: { fleet: replaced } });
      // Assess
      expect(dimensionValues(s, 'InstanceId')).toEqual(['i-0ddddddddddddddd4']);
    }, 120_000);

    it('the roles may act on the id target\'s replacements before the deploy names them (recovery:lineage)', async () => {
      // Act
      const s = await synthesize({ stack: 'dev', config: { 'recovery-stack:targets': [{ kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa1' }] }, mocks: { fleet: replaced } });
      // Assess
      const policies = ofType(s, 'aws:iam/rolePolicy:RolePolicy').map((p) => JSON.parse(p.inputs.policy as string) as { Statement: Array<{ Sid: string; Condition?: unknown }> });
      const lineage = policies.flatMap((p) => p.Statement).filter((st) => st.Sid.endsWith('InstancesByLineage'));
      expect(lineage.length).toBeGreaterThan(0);
      expect(lineage.every((st) => JSON.stringify(st.Condition) === JSON.stringify({ StringEquals: { 'aws:ResourceTag/recovery:lineage': ['i-0aaaaaaaaaaaaaaa1'] } }))).toBe(true);
    }, 120_000);
  });
});
