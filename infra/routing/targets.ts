import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

/**
 * Every rule target gets the same delivery guarantees: EventBridge retries
 * for up to an hour, then parks the event in the encrypted DLQ instead of
 * dropping it.
 */
export const RETRY_POLICY = { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 8 } as const;

export interface LambdaTargetArgs {
  rule: aws.cloudwatch.EventRule;
  eventBusName?: pulumi.Input<string>;
  fn: aws.lambda.Function;
  deadLetterArn: pulumi.Input<string>;
  inputTransformer?: { inputTemplate: string; inputPaths?: Record<string, string> };
  inputPath?: string;
}

export function lambdaTarget(name: string, args: LambdaTargetArgs, opts: pulumi.CustomResourceOptions) {
  const permission = new aws.lambda.Permission(
    `${name}-invoke`,
    { action: 'lambda:InvokeFunction', function: args.fn.name, principal: 'events.amazonaws.com', sourceArn: args.rule.arn },
    opts,
  );
  const target = new aws.cloudwatch.EventTarget(
    name,
    {
      rule: args.rule.name,
      eventBusName: args.eventBusName,
      arn: args.fn.arn,
      ...(args.inputTransformer ? { inputTransformer: args.inputTransformer } : {}),
      ...(args.inputPath ? { inputPath: args.inputPath } : {}),
      retryPolicy: RETRY_POLICY,
      deadLetterConfig: { arn: args.deadLetterArn },
    },
    { ...opts, dependsOn: [permission] },
  );
  return { target, permission };
}
