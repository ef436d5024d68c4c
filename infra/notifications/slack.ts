import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { NOTIFY_DETAIL_TYPES, RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import { RETRY_POLICY } from '../routing/targets';
import { ruleName } from '../routing/rule-name';
import { KEY_ADMIN_ACTIONS } from '../storage/notifications';
import { apiDestination, connection } from './api-destination';
import type { ChannelContext, DestinationRoute } from './channel';

/**
 * Slack, two ways (config `notifications.slack.via`):
 *
 * - `webhook`: an API destination whose endpoint is the incoming-webhook URL.
 *   The URL IS the credential and an API destination's endpoint is not
 *   secret in AWS: anyone allowed `events:DescribeApiDestination` in the
 *   account can read it (EventBridge keeps only connection parameters in
 *   Secrets Manager). In Pulumi config and state it is a secret. Rotate the
 *   webhook if that audience is too wide, or use `chatbot`.
 * - `chatbot`: AWS Chatbot posts to the channel from an SNS topic. Chatbot
 *   renders only AWS service events and its "custom notification" schema, so
 *   a recovery-bus rule writes that schema to a topic of its own (the
 *   notifier's topic carries JSON for email/subscribers).
 */
const SLACK_PATHS = {
  type: '$.detail-type',
  stage: '$.detail.stage',
  playbook: '$.detail.playbook',
  resource: '$.detail.resource.id',
  action: '$.detail.action',
  rung: '$.detail.rung',
  incident: '$.detail.incidentId',
  mode: '$.detail.mode',
};

export const SLACK_WEBHOOK_TEMPLATE =
  '{"text":":rotating_light: *[recovery <stage>] <type>*: playbook `<playbook>` on `<resource>` (action <action>, rung <rung>, mode <mode>, incident <incident>)"}';

/** AWS Chatbot custom notification (version 1.0, source custom). */
export const CHATBOT_TEMPLATE =
  '{"version":"1.0","source":"custom","id":"<incident>","content":{"textType":"client-markdown",' +
  '"title":"[recovery <stage>] <type>: <playbook> on <resource>",' +
  '"description":"Action <action>, rung <rung>, mode <mode>, incident <incident>. Ledger and dashboard have the evidence."}}';

export function slackWebhook(ctx: ChannelContext, webhookUrl: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): DestinationRoute[] {
  const name = `recovery-${ctx.stage}-slack`;
  // Slack webhooks take no auth header; a connection needs one, so it carries a harmless marker.
  const conn = connection(name, { description: `recovery-stack ${ctx.stage}: Slack incoming webhook`, apiKey: { key: 'X-Recovery-Stack', value: ctx.stage } }, opts);
  const destination = apiDestination(
    name,
    { connection: conn, endpoint: pulumi.secret(webhookUrl), description: `recovery-stack ${ctx.stage}: Slack incoming webhook`, ratePerSecond: 1 },
    opts,
  );
  return [
    {
      name: ruleName('recovery', ctx.stage, 'slack'),
      destination,
      destinationName: name,
      description: `recovery-stack ${ctx.stage}: recovery outcomes to Slack`,
      eventPattern: { source: [RECOVERY_SOURCE], 'detail-type': [...NOTIFY_DETAIL_TYPES] },
      inputTransformer: { inputPaths: SLACK_PATHS, inputTemplate: SLACK_WEBHOOK_TEMPLATE },
    },
  ];
}

export function slackChatbot(
  ctx: ChannelContext & { busName: pulumi.Input<string>; deadLetterArn: pulumi.Input<string> },
  cfg: { workspaceId: string; channelId: string },
  opts: pulumi.CustomResourceOptions,
) {
  const name = `recovery-${ctx.stage}-chatbot`;
  const key = new aws.kms.Key(
    `${name}-key`,
    {
      description: `recovery-stack ${ctx.stage}: encrypts the AWS Chatbot topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi.all([ctx.partition, ctx.account]).apply(([partition, account]) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: KEY_ADMIN_ACTIONS, Resource: '*' },
            {
              // EventBridge publishes to the encrypted topic; SNS decrypts to deliver to Chatbot.
              Sid: 'EventsAndSnsUseKey',
              Effect: 'Allow',
              Principal: { Service: ['events.amazonaws.com', 'sns.amazonaws.com'] },
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
  const topic = new aws.sns.Topic(name, { name, displayName: `recovery-stack ${ctx.stage} (AWS Chatbot)`, kmsMasterKeyId: key.arn }, opts);
  const rName = ruleName('recovery', ctx.stage, 'chatbot');
  const rule = new aws.cloudwatch.EventRule(
    rName,
    {
      name: rName,
      eventBusName: ctx.busName,
      description: `recovery-stack ${ctx.stage}: recovery outcomes to Slack through AWS Chatbot`,
      eventPattern: JSON.stringify({ source: [RECOVERY_SOURCE], 'detail-type': [...NOTIFY_DETAIL_TYPES] }),
      state: 'ENABLED',
    },
    opts,
  );
  new aws.sns.TopicPolicy(
    name,
    {
      arn: topic.arn,
      policy: pulumi.all([topic.arn, rule.arn]).apply(([topicArn, ruleArn]) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'ChatbotRulePublishes', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: topicArn, Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } },
          ],
        }),
      ),
    },
    opts,
  );
  const target = new aws.cloudwatch.EventTarget(
    rName,
    {
      rule: rule.name,
      eventBusName: ctx.busName,
      arn: topic.arn,
      inputTransformer: { inputPaths: SLACK_PATHS, inputTemplate: CHATBOT_TEMPLATE },
      retryPolicy: RETRY_POLICY,
      deadLetterConfig: { arn: ctx.deadLetterArn },
    },
    opts,
  );
  // Chatbot's channel role: notifications only, no permissions; the guardrail caps what channel users could do.
  const role = new aws.iam.Role(
    name,
    {
      name,
      description: 'recovery-stack: AWS Chatbot channel role (notifications only)',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      maxSessionDuration: 3600,
    },
    opts,
  );
  const channel = new aws.chatbot.SlackChannelConfiguration(
    name,
    {
      configurationName: name,
      iamRoleArn: role.arn,
      slackTeamId: cfg.workspaceId,
      slackChannelId: cfg.channelId,
      snsTopicArns: [topic.arn],
      guardrailPolicyArns: [pulumi.interpolate`arn:${ctx.partition}:iam::aws:policy/CloudWatchReadOnlyAccess`],
      loggingLevel: 'ERROR',
    },
    opts,
  );
  return { key, topic, rule, target, role, channel };
}
