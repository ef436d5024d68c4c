import type { AlarmStateChangeEvent } from '../contracts/alarm-event';
import type { AlertFaultEvent } from '../contracts/alertmanager';
import type { FaultEvent } from '../contracts/remediation-request';
import { cloudwatch, documentClient } from './sdk';

/**
 * What the runtime needs to know about a fault, whichever kind it is: a name
 * (alarm name, or `alertmanager/<alertname>/<fingerprint>`) and the moment it
 * started (alarm state timestamp, or the alert's startsAt). Name + moment
 * identify one transition: the idempotency key and the incident id.
 */
export function isAlert(e: FaultEvent): e is AlertFaultEvent {
  return e['detail-type'] === 'Alertmanager Alert';
}

export function isAlarm(e: FaultEvent): e is AlarmStateChangeEvent {
  return e['detail-type'] === 'CloudWatch Alarm State Change';
}

export function faultName(e: FaultEvent): string {
  return isAlert(e) ? `alertmanager/${e.detail.alertName}/${e.detail.fingerprint}` : e.detail.alarmName;
}

export function faultTimestamp(e: FaultEvent): string {
  return isAlert(e) ? e.detail.startsAt : e.detail.state.timestamp;
}

/** For messages: `alarm <name>` or `alert <alertname> (<fingerprint>) on <deployment>`. */
export function faultLabel(e: FaultEvent): string {
  return isAlert(e) ? `alert ${e.detail.alertName} (${e.detail.fingerprint}) on ${e.detail.deployment.id}` : `alarm ${e.detail.alarmName}`;
}

export interface FaultState {
  /** CloudWatch's vocabulary for both kinds: an alert that resolved is OK, one still firing is ALARM. */
  state?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason?: string;
  /** faultLabel of the fault. */
  label: string;
}

/**
 * The fault's state now: the alarm as CloudWatch reports it, or the alert as
 * the webhook last recorded it in the ledger (Alertmanager sends resolved
 * notifications; `alert#<fingerprint>/state`). A record of another firing of
 * the same alert (different startsAt) says nothing about this one.
 */
export async function faultState(ledgerTable: string, e: FaultEvent): Promise<FaultState> {
  const label = faultLabel(e);
  if (isAlert(e)) {
    const { client, sdk } = await documentClient();
    // Strongly consistent: a resolution the webhook recorded just before must be seen (functions/runtime/paging.ts).
    const item = (await client.send(new sdk.GetCommand({ TableName: ledgerTable, Key: { pk: `alert#${e.detail.fingerprint}`, sk: 'state' }, ConsistentRead: true }))).Item;
    if (!item || item.startsAt !== e.detail.startsAt) return { label, reason: item ? `the recorded alert started at ${item.startsAt}` : 'no alert state recorded' };
    return item.status === 'resolved' ? { state: 'OK', label, reason: `resolved (endsAt ${item.endsAt ?? 'unknown'})` } : { state: 'ALARM', label, reason: `still firing (last update ${item.updatedAt})` };
  }
  const { client, sdk } = await cloudwatch();
  const out = await client.send(new sdk.DescribeAlarmsCommand({ AlarmNames: [e.detail.alarmName] }));
  const alarm = out.MetricAlarms?.[0] ?? out.CompositeAlarms?.[0];
  return { state: alarm?.StateValue as FaultState['state'], reason: alarm?.StateReason, label };
}
