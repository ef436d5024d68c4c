import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** SQS queues: all encrypted with SQS-managed SSE; 14 days retention for anything that failed. */
const FOURTEEN_DAYS = 14 * 24 * 3600;

/** Where undeliverable EventBridge events and failed async Lambda invocations land. */
export function deadLetterQueue(name: string, opts: pulumi.CustomResourceOptions): aws.sqs.Queue {
  return new aws.sqs.Queue(
    name,
    { name, sqsManagedSseEnabled: true, messageRetentionSeconds: FOURTEEN_DAYS, tags: { 'recovery-stack:role': 'dead-letter' } },
    opts,
  );
}

/**
 * Verification requests: actions send with DelaySeconds = verifyAfterSeconds;
 * the verifier consumes. Poison messages go to the DLQ after 5 receives.
 */
export function verifyQueue(
  name: string,
  args: { verifierTimeoutSeconds: number; deadLetterArn: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): aws.sqs.Queue {
  return new aws.sqs.Queue(
    name,
    {
      name,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 4 * 24 * 3600,
      // AWS guidance for Lambda event sources: at least 6x the function timeout.
      visibilityTimeoutSeconds: Math.max(30, args.verifierTimeoutSeconds * 6),
      redrivePolicy: pulumi.output(args.deadLetterArn).apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: 5 })),
      tags: { 'recovery-stack:role': 'verify' },
    },
    opts,
  );
}
