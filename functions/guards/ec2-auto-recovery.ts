import type { InstanceFacts } from '../runtime/diagnosis';
import { waitFor, WaitTimeout } from '../runtime/poll';
import { ec2, health } from '../runtime/sdk';
import { allow, deny, type Verdict } from './verdict';

/**
 * EC2 simplified automatic recovery acts on the same system status check failure the ec2-system-status
 * playbook acts on: it moves the instance to another host, keeping its id, private and Elastic IPs, public
 * IPv4 address, EBS volumes and metadata (in-memory and instance store data are lost), and reports the
 * outcome as an AWS Health event for the instance (EC2 User Guide, "Configure simplified automatic
 * recovery", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-configuration-recovery.html, and
 * "Recover your instance", .../ec2-instance-recover.html). A stop/start or a replacement of ours during that
 * migration races it, so where it applies we wait for its outcome first:
 *   - SUCCESS: skip, naming EC2's recovery (no escalation: the alarm goes OK by itself);
 *   - FAILURE, or no outcome within guardrails.awaitEc2AutoRecoverySeconds: act as before.
 *
 * Pure: ec2RecoveryApplies (from the diagnosed instance) and recoveryOutcome (from Health events). The
 * reads (DescribeInstanceTypes, Health DescribeEvents) and the polling are in awaitEc2AutoRecovery.
 */
export const EC2_RECOVERY_SUCCEEDED = 'AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS';
export const EC2_RECOVERY_FAILED = 'AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE';
const OUTCOME_CODES = [EC2_RECOVERY_SUCCEEDED, EC2_RECOVERY_FAILED];

/** Outcomes of EC2's recovery of one instance: not open provider issues (see ./health.ts). */
export function isEc2RecoveryOutcome(eventTypeCode: string | undefined): boolean {
  return eventTypeCode !== undefined && OUTCOME_CODES.includes(eventTypeCode);
}

/** The playbook of the system status check alarm (infra/alarms/ec2-system-status.ts). */
export const SYSTEM_STATUS_PLAYBOOK = 'ec2-system-status';

/**
 * The detector's own playbook, or one a target's own ladder made of it (`<detector>.<rungs>` or
 * `<detector>.<hash>`, infra/playbooks.ts): both are system status faults.
 */
export function isSystemStatusPlaybook(playbook: string): boolean {
  return playbook === SYSTEM_STATUS_PLAYBOOK || playbook.startsWith(`${SYSTEM_STATUS_PLAYBOOK}.`);
}

/**
 * EC2 starts recovering on the first failed system status check; the alarm confirms the fault only after
 * two one-minute periods (infra/alarms/ec2-system-status.ts), so an outcome may be dated a little before
 * the alarm's transition. Outcomes older than this before it belong to an earlier fault.
 */
export const OUTCOME_LOOKBACK_MS = 10 * 60_000;

export interface Applicability {
  applies: boolean;
  why: string;
}

/**
 * Whether EC2's own recovery covers this fault, from what diagnosis read. The User Guide's requirements
 * that can be read: an instance type that supports it (DescribeInstanceTypes AutoRecoverySupported; types
 * with instance store volumes do not), the `running` state, `default` or `dedicated` tenancy (not `host`),
 * and MaintenanceOptions.AutoRecovery not `disabled` (`default` is on for supported types). Only system
 * status faults: EC2 does not recover an instance status (OS) failure. Not for Auto Scaling group members:
 * their group's EC2 health check replaces an impaired member, and replace-instance keeps its volumes.
 * `typeSupported` undefined: it could not be read, so EC2's recovery is not counted on.
 */
export function ec2RecoveryApplies(playbook: string, instance: InstanceFacts | undefined, typeSupported: boolean | undefined): Applicability {
  const no = (why: string): Applicability => ({ applies: false, why });
  if (!isSystemStatusPlaybook(playbook)) return no(`playbook ${playbook} is not a system status fault: EC2 recovers only system status check failures`);
  if (!instance) return no('no instance diagnosed');
  const id = instance.instanceId;
  if (instance.autoScalingGroupName) return no(`${id} is a member of Auto Scaling group ${instance.autoScalingGroupName}: the group replaces an impaired member`);
  if (instance.state !== 'running') return no(`${id} is ${instance.state}: EC2 recovers only running instances`);
  if (instance.tenancy === 'host') return no(`${id} runs on a Dedicated Host (tenancy host): simplified automatic recovery does not apply`);
  if (instance.autoRecovery === 'disabled') return no(`${id} has MaintenanceOptions.AutoRecovery disabled`);
  if (typeSupported === undefined) return no(`whether instance type ${instance.instanceType ?? 'unknown'} supports simplified automatic recovery could not be read`);
  if (!typeSupported) return no(`instance type ${instance.instanceType} does not support simplified automatic recovery`);
  return { applies: true, why: `${id} (${instance.instanceType}, AutoRecovery ${instance.autoRecovery ?? 'default'}) is recovered by EC2 on a system status check failure` };
}

export interface OutcomeEvent {
  arn?: string;
  eventTypeCode?: string;
  startTime?: Date;
  lastUpdatedTime?: Date;
}

/** EC2's latest recovery outcome for the instance among `events` dated from `since` on, if any. */
export function recoveryOutcome(events: OutcomeEvent[], since: Date): { outcome: 'succeeded' | 'failed'; event: OutcomeEvent } | undefined {
  const at = (e: OutcomeEvent) => (e.lastUpdatedTime ?? e.startTime ?? new Date(0)).getTime();
  const latest = events
    .filter((e) => isEc2RecoveryOutcome(e.eventTypeCode) && at(e) >= since.getTime())
    .sort((a, b) => at(b) - at(a))[0];
  if (!latest) return undefined;
  return { outcome: latest.eventTypeCode === EC2_RECOVERY_SUCCEEDED ? 'succeeded' : 'failed', event: latest };
}

/** Instance type support never changes: read once per container. */
const typeSupport = new Map<string, boolean>();

async function readTypeSupport(instanceType: string | undefined): Promise<{ supported?: boolean; error?: string }> {
  if (!instanceType) return { error: 'instance type unknown' };
  if (typeSupport.has(instanceType)) return { supported: typeSupport.get(instanceType) };
  try {
    const { client, sdk } = await ec2();
    const t = (await client.send(new sdk.DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as never] }))).InstanceTypes?.[0];
    if (t?.AutoRecoverySupported === undefined) return { error: `DescribeInstanceTypes named no AutoRecoverySupported for ${instanceType}` };
    typeSupport.set(instanceType, t.AutoRecoverySupported);
    return { supported: t.AutoRecoverySupported };
  } catch (e) {
    return { error: `DescribeInstanceTypes: ${(e as { name?: string }).name ?? (e as Error).message}` };
  }
}

/** AWS Health DescribeEvents (API reference: filter.eventTypeCodes, entityValues, startTimes), this instance only. */
async function readOutcomeEvents(instanceId: string, region: string, since: Date): Promise<OutcomeEvent[]> {
  const { client, sdk } = await health();
  const out = await client.send(
    new sdk.DescribeEventsCommand({
      filter: { services: ['EC2'], regions: [region], eventTypeCodes: OUTCOME_CODES, entityValues: [instanceId], startTimes: [{ from: since }] },
      maxResults: 10,
    }),
  );
  return (out.events ?? []).map((e) => ({ arn: e.arn, eventTypeCode: e.eventTypeCode, startTime: e.startTime, lastUpdatedTime: e.lastUpdatedTime }));
}

export interface AwaitOptions {
  playbook: string;
  instance: InstanceFacts | undefined;
  region: string;
  /** When the fault's alarm went to ALARM (ISO). */
  faultAt: string;
  /** How long to wait at most (guardrails.awaitEc2AutoRecoverySeconds, already cut to the function's time). */
  waitMs: number;
  pollIntervalMs: number;
}

/**
 * deny = EC2 recovered the instance (skip, naming it); allow = act, with `ec2AutoRecovery` evidence saying
 * whether it applied, what was waited for and what EC2 reported. Health that cannot be read means acting,
 * as the Health stand-down does: every other guard still applies.
 */
export async function awaitEc2AutoRecovery(o: AwaitOptions): Promise<Verdict> {
  if (!isSystemStatusPlaybook(o.playbook)) return allow();
  const type = o.instance && ec2RecoveryApplies(o.playbook, o.instance, true).applies ? await readTypeSupport(o.instance.instanceType) : {};
  const verdict = ec2RecoveryApplies(o.playbook, o.instance, type.supported);
  const evidence: Record<string, unknown> = { applies: verdict.applies, why: verdict.why, ...(type.error ? { typeSupportError: type.error } : {}) };
  if (!verdict.applies) return allow({ ec2AutoRecovery: evidence });
  const instanceId = o.instance!.instanceId;
  const since = new Date(Date.parse(o.faultAt) - OUTCOME_LOOKBACK_MS);
  const started = Date.now();
  let found;
  try {
    found = await waitFor(`EC2's recovery outcome for ${instanceId}`, async () => recoveryOutcome(await readOutcomeEvents(instanceId, o.region, since), since), {
      intervalMs: o.pollIntervalMs,
      deadline: started + Math.max(0, o.waitMs),
    });
  } catch (e) {
    const waitedMs = Date.now() - started;
    if (e instanceof WaitTimeout) {
      return allow({
        ec2AutoRecovery: { ...evidence, outcome: 'none', waitedMs, note: `no outcome from EC2 within ${Math.round(o.waitMs / 1000)} s (waited ${Math.round(waitedMs / 1000)} s): acting` },
      });
    }
    const error = (e as { name?: string }).name ?? (e as Error).message;
    return allow({ ec2AutoRecovery: { ...evidence, outcome: 'unknown', healthError: error, waitedMs, note: `AWS Health not readable (${error}): acting` } });
  }
  const waitedMs = Date.now() - started;
  if (found.outcome === 'succeeded') {
    return deny(`EC2 simplified automatic recovery recovered ${instanceId} (${found.event.eventTypeCode}): same instance, IPs and volumes; not acting, the alarm will go OK`, {
      ec2AutoRecovery: { ...evidence, outcome: 'succeeded', event: found.event.arn, waitedMs },
    });
  }
  return allow({ ec2AutoRecovery: { ...evidence, outcome: 'failed', event: found.event.arn, waitedMs, note: `EC2 could not recover ${instanceId}: acting` } });
}
