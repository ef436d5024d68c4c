import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { ResourceValidationPolicy } from '@pulumi/policy';
import { ALL_POLICIES } from '../../policies/all';
import { ebsEncrypted } from '../../policies/restorability';
import { iamNoWildcardActions } from '../../policies/iam';
import { remediationFunctionRuntime } from '../../policies/safe-automation';
import { reconcilePolicyPackConfig, parsePolicyPackConfig, PolicyConfigError } from '../../policies/runner/config';
import { formatReport, summarize } from '../../policies/runner/report';
import { check, resource, T } from './fixtures';

/** The runtime's sentinel for an unknown boolean during preview (@pulumi/policy proxy.js). */
const UNKNOWN_BOOLEAN = '1c4a061d-8072-4f0a-a4cb-0ff528b18fe7';
const REPO = path.resolve(__dirname, '../..');

describe('runner core: the runtime semantics', () => {
  it('a value unknown during preview turns the policy into an advisory "can\'t run" diagnostic', async () => {
    // Prepare
    const volume = resource(T.volume, 'data', { availabilityZone: 'us-east-1a', encrypted: UNKNOWN_BOOLEAN });
    // Act
    const result = await check(ebsEncrypted, [volume]);
    // Assess
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ policyName: 'ebs-encrypted', enforcementLevel: 'advisory', resourceName: 'data' });
    expect(result.findings[0].message).toContain("can't run policy 'ebs-encrypted'");
    expect(summarize(result).failed).toBe(false);
  });

  it('records not-applicable policies for other resource types', async () => {
    // Prepare
    const queue = resource('aws:sqs/queue:Queue', 'q', {});
    // Act
    const result = await check(ebsEncrypted, [queue]);
    // Assess
    expect(result.findings).toEqual([]);
    expect(result.notApplicable).toContainEqual(expect.objectContaining({ policyName: 'ebs-encrypted', reason: "Policy only applies to resources of type 'aws:ebs/volume:Volume'" }));
  });

  it('skips a policy the config disables, and "all" sets every level before per-policy entries', async () => {
    // Prepare
    const volume = resource(T.volume, 'data', { availabilityZone: 'us-east-1a' });
    // Act
    const disabled = await check(ebsEncrypted, [volume], { 'ebs-encrypted': { enforcementLevel: 'disabled' } });
    const allAdvisory = await check(ebsEncrypted, [volume], { all: { enforcementLevel: 'advisory' } });
    const overridden = await check(ebsEncrypted, [volume], { all: { enforcementLevel: 'advisory' }, 'ebs-encrypted': { enforcementLevel: 'mandatory' } });
    // Assess
    expect(disabled.findings).toEqual([]);
    expect(disabled.disabled).toEqual(['ebs-encrypted']);
    expect(allAdvisory.findings.map((f) => f.enforcementLevel)).toEqual(['advisory']);
    expect(overridden.findings.map((f) => f.enforcementLevel)).toEqual(['mandatory']);
  });

  it('hands secret inputs to policies as plain values, as the runtime does', async () => {
    // Prepare: the policy document is a secret input
    const p = resource(T.iamPolicy, 'p', { policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }, { secretPaths: ['policy'] });
    // Act
    const result = await check(iamNoWildcardActions, [p]);
    // Assess
    expect(result.findings.map((f) => f.message)).toEqual([expect.stringContaining("'s3:*'")]);
  });

  it('encodes Lambda code archives the way the SDK sends them', async () => {
    // Prepare
    const fn = resource(T.fn, 'f', {
      code: new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset('exports.handler=()=>1') }),
      runtime: 'nodejs16.x',
      tags: { 'recovery:remediation': 'true' },
    });
    // Act
    const result = await check(remediationFunctionRuntime, [fn]);
    // Assess
    expect(result.errors).toEqual([]);
    expect(result.findings.map((f) => f.resourceName)).toEqual(['f']);
  });

  it('reports a policy that throws as an error that fails the run', async () => {
    // Prepare
    const broken: ResourceValidationPolicy = { name: 'broken', description: 'throws', enforcementLevel: 'mandatory', validateResource: () => { throw new Error('boom'); } };
    // Act
    const result = await check(broken, [resource(T.volume, 'v', {})]);
    // Assess
    expect(result.errors).toEqual([expect.stringContaining('boom')]);
    expect(summarize(result).failed).toBe(true);
  });

  it('prints violations grouped by policy with resource names and levels, then a summary', async () => {
    // Prepare
    const resources = [resource(T.volume, 'data', { availabilityZone: 'us-east-1a' }), resource(T.alarm, 'a', { evaluationPeriods: 1 })];
    const given = { 'alarm-missing-data-explicit': { enforcementLevel: 'advisory' as const } };
    const config = reconcilePolicyPackConfig(ALL_POLICIES, given);
    // Act
    const result = await check(ALL_POLICIES, resources, given);
    const text = formatReport(result, ALL_POLICIES, config, 'heading');
    // Assess
    expect(text).toContain('[mandatory] ebs-encrypted (1):');
    expect(text).toContain('  - data (aws:ebs/volume:Volume): The volume is not encrypted.');
    expect(text).toContain("  - data (aws:ebs/volume:Volume): EBS volume 'data' is not protected by recovery-stack.");
    expect(text).toContain('[advisory] alarm-missing-data-explicit (1):');
    expect(text).toMatch(/Summary: 3 mandatory, 1 advisory violation\(s\) in 4 policies; 2 resources, 16 policies \(0 disabled\) -> FAIL$/);
  });
});

describe('policy pack config (--policy-pack-config shape)', () => {
  it('parses level strings and objects, and fills schema defaults', () => {
    // Prepare
    const given = parsePolicyPackConfig('{"all":"advisory","rds-backup-retention":{"enforcementLevel":"mandatory","minRetentionDays":10}}', 'inline');
    // Act
    const resolved = reconcilePolicyPackConfig(ALL_POLICIES, given);
    // Assess
    expect(resolved['ebs-encrypted'].enforcementLevel).toBe('advisory');
    expect(resolved['rds-backup-retention']).toEqual({ enforcementLevel: 'mandatory', properties: { minRetentionDays: 10 } });
    expect(resolved['k8s-deployment-replicas'].properties).toEqual({ minReplicas: 2 });
  });

  it.each([
    ['{"ebs-encrypted":"strict"}', '"strict" is not an enforcement level'],
    ['{"ebs-encrypted":3}', 'is not valid'],
    ['[1]', 'must be a JSON object'],
    ['{"ebs-encrypted":', 'not valid JSON'],
  ])('rejects %s', (text, error) => {
    // Prepare / Act / Assess
    expect(() => parsePolicyPackConfig(text, 'inline')).toThrow(error);
  });

  it.each([
    [{ 'ebs-encrpyted': { enforcementLevel: 'mandatory' } }, 'unknown policy name(s) in config: ebs-encrpyted'],
    [{ 'rds-backup-retention': { properties: { minRetentionDays: 0 } } }, 'rds-backup-retention.minRetentionDays'],
    [{ 'k8s-deployment-replicas': { properties: { minReplicas: 'two' } } }, 'k8s-deployment-replicas.minReplicas'],
    [{ 'ebs-encrypted': { properties: { strict: true } } }, 'ebs-encrypted: takes no configuration properties'],
  ])('rejects invalid policy config %j', (given, error) => {
    // Prepare / Act / Assess
    expect(() => reconcilePolicyPackConfig(ALL_POLICIES, given as never)).toThrow(PolicyConfigError);
    expect(() => reconcilePolicyPackConfig(ALL_POLICIES, given as never)).toThrow(error);
  });

  it.each(['dev', 'staging', 'prod'])('policies/config.%s.json is valid for the pack', (stack) => {
    // Prepare
    const text = require('node:fs').readFileSync(path.join(REPO, `policies/config.${stack}.json`), 'utf8');
    // Act
    const resolved = reconcilePolicyPackConfig(ALL_POLICIES, parsePolicyPackConfig(text, stack));
    // Assess
    expect(Object.keys(resolved)).toHaveLength(ALL_POLICIES.length);
    expect(resolved['recovery-coverage'].enforcementLevel).toBe(stack === 'prod' ? 'mandatory' : 'advisory');
  });
});

describe('npm run policy: usage and config errors exit 2', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), path.join(REPO, 'policies/run.ts'), ...args], { cwd: REPO, encoding: 'utf8' });

  it('without --stack', () => {
    // Act
    const out = run([]);
    // Assess
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('--stack is required');
  });

  it('with an invalid --config file (before any synthesis)', () => {
    // Prepare
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'policy-')), 'bad.json');
    writeFileSync(file, JSON.stringify({ 'ebs-encrypted': 'sometimes' }));
    // Act
    const out = run(['--stack', 'dev', '--config', file]);
    // Assess
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('"sometimes" is not an enforcement level');
  });
});
