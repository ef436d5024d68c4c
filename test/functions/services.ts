import { zipSync } from '../../scripts/sandbox/zip';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateFunctionCommand, LambdaClient, PublishVersionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { ACCOUNT, clientConfig } from '../support/aws';

/**
 * Seeding RDS, Lambda and ECS in moto for the actions beyond EC2. moto
 * stores Lambda functions, versions and aliases without running them, so a
 * function's code is a small real zip; its role must exist in moto's IAM.
 */
export const services = () => {
  const c = clientConfig();
  return { rds: new RDSClient(c), lambda: new LambdaClient(c), ecs: new ECSClient(c), iam: new IAMClient(c) };
};

export async function createDb(identifier: string, opts: { multiAZ?: boolean; backupRetentionPeriod?: number } = {}): Promise<void> {
  await services().rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: identifier,
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'not-a-secret-123',
      MultiAZ: opts.multiAZ ?? false,
      BackupRetentionPeriod: opts.backupRetentionPeriod ?? 7,
      Tags: [{ Key: 'team', Value: 'payments' }],
    }),
  );
}

/** A function with `versions` published versions (distinct code each) and an alias on the newest. */
export async function createFunctionWithVersions(name: string, versions: number, alias = 'live'): Promise<{ versions: string[] }> {
  const s = services();
  const role = await s.iam
    .send(new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }))
    .then((r) => r.Role!.Arn!)
    .catch(() => `arn:aws:iam::${ACCOUNT}:role/${name}-role`);
  const code = (n: number) => zipSync({ 'index.js': `exports.handler = async () => ${n};\n` });
  await s.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs22.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code(0) } }));
  const published: string[] = [];
  for (let n = 1; n <= versions; n++) {
    if (n > 1) await s.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code(n) }));
    published.push((await s.lambda.send(new PublishVersionCommand({ FunctionName: name, Description: `release ${n}` }))).Version!);
  }
  if (versions > 0) await s.lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: published[published.length - 1] }));
  else await s.lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: '$LATEST' }));
  return { versions: published };
}

export async function createEcsService(cluster: string, service: string, desired = 2): Promise<void> {
  const s = services();
  await s.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await s.ecs.send(new RegisterTaskDefinitionCommand({ family: service, containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:latest', memory: 128 }] }));
  await s.ecs.send(new CreateServiceCommand({ cluster, serviceName: service, taskDefinition: service, desiredCount: desired }));
}
