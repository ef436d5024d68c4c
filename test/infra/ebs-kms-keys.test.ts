import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../infra/config';
import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResult } from '../../infra/synth/types';
import { iamDocuments, ofType, type IamStatementLike } from './stack-checks';

/**
 * recovery-stack:ebsKmsKeys under the mock engine. Expectations come from the keys passed here, the
 * stack file and what EBS documents (functions/actions/ebs-kms-keys.ts cites the pages), never from
 * the catalog: the roles that create, attach or start encrypted volumes get exactly these grants on
 * exactly these keys, and nothing else mentions the keys.
 */
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const stackRegion = (stack: string) =>
  (parse(readFileSync(path.join(__dirname, '../..', `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, string> }).config['aws:region'];

const KEYS = ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:us-east-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab'];
/** Key use EBS documents for a customer managed key ("Requirements for Amazon EBS encryption"), ReEncrypt as its two actions. */
const KEY_USE = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];
/** Key grants that only ever reach EBS volumes: no role may hold them on a key it was not configured with. */
const EBS_ONLY = ['kms:CreateGrant', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

/** Every statement granting a kms: action, with the document it is in. */
function kmsStatements(s: SynthResult): { where: string; st: IamStatementLike }[] {
  return iamDocuments(s).flatMap((d) => d.statements.filter((st) => list(st.Action).some((a) => a.startsWith('kms:'))).map((st) => ({ where: d.where, st })));
}

describe('ebsKmsKeys configured (prod: reboot, replace-instance and restore-volume rungs)', () => {
  let stack: SynthResult;
  beforeAll(async () => {
    stack = await synthesize({ stack: 'prod', config: { 'recovery-stack:ebsKmsKeys': KEYS } });
  }, 180_000);

  it('grants the keys, through EC2 of the stack region only, to the restore-volume, replace-instance and SSM Automation roles', () => {
    // Prepare: the roles that create, attach or start volumes (the automation role runs StartInstances).
    const region = stackRegion('prod');
    const viaEc2 = { 'kms:ViaService': `ec2.${region}.amazonaws.com` };
    const expected = ['recovery-prod-automation-policy', 'recovery-prod-replace-instance-role-policy', 'recovery-prod-restore-volume-role-policy'];
    const policies = ofType(stack, 'aws:iam/rolePolicy:RolePolicy').map((p) => p.name);
    expect(policies).toEqual(expect.arrayContaining(expected));
    // Act
    const onKeys = kmsStatements(stack).filter(({ st }) => list(st.Resource).some((r) => KEYS.includes(r)));
    // Assess: per role, the two statements and nothing more.
    const byRole = new Map<string, IamStatementLike[]>();
    for (const { where, st } of onKeys) byRole.set(where, [...(byRole.get(where) ?? []), st]);
    expect([...byRole.keys()].map((w) => w.replace('aws:iam/rolePolicy:RolePolicy ', '')).sort()).toEqual(expected);
    for (const [where, sts] of byRole) {
      const shaped = sts.map((st) => ({ actions: [...list(st.Action)].sort(), resources: list(st.Resource), condition: st.Condition }));
      expect({ where, shaped }).toEqual({
        where,
        shaped: expect.arrayContaining([
          { actions: KEY_USE, resources: KEYS, condition: { StringEquals: viaEc2 } },
          { actions: ['kms:CreateGrant'], resources: KEYS, condition: { StringEquals: viaEc2, Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
        ]),
      });
      expect(shaped).toHaveLength(2);
    }
  });

  it('gives no other role, and no statement, these keys or EBS key grants', () => {
    // Act (role policies: the stack's own topic key has a key policy of its own, on itself)
    const ebsGrants = kmsStatements(stack).filter(({ where, st }) => where.startsWith('aws:iam/rolePolicy') && list(st.Action).some((a) => EBS_ONLY.includes(a)));
    const mentions = iamDocuments(stack).flatMap((d) => d.statements.filter((st) => JSON.stringify(st).match(/key\/(1234abcd|mrk-)/)).map(() => d.where));
    // Assess: EBS-only actions only on exactly the configured keys; the keys only in the three roles.
    expect(ebsGrants.length).toBe(6);
    for (const { st } of ebsGrants) expect(list(st.Resource)).toEqual(KEYS);
    expect(new Set(mentions).size).toBe(3);
  });
});

describe('ebsKmsKeys not configured', () => {
  let stack: SynthResult;
  beforeAll(async () => {
    stack = await synthesize({ stack: 'prod' });
  }, 180_000);

  it('has no KMS statement but the notifier on its own topic key', () => {
    // Prepare: the stack's own keys (the SNS topic's), as synthesized.
    const ownKeys = ofType(stack, 'aws:kms/key:Key').map((k) => k.outputs?.arn as string);
    // Act
    const kms = kmsStatements(stack).filter(({ where }) => where.startsWith('aws:iam/rolePolicy'));
    // Assess
    expect(kms.map(({ where }) => where)).toEqual(['aws:iam/rolePolicy:RolePolicy recovery-prod-notifier-role-policy']);
    expect(kms.flatMap(({ st }) => list(st.Action)).filter((a) => EBS_ONLY.includes(a))).toEqual([]);
    for (const { st } of kms) for (const r of list(st.Resource)) expect(ownKeys).toContain(r);
  });
});

describe('ebsKmsKeys validation', () => {
  const base = { targets: [{ kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['restore-volume'] }] };
  const problemsOf = (keys: unknown): { key: string; message: string }[] => {
    try {
      loadConfig({ ...base, ebsKmsKeys: keys });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('config was accepted');
  };

  it('accepts key ARNs (single- and multi-Region) and defaults to none', () => {
    expect(loadConfig({ ...base, ebsKmsKeys: KEYS }).ebsKmsKeys).toEqual(KEYS);
    expect(loadConfig(base).ebsKmsKeys).toEqual([]);
  });

  it('refuses an alias ARN, a bare alias and a non-ARN, naming the key path, what was expected and what was seen', () => {
    // Act
    const problems = problemsOf(['arn:aws:kms:us-east-1:111122223333:alias/ebs', 'alias/ebs', 'not-a-key']);
    // Assess
    expect(problems.map((p) => p.key)).toEqual(['recovery-stack:ebsKmsKeys[0]', 'recovery-stack:ebsKmsKeys[1]', 'recovery-stack:ebsKmsKeys[2]']);
    for (const p of problems) expect(p.message).toMatch(/^expected a KMS key ARN \(arn:<partition>:kms:<region>:<account>:key\/<key id>\), got "/);
    expect(problems[0].message).toMatch(/covers the alias, not its key/);
  });

  it('refuses a duplicate key', () => {
    expect(problemsOf([KEYS[0], KEYS[0]])).toEqual([{ key: 'recovery-stack:ebsKmsKeys[1]', message: `duplicates ebsKmsKeys[0] (${KEYS[0]}): remove one` }]);
  });

  it('fails the deploy for a key of another region, naming the key, expected and seen', async () => {
    // Prepare
    const elsewhere = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    // Act
    const failed = await synthesize({ stack: 'dev', config: { 'recovery-stack:ebsKmsKeys': [KEYS[0], elsewhere] } }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    // Assess
    expect(failed).toMatch(/recovery-stack:ebsKmsKeys\[1\]: expected a key in the stack's partition and region \(arn:aws:kms:us-east-1:\.\.\.\), got "arn:aws:kms:eu-west-1:/);
  }, 180_000);
});
