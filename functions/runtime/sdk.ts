import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { HealthClient } from '@aws-sdk/client-health';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GuardedRetryStrategy, NON_IDEMPOTENT_COMMANDS, NOT_IDEMPOTENT } from './retry';

/**
 * Lazy AWS SDK access. Nothing here loads an SDK package at import time (the
 * Pulumi program imports action declarations); each client module is loaded
 * and its client built on first use, then reused for the container's life.
 * Clients take endpoint/region/credentials from the environment, so
 * AWS_ENDPOINT_URL points them (and the bundles) at the emulator.
 *
 * Usage: `const { client, sdk } = await ec2(); await client.send(new sdk.DescribeInstancesCommand({...}))`.
 *
 * Each accessor imports its own module under ./clients, which exports the
 * client and only the commands the functions send: a handler bundle then
 * carries only the clients its code reaches, each with only those commands'
 * serializers (see infra/functions/bundle.ts). `@__PURE__` lets esbuild drop
 * the accessors a handler never calls, and with them their client modules.
 */
export interface Lazy<C, M> {
  client: C;
  sdk: M;
}

type AnyClient = { middlewareStack: { add: (...a: any[]) => void; remove: (name: string) => boolean } };

/** Default attempts (first try included); RECOVERY_MAX_ATTEMPTS overrides. */
function maxAttempts(): number {
  const n = Number(process.env.RECOVERY_MAX_ATTEMPTS ?? '5');
  return Number.isInteger(n) && n >= 1 && n <= 10 ? n : 5;
}

function clientOptions() {
  return { retryStrategy: new GuardedRetryStrategy(maxAttempts()) as never };
}

/** Marks errors of non-idempotent commands so the retry strategy does not repeat them (see retry.ts). */
function markNonIdempotent(client: AnyClient): void {
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (e) {
        if (context.commandName && NON_IDEMPOTENT_COMMANDS.has(context.commandName) && typeof e === 'object' && e !== null) {
          Object.defineProperty(e, NOT_IDEMPOTENT, { value: true, enumerable: false });
        }
        throw e;
      }
    },
    // Inside the retry loop (finalizeRequest), so the mark is set before the strategy decides.
    { step: 'deserialize', name: 'recoveryMarkNonIdempotent', priority: 'high' },
  );
}

const registry = new Map<string, Promise<Lazy<unknown, unknown>>>();

function lazy<C extends AnyClient, M>(key: string, load: () => Promise<M>, make: (m: M) => C): () => Promise<Lazy<C, M>> {
  return () => {
    let entry = registry.get(key);
    if (!entry) {
      entry = load().then((sdk) => {
        const client = make(sdk);
        markNonIdempotent(client);
        return { client, sdk };
      });
      // A failed module load must not poison the cache.
      entry.catch(() => registry.delete(key));
      registry.set(key, entry);
    }
    return entry as Promise<Lazy<C, M>>;
  };
}

export const ec2 = /* @__PURE__ */ lazy<EC2Client, typeof import('./clients/ec2')>(
  'ec2',
  () => import('./clients/ec2'),
  (m) => new m.EC2Client(clientOptions()),
);
export const autoscaling = /* @__PURE__ */ lazy<AutoScalingClient, typeof import('./clients/autoscaling')>(
  'autoscaling',
  () => import('./clients/autoscaling'),
  (m) => new m.AutoScalingClient(clientOptions()),
);
export const ssm = /* @__PURE__ */ lazy<SSMClient, typeof import('./clients/ssm')>(
  'ssm',
  () => import('./clients/ssm'),
  (m) => new m.SSMClient(clientOptions()),
);
export const cloudwatch = /* @__PURE__ */ lazy<CloudWatchClient, typeof import('./clients/cloudwatch')>(
  'cloudwatch',
  () => import('./clients/cloudwatch'),
  (m) => new m.CloudWatchClient(clientOptions()),
);
export const events = /* @__PURE__ */ lazy<EventBridgeClient, typeof import('./clients/events')>(
  'events',
  () => import('./clients/events'),
  (m) => new m.EventBridgeClient(clientOptions()),
);
export const sqs = /* @__PURE__ */ lazy<SQSClient, typeof import('./clients/sqs')>(
  'sqs',
  () => import('./clients/sqs'),
  (m) => new m.SQSClient(clientOptions()),
);
export const sns = /* @__PURE__ */ lazy<SNSClient, typeof import('./clients/sns')>(
  'sns',
  () => import('./clients/sns'),
  (m) => new m.SNSClient(clientOptions()),
);
/** AWS Health's API is served from us-east-1 for the commercial partition. */
export const health = /* @__PURE__ */ lazy<HealthClient, typeof import('./clients/health')>(
  'health',
  () => import('./clients/health'),
  (m) => new m.HealthClient({ ...clientOptions(), region: 'us-east-1' }),
);
export const dynamodb = /* @__PURE__ */ lazy<DynamoDBClient, typeof import('./clients/dynamodb')>(
  'dynamodb',
  () => import('./clients/dynamodb'),
  (m) => new m.DynamoDBClient(clientOptions()),
);
export const rds = /* @__PURE__ */ lazy<RDSClient, typeof import('./clients/rds')>(
  'rds',
  () => import('./clients/rds'),
  (m) => new m.RDSClient(clientOptions()),
);
export const lambda = /* @__PURE__ */ lazy<LambdaClient, typeof import('./clients/lambda')>(
  'lambda',
  () => import('./clients/lambda'),
  (m) => new m.LambdaClient(clientOptions()),
);
export const ecs = /* @__PURE__ */ lazy<ECSClient, typeof import('./clients/ecs')>(
  'ecs',
  () => import('./clients/ecs'),
  (m) => new m.ECSClient(clientOptions()),
);
/** Document client over the same DynamoDB client (shares its middleware, retries and endpoint). */
let docs: Promise<Lazy<DynamoDBDocumentClient, typeof import('./clients/dynamodb-document')>> | undefined;
export function documentClient(): Promise<Lazy<DynamoDBDocumentClient, typeof import('./clients/dynamodb-document')>> {
  docs ??= Promise.all([dynamodb(), import('./clients/dynamodb-document')]).then(([{ client }, sdk]) => ({
    client: sdk.DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    sdk,
  }));
  return docs;
}

/** Every client built so far (tests attach counting/fault middleware to them). */
export async function builtClients(): Promise<Record<string, AnyClient>> {
  const out: Record<string, AnyClient> = {};
  for (const [key, entry] of registry) out[key] = (await entry).client as AnyClient;
  return out;
}
