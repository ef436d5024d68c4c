import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/**
 * The people side: an SNS topic encrypted with its own KMS key, email
 * subscriptions. Paging and chat channels (PagerDuty, Opsgenie, Slack) are
 * recovery-bus rules to API destinations / AWS Chatbot: infra/notifications.
 */
export interface NotificationArgs {
  stage: string;
  emails: string[];
  account: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

/** Key administration without `kms:*`: the account root may manage and use the key, nothing else. */
export const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:DescribeKey',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:PutKeyPolicy',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateKeyDescription',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];

export function notifications(args: NotificationArgs, opts: pulumi.CustomResourceOptions) {
  const name = `recovery-${args.stage}-notifications`;
  const key = new aws.kms.Key(
    `${name}-key`,
    {
      description: `recovery-stack ${args.stage}: encrypts the notification topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi.all([args.partition, args.account]).apply(([partition, account]) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: KEY_ADMIN_ACTIONS, Resource: '*' },
            {
              Sid: 'SnsUsesKeyForTopic',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': account } },
            },
          ],
        }),
      ),
    },
    opts,
  );
  const topic = new aws.sns.Topic(name, { name, displayName: `recovery-stack ${args.stage}`, kmsMasterKeyId: key.arn }, opts);
  const subscriptions: aws.sns.TopicSubscription[] = args.emails.map(
    (email, i) => new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: topic.arn, protocol: 'email', endpoint: email }, opts),
  );
  return { key, topic, subscriptions };
}
