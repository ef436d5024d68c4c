import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { automationRolePermissions } from '../../functions/catalog';
import { policyDocument, renderStatements, type Placeholders } from './policy-document';
import type { ProtectedScope } from './protected-scope';

/**
 * The role SSM Automation assumes to run the reboot runbook
 * (AWS-RestartEC2Instance): stop/start narrowed to protected instances.
 */
export function automationRole(
  name: string,
  args: { placeholders: pulumi.Input<Placeholders>; scope: ProtectedScope; account: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    name,
    {
      name,
      description: 'recovery-stack: assumed by SSM Automation to restart protected instances',
      assumeRolePolicy: pulumi.output(args.account).apply((account) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'ssm.amazonaws.com' },
              Action: 'sts:AssumeRole',
              // Confused-deputy guard: only this account's automation may assume it.
              Condition: { StringEquals: { 'aws:SourceAccount': account } },
            },
          ],
        }),
      ),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.id,
      name: 'restart-protected-instances',
      policy: pulumi
        .output(args.placeholders)
        .apply((values) => JSON.stringify(policyDocument(renderStatements('automation-role', automationRolePermissions, values, args.scope)))),
    },
    opts,
  );
  return { role, policy };
}
