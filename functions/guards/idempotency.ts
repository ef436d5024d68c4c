import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { dynamodb } from '../runtime/sdk';

/**
 * The same alarm transition delivered twice (EventBridge and async Lambda are
 * at-least-once) acts once: Powertools idempotency with its DynamoDB
 * persistence layer on the ledger table (pk = `idempotency#recovery-<stage>-<action>`,
 * sk = key hash, TTL `expiresAt`). Key = alarm name + state timestamp + rung,
 * so the next rung of the same incident is a new key.
 *
 * A redelivery after completion gets the first run's stored outcome back with
 * `duplicate: true`; a redelivery while the first is still running gets
 * `duplicate: 'in-progress'`. Either way the wrapped work does not run again.
 * If the work throws, Powertools deletes the record so a retry may act.
 */
export interface IdempotencyKey {
  alarmName: string;
  stateTimestamp: string;
  rung: number;
}

export type Deduplicated<T> = T & { duplicate?: true | 'in-progress' };

/** Keep a transition's record long enough to outlive EventBridge's 24 h retry window. */
const EXPIRES_AFTER_SECONDS = 2 * 24 * 3600;

/** `work(key, input)`: only `key` is hashed; `input` carries this invocation's data. */
export function idempotentByTransition<T extends Record<string, JSONValue>, I extends object>(
  opts: () => { table: string; stage: string; action: string },
  work: (key: IdempotencyKey, input: I) => Promise<T>,
): (key: IdempotencyKey, input: I) => Promise<Deduplicated<T>> {
  let wrapped: ((key: IdempotencyKey, input: I) => Promise<Deduplicated<T>>) | undefined;
  let errors: typeof import('@aws-lambda-powertools/idempotency') | undefined;
  let config: import('@aws-lambda-powertools/idempotency').IdempotencyConfig | undefined;
  return async (key, input) => {
    if (!wrapped) {
      const { table, stage, action } = opts();
      // Loaded on first use: the persistence layer imports the DynamoDB SDK.
      const [idem, { DynamoDBPersistenceLayer }, { client }] = await Promise.all([
        import('@aws-lambda-powertools/idempotency'),
        import('@aws-lambda-powertools/idempotency/dynamodb'),
        dynamodb(),
      ]);
      errors = idem;
      const persistenceStore = new DynamoDBPersistenceLayer({
        tableName: table,
        keyAttr: 'pk',
        sortKeyAttr: 'sk',
        staticPkValue: `idempotency#recovery-${stage}-${action}`,
        expiryAttr: 'expiresAt',
        awsSdkV3Client: client,
      });
      config = new idem.IdempotencyConfig({
        expiresAfterSeconds: EXPIRES_AFTER_SECONDS,
        responseHook: (response) => ({ ...(response as Record<string, JSONValue>), duplicate: true }),
      });
      // makeIdempotent hashes the first argument (dataIndexArgument defaults to 0 for non-handler functions).
      wrapped = idem.makeIdempotent(work, { persistenceStore, config, keyPrefix: `recovery-${action}` }) as never;
    }
    // With the Lambda context, an in-progress record expires when this invocation's time does
    // (a crashed invocation does not block redeliveries for the full record lifetime).
    const lambda = (input as { lambda?: { context?: { getRemainingTimeInMillis?: () => number } } }).lambda?.context;
    if (lambda?.getRemainingTimeInMillis) config!.registerLambdaContext(lambda as never);
    try {
      return await wrapped!(key, input);
    } catch (e) {
      if (errors && e instanceof errors.IdempotencyAlreadyInProgressError) return { duplicate: 'in-progress' } as Deduplicated<T>;
      throw e;
    }
  };
}
