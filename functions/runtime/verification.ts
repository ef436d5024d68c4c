import * as z from 'zod/mini';
import { ResourceRef } from '../contracts/recovery-event';
import { RemediationRequest } from '../contracts/remediation-request';
import { sqs } from './sdk';

/** What actions send to the verify queue and the verifier reads back. */
export const VerificationMessage = z.object({
  request: RemediationRequest,
  actedAt: z.string(),
  /** The resource as diagnosed (with its blast-radius group, whose slot the verifier releases). */
  resource: z.optional(ResourceRef),
  /**
   * The alarm that watches what now does the work, when the action put a successor in the faulted resource's place
   * (a standalone replacement, a restored volume: functions/runtime/carried-protection.ts). The fault's own alarm
   * watches the retired resource and goes OK because it stopped reporting, which proves nothing; the
   * successor's says whether the workload is healthy. Same playbook as the fault (the verifier checks).
   */
  successorAlarm: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
});
export type VerificationMessage = z.infer<typeof VerificationMessage>;

export async function scheduleVerification(queueUrl: string, message: VerificationMessage, delaySeconds: number): Promise<void> {
  const { client, sdk } = await sqs();
  await client.send(
    new sdk.SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message),
      // SQS caps DelaySeconds at 900, as does the playbook schema.
      DelaySeconds: Math.max(0, Math.min(900, Math.floor(delaySeconds))),
    }),
  );
}
