import type { PermissionStatement } from '../contracts/permissions';

/**
 * What a caller needs for EC2 to create, attach or start EBS volumes encrypted
 * with a customer managed KMS key: the keys named by `recovery-stack:ebsKmsKeys`
 * ({ebsKmsKeyArns}), used only through EC2 in the stack's region. With no keys
 * configured both statements are dropped (an AWS managed key, aws/ebs, needs no
 * grant in IAM).
 *
 * Which calls need them:
 *  - CreateVolume from an encrypted snapshot: EC2 sends GenerateDataKeyWithoutPlaintext
 *    under the volume's key; AttachVolume and StartInstances: EC2 creates a grant so
 *    it can Decrypt the volume's data key ("How Amazon EBS encryption works",
 *    https://docs.aws.amazon.com/ebs/latest/userguide/how-ebs-encryption-works.html).
 *    The principal calling StartInstances needs kms:CreateGrant, or the instance goes
 *    pending -> stopped with Client.InternalError
 *    (https://repost.aws/knowledge-center/kms-iam-ec2-permission).
 *  - The action list is EBS's own: kms:CreateGrant, kms:Decrypt, kms:DescribeKey,
 *    kms:GenerateDataKeyWithoutPlaintext, kms:ReEncrypt ("Requirements for Amazon EBS
 *    encryption", Permissions for users,
 *    https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html),
 *    ReEncrypt spelled out as its two actions (From, To) instead of a `kms:ReEncrypt*`
 *    pattern. ReEncrypt is used when a volume gets a different key from its snapshot's
 *    (e.g. RunInstances with a launch template that names another key).
 *  - CreateGrant only when an AWS service asks for it on the caller's behalf
 *    (kms:GrantIsForAWSResource, as the same page advises), and every action only
 *    through EC2 (kms:ViaService = ec2.<region>.<dnsSuffix>, e.g. ec2.us-east-1.amazonaws.com): the role cannot
 *    decrypt with these keys itself. Condition keys: Service Authorization Reference,
 *    "Actions, resources, and condition keys for AWS Key Management Service"
 *    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html).
 *
 * IAM alone is not enough: the key policy must let the account's IAM policies grant
 * use of the key (the default key policy does), as for an Auto Scaling group's
 * service-linked role, which needs the key policy itself ("Required AWS KMS key policy
 * for use with encrypted volumes",
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html).
 */
export const EBS_KMS_KEY_PERMISSIONS: PermissionStatement[] = [
  {
    sid: 'EbsKeysThroughEc2',
    actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
    resources: ['{ebsKmsKeyArns}'],
    condition: { StringEquals: { 'kms:ViaService': 'ec2.{region}.{dnsSuffix}' } },
  },
  {
    sid: 'EbsKeyGrantsForEc2',
    actions: ['kms:CreateGrant'],
    resources: ['{ebsKmsKeyArns}'],
    condition: { StringEquals: { 'kms:ViaService': 'ec2.{region}.{dnsSuffix}' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  },
];
