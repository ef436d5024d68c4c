import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { RETRY_POLICY } from '../routing/targets';

/**
 * An external HTTP endpoint (PagerDuty, Opsgenie, Slack) as an EventBridge
 * API destination. EventBridge keeps the connection's credentials in a
 * Secrets Manager secret it manages; the values reach Pulumi only as secrets.
 * Every rule target gets the same delivery guarantees as the Lambda targets
 * (retry policy + the events DLQ).
 */
export interface ConnectionArgs {
  description: string;
  /** API key auth: header name and (secret) value. */
  apiKey: { key: string; value: pulumi.Input<string> };
  /** Extra JSON body parameters EventBridge adds to every request (secret ones stay in the connection's secret). */
  bodies?: { key: string; value: pulumi.Input<string>; isValueSecret: boolean }[];
}

export function connection(name: string, args: ConnectionArgs, opts: pulumi.CustomResourceOptions): aws.cloudwatch.EventConnection {
  return new aws.cloudwatch.EventConnection(
    name,
    {
      name,
      description: args.description,
      authorizationType: 'API_KEY',
      authParameters: {
        apiKey: { key: args.apiKey.key, value: pulumi.secret(args.apiKey.value) },
        ...(args.bodies
          ? {
              invocationHttpParameters: {
                bodies: args.bodies.map((b) => ({ key: b.key, value: b.isValueSecret ? pulumi.secret(b.value) : b.value, isValueSecret: b.isValueSecret })),
              },
            }
          : {}),
      },
    },
    opts,
  );
}

export function apiDestination(
  name: string,
  args: { connection: aws.cloudwatch.EventConnection; endpoint: pulumi.Input<string>; description: string; ratePerSecond?: number },
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.EventApiDestination {
  return new aws.cloudwatch.EventApiDestination(
    name,
    {
      name,
      description: args.description,
      connectionArn: args.connection.arn,
      invocationEndpoint: args.endpoint,
      httpMethod: 'POST',
      // Paging APIs rate-limit; an incident storm must not turn into 429s and DLQ'd pages.
      invocationRateLimitPerSecond: args.ratePerSecond ?? 5,
    },
    opts,
  );
}

/** The role EventBridge assumes to call the stack's API destinations (only those). */
export function invokeRole(
  name: string,
  args: { account: pulumi.Input<string>; region: pulumi.Input<string>; partition: pulumi.Input<string>; destinationNames: string[] },
  opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    {
      name,
      description: 'recovery-stack: EventBridge invokes the notification API destinations',
      assumeRolePolicy: pulumi.output(args.account).apply((account) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': account } },
            },
          ],
        }),
      ),
      maxSessionDuration: 3600,
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.id,
      name: 'invoke-api-destinations',
      policy: pulumi.all([args.partition, args.region, args.account]).apply(([partition, region, account]) =>
        JSON.stringify({
          Version: '2012-10-17',
          // Destination ARNs end in a UUID that changes on replacement: grant these names, any UUID.
          Statement: [
            {
              Sid: 'InvokeNotificationDestinations',
              Effect: 'Allow',
              Action: ['events:InvokeApiDestination'],
              Resource: args.destinationNames.map((n) => `arn:${partition}:events:${region}:${account}:api-destination/${n}/*`),
            },
          ],
        }),
      ),
    },
    opts,
  );
  return role;
}

export interface DestinationRuleArgs {
  busName: pulumi.Input<string>;
  description: string;
  eventPattern: Record<string, unknown>;
  destination: aws.cloudwatch.EventApiDestination;
  roleArn: pulumi.Input<string>;
  deadLetterArn: pulumi.Input<string>;
  inputTransformer: { inputPaths: Record<string, string>; inputTemplate: string };
  httpTarget?: { pathParameterValues?: string[]; queryStringParameters?: Record<string, string> };
}

/** One recovery-bus rule -> API destination, with retry policy and DLQ. */
export function destinationRule(name: string, args: DestinationRuleArgs, opts: pulumi.CustomResourceOptions) {
  const rule = new aws.cloudwatch.EventRule(
    name,
    { name, eventBusName: args.busName, description: args.description, eventPattern: JSON.stringify(args.eventPattern), state: 'ENABLED' },
    opts,
  );
  const target = new aws.cloudwatch.EventTarget(
    name,
    {
      rule: rule.name,
      eventBusName: args.busName,
      arn: args.destination.arn,
      roleArn: args.roleArn,
      inputTransformer: args.inputTransformer,
      ...(args.httpTarget ? { httpTarget: args.httpTarget } : {}),
      retryPolicy: RETRY_POLICY,
      deadLetterConfig: { arn: args.deadLetterArn },
    },
    opts,
  );
  return { rule, target };
}
