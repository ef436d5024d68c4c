import { randomUUID } from 'node:crypto';

/** Lambda-shaped context, as the runtime passes it (idempotency reads the remaining time). */
export function lambdaContext(functionName: string, timeoutSeconds = 900) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    functionName,
    functionVersion: '$LATEST',
    awsRequestId: randomUUID(),
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
