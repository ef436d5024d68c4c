import type * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

/** What every notification channel gets from the stack. */
export interface ChannelContext {
  stage: string;
  account: pulumi.Input<string>;
  region: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

/** A recovery-bus rule a channel wants, delivered to one of its API destinations. */
export interface DestinationRoute {
  name: string;
  destination: aws.cloudwatch.EventApiDestination;
  /** The destination's name (its IAM resource). */
  destinationName: string;
  description: string;
  eventPattern: Record<string, unknown>;
  inputTransformer: { inputPaths: Record<string, string>; inputTemplate: string };
  httpTarget?: { pathParameterValues?: string[]; queryStringParameters?: Record<string, string> };
}
