import type { StackConfig } from '../config';

/**
 * What `scope: 'protected'` statements are narrowed to: the explicit ids and
 * names in the config, and the tag selectors (as aws:ResourceTag conditions).
 * Instances of protected Auto Scaling groups carry the AWS-managed tag
 * `aws:autoscaling:groupName`, which scopes instance actions to group members.
 */
export interface ProtectedScope {
  instanceIds: string[];
  instanceTagSelectors: Record<string, string>[];
  asgNames: string[];
  asgTagSelectors: Record<string, string>[];
  /** RDS DB instance identifiers (restore-db also touches `<id>-*`: its restored and replaced names). */
  dbIdentifiers: string[];
  /** Lambda function names of protected aliases. */
  lambdaFunctions: string[];
  /** ECS services as `cluster/service`. */
  ecsServices: string[];
}

export function protectedScope(config: StackConfig): ProtectedScope {
  const s: ProtectedScope = { instanceIds: [], instanceTagSelectors: [], asgNames: [], asgTagSelectors: [], dbIdentifiers: [], lambdaFunctions: [], ecsServices: [] };
  for (const t of config.targets) {
    if (t.kind === 'instance') {
      if (t.id) s.instanceIds.push(t.id);
      else s.instanceTagSelectors.push(t.tags!);
    } else if (t.kind === 'autoscaling-group') {
      if (t.name) s.asgNames.push(t.name);
      else s.asgTagSelectors.push(t.tags!);
    } else if (t.kind === 'rds-instance') s.dbIdentifiers.push(t.identifier);
    else if (t.kind === 'lambda-alias') {
      if (!s.lambdaFunctions.includes(t.functionName)) s.lambdaFunctions.push(t.functionName);
    } else if (t.kind === 'ecs-service') s.ecsServices.push(`${t.cluster}/${t.service}`);
  }
  return s;
}
