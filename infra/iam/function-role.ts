import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PermissionStatement } from '../../functions/contracts/permissions';
import { policyDocument, renderStatements, type Placeholders } from './policy-document';
import type { ProtectedScope } from './protected-scope';

/**
 * One role per function, built from the permissions the function declares
 * (functions/catalog.ts) plus what every Lambda needs around it: write its
 * own log group and send to its on-failure queue.
 */
export interface FunctionRoleArgs {
  roleName: string;
  functionName: string;
  permissions: PermissionStatement[];
  placeholders: pulumi.Input<Placeholders>;
  scope: ProtectedScope;
  logGroupArn: pulumi.Input<string>;
  failureQueueArn: pulumi.Input<string>;
}

export function lambdaAssumeRolePolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
}

export function functionRole(args: FunctionRoleArgs, opts: pulumi.CustomResourceOptions): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    args.roleName,
    {
      name: args.roleName,
      description: `recovery-stack: least-privilege role of ${args.functionName}, built from its declared permissions`,
      assumeRolePolicy: lambdaAssumeRolePolicy(),
      maxSessionDuration: 3600,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${args.roleName}-policy`,
    {
      role: role.id,
      name: 'declared-permissions',
      policy: pulumi
        .all([args.placeholders, args.logGroupArn, args.failureQueueArn])
        .apply(([values, logGroupArn, failureQueueArn]) =>
          JSON.stringify(
            policyDocument([
              ...renderStatements(args.functionName, args.permissions, values, args.scope),
              { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${logGroupArn}:*`] },
              { Sid: 'OnFailureDestination', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [failureQueueArn] },
            ]),
          ),
        ),
    },
    opts,
  );
  return { role, policy };
}
