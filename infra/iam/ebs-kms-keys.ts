import { z } from 'zod';

/**
 * `recovery-stack:ebsKmsKeys`: the customer managed KMS keys of the protected
 * volumes and snapshots, by key ARN. Their grants are rendered from
 * functions/actions/ebs-kms-keys.ts ({ebsKmsKeyArns}).
 *
 * Key ARNs only: in an IAM policy's Resource an alias ARN names the alias, not
 * the key behind it ("Use aliases to control access to KMS keys",
 * https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html),
 * so a role granted `alias/...` could not use the key.
 *
 * Configured, not discovered from the protected instances' volumes at deploy
 * time: tag-selected instances and group members launched after the deploy, and
 * snapshots, may use keys no deploy-time lookup saw, and a grant that changes
 * with the fleet would change roles silently between deploys.
 */
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/.+$/;
const EXPECTED = 'expected a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>)';

const KeyArn = z.string().superRefine((v, ctx) => {
  if (KEY_ARN.test(v)) return;
  const why = ALIAS_ARN.test(v)
    ? `an alias ARN in an IAM policy covers the alias, not its key: give the key ARN (aws kms describe-key --key-id ${v} --query KeyMetadata.Arn)`
    : v.startsWith('alias/') || !v.startsWith('arn:')
      ? `give the full key ARN (aws kms describe-key --key-id ${v} --query KeyMetadata.Arn)`
      : 'not a KMS key ARN';
  ctx.addIssue({ code: 'custom', message: `${EXPECTED}, got "${v}": ${why}` });
});

export const EbsKmsKeys = z
  .array(KeyArn)
  .max(50, { error: 'at most 50 keys' })
  .superRefine((keys, ctx) => {
    keys.forEach((k, i) => {
      const first = keys.indexOf(k);
      if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicates ebsKmsKeys[${first}] (${k}): remove one` });
    });
  })
  .default([]);

/**
 * Deploy-time check (the partition and region are known only then): EBS uses
 * keys of the volume's own region, and a key of another partition cannot be
 * granted at all. Problems carry the key path for ConfigError.
 */
export function ebsKmsKeyProblems(keys: readonly string[], stack: { partition: string; region: string }): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  keys.forEach((k, i) => {
    const m = KEY_ARN.exec(k);
    if (!m) return; // loadConfig reported it
    const [, partition, region] = m;
    if (partition !== stack.partition || region !== stack.region) {
      problems.push({
        key: `recovery-stack:ebsKmsKeys[${i}]`,
        message: `expected a key in the stack's partition and region (arn:${stack.partition}:kms:${stack.region}:...), got "${k}" (partition ${partition}, region ${region}): EBS volumes here can only use keys of this region`,
      });
    }
  });
  return problems;
}
