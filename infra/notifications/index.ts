import type * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { destinationRule, invokeRole } from './api-destination';
import type { ChannelContext, DestinationRoute } from './channel';
import type { NotificationsConfig } from './config';
import { opsgenie } from './opsgenie';
import { pagerDuty } from './pagerduty';
import { slackChatbot, slackWebhook } from './slack';

/**
 * The paging/chat channels beside the SNS topic (email): each a config switch,
 * each a set of recovery-bus rules. Returns the rules so the stack can let
 * them (and only them) dead-letter into the events DLQ.
 */
export interface NotificationChannelsArgs extends ChannelContext {
  config: NotificationsConfig;
  busName: pulumi.Input<string>;
  deadLetterArn: pulumi.Input<string>;
  /** Overrides config.pagerDutyRoutingKey (library use: a secret Output from elsewhere). */
  pagerDutyRoutingKey?: pulumi.Input<string>;
}

export function notificationChannels(args: NotificationChannelsArgs, opts: pulumi.CustomResourceOptions): { rules: aws.cloudwatch.EventRule[] } {
  const { config } = args;
  const routes: DestinationRoute[] = [];
  const pdKey = args.pagerDutyRoutingKey ?? config.pagerDutyRoutingKey;
  if (pdKey !== undefined) routes.push(...pagerDuty(args, pulumi.secret(pdKey), opts));
  if (config.opsgenie) routes.push(...opsgenie(args, { ...config.opsgenie, apiKey: pulumi.secret(config.opsgenie.apiKey) }, opts));
  if (config.slack?.via === 'webhook') routes.push(...slackWebhook(args, pulumi.secret(config.slack.webhookUrl), opts));

  const rules: aws.cloudwatch.EventRule[] = [];
  if (routes.length > 0) {
    const role = invokeRole(
      `recovery-${args.stage}-notify-destinations`,
      { account: args.account, region: args.region, partition: args.partition, destinationNames: [...new Set(routes.map((r) => r.destinationName))] },
      opts,
    );
    for (const r of routes) {
      const { rule } = destinationRule(
        r.name,
        {
          busName: args.busName,
          description: r.description,
          eventPattern: r.eventPattern,
          destination: r.destination,
          roleArn: role.arn,
          deadLetterArn: args.deadLetterArn,
          inputTransformer: r.inputTransformer,
          httpTarget: r.httpTarget,
        },
        opts,
      );
      rules.push(rule);
    }
  }
  if (config.slack?.via === 'chatbot') {
    rules.push(slackChatbot({ ...args, busName: args.busName, deadLetterArn: args.deadLetterArn }, config.slack, opts).rule);
  }
  return { rules };
}
