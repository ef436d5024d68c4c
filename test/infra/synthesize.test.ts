import * as path from 'node:path';
import { synthesize, SynthConfigError } from '../../infra/synth/synthesize';

/** synthesize() runs any Pulumi TypeScript program, any number of times per process. */
const userProgram = path.join(__dirname, 'fixtures', 'library-user');

describe('synthesize', () => {
  it('runs a user program that embeds RecoveryStack, with its own config and secrets kept secret', async () => {
    // Act
    const result = await synthesize({ stack: 'ci', programDir: userProgram });
    // Assess
    expect(result.project).toBe('shop');
    const web = result.resources.find((r) => r.type === 'aws:ec2/instance:Instance')!;
    expect(web.inputs.instanceType).toBe('t4g.small');
    expect(web.secretPaths).toContain('userData');
    expect(result.resources.filter((r) => r.type === 'aws:lambda/function:Function').map((r) => r.inputs.name)).toContain('recovery-ci-notifier');
    expect(result.resources.find((r) => r.type === 'recovery-stack:index:RecoveryStack')?.custom).toBe(false);
    expect(result.outputs.topicArn).toBe('arn:aws:sns:us-east-1:123456789012:recovery-ci-notifications');
    expect(result.outputSecrets).toEqual(['token']);
  }, 120_000);

  it('can run different stacks concurrently and repeatedly in one process', async () => {
    // Act
    const [dev, prod, dev2] = await Promise.all([synthesize({ stack: 'dev' }), synthesize({ stack: 'prod' }), synthesize({ stack: 'dev' })]);
    // Assess
    expect(dev.stack).toBe('dev');
    expect(prod.stack).toBe('prod');
    expect(dev2.resources.map((r) => r.urn).sort()).toEqual(dev.resources.map((r) => r.urn).sort());
    expect(prod.resources.some((r) => r.urn.includes('recovery-prod-'))).toBe(true);
    expect(dev.resources.some((r) => r.urn.includes('recovery-prod-'))).toBe(false);
  }, 180_000);

  it('reports invalid config as SynthConfigError naming the key', async () => {
    await expect(synthesize({ stack: 'dev', config: { 'recovery-stack:mode': 'sometimes' } })).rejects.toThrow(SynthConfigError);
    await expect(synthesize({ stack: 'dev', config: { 'recovery-stack:mode': 'sometimes' } })).rejects.toThrow(/recovery-stack:mode: must be auto, dry-run or off/);
  }, 120_000);

  it('says clearly when the stack file does not exist', async () => {
    await expect(synthesize({ stack: 'nope' })).rejects.toThrow(/no Pulumi.nope.yaml/);
  });
});
