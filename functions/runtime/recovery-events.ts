import { RECOVERY_SOURCE, type DetailType, type RecoveryEventDetail } from '../contracts/recovery-event';
import type { RemediationRequest } from '../contracts/remediation-request';
import { DETAIL_TYPES } from '../contracts/recovery-event';
import { printableDeep } from './printable';
import { events } from './sdk';

/** Puts recovery events on the stack's own bus (source `recovery-stack`); strings from events made printable. */
async function put(bus: string, detailType: string, detail: unknown): Promise<void> {
  const { client, sdk } = await events();
  const out = await client.send(
    new sdk.PutEventsCommand({
      Entries: [{ EventBusName: bus, Source: RECOVERY_SOURCE, DetailType: detailType, Detail: JSON.stringify(printableDeep(detail)) }],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const e = out.Entries?.find((x) => x.ErrorCode);
    throw new Error(`PutEvents to ${bus} rejected ${detailType}: ${e?.ErrorCode} ${e?.ErrorMessage}`);
  }
}

export function putRecoveryEvent(bus: string, detailType: DetailType, detail: RecoveryEventDetail): Promise<void> {
  return put(bus, detailType, detail);
}

/** Escalation to the next rung: the detail is the RemediationRequest itself (bus rule input = $.detail). */
export function putRemediationRequested(bus: string, request: RemediationRequest): Promise<void> {
  return put(bus, DETAIL_TYPES.requested, request);
}
