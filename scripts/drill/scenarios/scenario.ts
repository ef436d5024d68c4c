import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ALERT_DETAIL_TYPE } from '../../../functions/contracts/alertmanager';
import { Guardrails } from '../../../functions/contracts/guardrails';
import { alarmName } from '../../../functions/contracts/naming';
import type { GapProxy } from '../../sandbox/aws-gaps';
import type { Clients } from '../aws';
import type { CloudWatchStandIn } from '../cloudwatch';
import type { DeliveryLoop } from '../delivery-loop';
import type { Fleet } from '../fleet';
import type { LambdaRunner } from '../lambda-runner';
import type { Timeline } from '../timeline';
import type { Observers } from '../observers';
import type { Deployment } from '../recreate';
import { instance } from './fleet-state';

/**
 * A drill scenario: the fleet it needs, the stack targets that protect that
 * fleet, the fault it injects (playing AWS), and how it judges the outcome
 * from the fleet's REAL state in the emulator (never from the functions' own
 * reports). Scenarios own disjoint resources, so they are independent.
 */
export interface Check {
  what: string;
  passed: boolean;
  detail: string;
}

export interface ScenarioEnv {
  stage: string;
  clients: Clients;
  proxy: GapProxy;
  deployment: Deployment;
  cloudwatch: CloudWatchStandIn;
  loop: DeliveryLoop;
  observers: Observers;
  /** Events/notifications/calls from this scenario only (since it started). */
  since: Date;
  /** The stack's guardrails, as its functions received them (GUARDRAILS). */
  guardrails: Guardrails;
  /** Invokes built bundles directly (e.g. a function URL request, which no rule delivers). */
  runner: LambdaRunner;
  /** The change calendar the stack's config names (Pulumi.<stack>.yaml), read apart from what the functions received. */
  changeCalendar?: string;
}

export interface Judgement {
  outcome: string;
  checks: Check[];
}

export interface Scenario<S = unknown> {
  name: string;
  title: string;
  fault: string;
  expected: string;
  /** What to expect under this stack's guardrails, when that differs (e.g. approval for destructive rungs). */
  expectedUnder?(g: Guardrails): string;
  seed(fleet: Fleet): Promise<S>;
  targets(seed: S): Record<string, unknown>[];
  /** Injects the fault; returns the alarms the played CloudWatch watches. */
  inject(env: ScenarioEnv, seed: S, timeline: Timeline): Promise<string[]>;
  /** Fleet changes made outside the AWS APIs the gap proxy sees (e.g. Kubernetes API calls), for the report. */
  actions?(env: ScenarioEnv, seed: S): string[];
  /**
   * Plays a monitoring system outside AWS (e.g. Prometheus + Alertmanager) on every loop
   * pass, as the played CloudWatch re-evaluates alarms; returns the changes it made.
   */
  play?(env: ScenarioEnv, seed: S, timeline: Timeline): Promise<number>;
  /**
   * Runs once the loop is quiet after the first fault: a further fault (the same one again within
   * the cooldown, the next resource once the circuit breaker has counted the failures). Returns
   * more alarms to watch, if any. The loop then runs until quiet again.
   */
  nextFault?(env: ScenarioEnv, seed: S, timeline: Timeline): Promise<string[]>;
  /** The fleet is healthy again (for time-to-recovered); absent when recovery is not the expected outcome. */
  recovered?(env: ScenarioEnv, seed: S): Promise<boolean>;
  /**
   * Runs once the loop is quiet: the fault clears by itself (playing AWS or the monitoring
   * system), e.g. to see a page handed to humans resolved. The loop then runs until quiet
   * again before the judgement.
   */
  clearFault?(env: ScenarioEnv, seed: S, timeline: Timeline): Promise<void>;
  judge(env: ScenarioEnv, seed: S): Promise<Judgement>;
  /** Undo scenario-wide settings (e.g. the kill switch) whatever happened. */
  cleanup?(env: ScenarioEnv, seed: S): Promise<void>;
}

export function check(what: string, passed: boolean, detail: string): Check {
  return { what, passed, detail };
}

export function alarmOf(env: ScenarioEnv, playbook: string, resourceId: string): string {
  const name = alarmName(env.stage, playbook, resourceId);
  if (!env.deployment.alarms.has(name)) throw new Error(`the synthesized stack has no alarm ${name}`);
  return name;
}

export async function setMode(env: ScenarioEnv, mode: 'auto' | 'dry-run' | 'off'): Promise<void> {
  await env.clients.ssm.send(new PutParameterCommand({ Name: env.deployment.modeParameter, Value: mode, Type: 'String', Overwrite: true }));
}

/** Recovery events of this scenario about one of `ids`. */
export function eventsFor(env: ScenarioEnv, ids: string[], detailType?: string) {
  return env.observers.events.filter(
    (e) =>
      e.at >= env.since &&
      (!detailType || e.detailType === detailType) &&
      ids.includes(String((e.detail.resource as { id?: string } | undefined)?.id ?? '')),
  );
}

/** Notifications (SNS messages) of this scenario that mention one of `ids`. */
export function notificationsFor(env: ScenarioEnv, ids: string[], detailType?: string) {
  return env.observers.notifications.filter((n) => {
    if (n.at < env.since) return false;
    let body: { detailType?: string; resource?: { id?: string } } = {};
    try {
      body = JSON.parse(n.message) as typeof body;
    } catch {
      return false;
    }
    return (!detailType || body.detailType === detailType) && ids.includes(String(body.resource?.id ?? ''));
  });
}

/** Fleet-changing calls the functions made (through the gap proxy) during this scenario. */
export function fleetCalls(env: ScenarioEnv, operation?: string) {
  return env.proxy.calls.filter(
    (c) =>
      c.at >= env.since &&
      c.status < 300 &&
      (operation ? c.operation === operation : isFleetMutation(c.service, c.operation)),
  );
}

export function isFleetMutation(service: string, operation: string): boolean {
  if (service === 'ssm') return operation === 'StartAutomationExecution';
  if (service === 'rds') return !/^(Describe|Get|List)/.test(operation);
  if (service !== 'ec2' && service !== 'autoscaling') return false;
  return !/^(Describe|Get|List)/.test(operation);
}

/** Guardrails of the deployed functions (all action functions get the same JSON). */
export function guardrailsOf(d: Deployment): Guardrails {
  // Any deployed function that has them: a stack (or an --only run) need not deploy ssm-automation.
  const raw = [...d.functions.values()].map((f) => f.env.GUARDRAILS).find((g) => g !== undefined);
  return Guardrails.parse(raw ? JSON.parse(raw) : {});
}

export const APPROVAL_EXPECTED = 'destructive rung handed to humans for approval (requireApprovalForDestructive): fleet unchanged, people paged';

/**
 * With guardrails.requireApprovalForDestructive, a destructive rung must not
 * touch the fleet: the plan goes to people instead. Shared checks for the
 * scenarios whose remedy is destructive.
 */
export function handedToHumansChecks(env: ScenarioEnv, ids: string[]): Check[] {
  const destructive = fleetCalls(env).filter((c) => !(c.service === 'ssm' && c.operation === 'StartAutomationExecution'));
  const paged = notificationsFor(env, ids, 'Remediation Escalated').filter((n) => /approv/i.test(n.message));
  return [
    check('no destructive call', destructive.length === 0, `${destructive.length}: ${destructive.map((c) => `${c.service}:${c.operation}`).join(', ') || 'none'}`),
    check('people paged to approve the plan', paged.length >= 1, `${paged.length} Escalated notification(s) naming the approval`),
  ];
}

/**
 * For the scenarios whose right answer is to do nothing (kill switch, dry-run,
 * Health stand-down, muted alarm): no fleet-changing call, the instance still running, and
 * the reason of the first `Remediation Skipped` told about it.
 */
export async function leftAloneChecks(
  env: ScenarioEnv,
  instanceId: string,
  leftAs: string,
): Promise<{ calls: ReturnType<typeof fleetCalls>; checks: Check[]; skipReason: string; skipped: ReturnType<typeof notificationsFor> }> {
  const calls = fleetCalls(env);
  const inst = await instance(env.clients, instanceId);
  const skipped = notificationsFor(env, [instanceId], 'Remediation Skipped');
  const skipReason = skipped[0] ? String((JSON.parse(skipped[0].message) as { reason?: string }).reason ?? '') : '';
  return {
    calls,
    skipped,
    skipReason,
    checks: [
      check('zero fleet-changing calls', calls.length === 0, calls.length ? calls.map((c) => `${c.service}:${c.operation}`).join(', ') : 'none'),
      check(leftAs, inst?.State?.Name === 'running', `${instanceId}: ${inst?.State?.Name}`),
    ],
  };
}


/**
 * After the fault cleared (at `clearedAt`, with the page of `ids` already out): the notifier,
 * hearing the fault clear through the stack's rule (alarm OK / resolved alert), resolved the
 * one page with the escalation's incident id, people were told once, and nothing else
 * happened: no new page, no other recovery event, no fleet change.
 */
export function pageResolvedChecks(env: ScenarioEnv, ids: string[], clearedAt: Date | undefined): Check[] {
  if (!clearedAt) return [check('the fault was cleared after the page', false, 'the fault was never cleared (the loop did not go quiet?)')];
  const incident = (d: Record<string, unknown>) => String(d.incidentId ?? '');
  const escalated = eventsFor(env, ids, 'Remediation Escalated').filter((e) => e.at < clearedAt);
  const resolved = eventsFor(env, ids, 'Remediation Resolved');
  const paged = escalated.map((e) => incident(e.detail));
  const toNotifier = env.loop.deliveries.filter((d) => d.at >= clearedAt && d.fn === 'notifier');
  const byNotifier = resolved.filter((e) => {
    const ev = (e.detail.evidence ?? {}) as Record<string, unknown>;
    // The notifier's clearing path (paging.ts resolveClearedFault) says how it heard; the pager's re-read says resolvedBy.
    return ev.resolvedBy === undefined && (ev.alarmState === 'OK' || ev.alertStatus === 'resolved');
  });
  const told = notificationsFor(env, ids, 'Remediation Resolved').filter((n) => (JSON.parse(n.message) as { incidentId?: string }).incidentId === paged[0]);
  // The clearing itself may be news on the bus (the webhook puts the resolved alert): that is the fault, not the stack acting.
  const clearing = (e: { detailType: string; detail: Record<string, unknown> }) => e.detailType === ALERT_DETAIL_TYPE && e.detail.status === 'resolved';
  const after = env.observers.events.filter((e) => e.at >= clearedAt && e.detailType !== 'Remediation Resolved' && !clearing(e));
  const notifiedAfter = env.observers.notifications.filter((n) => n.at >= clearedAt && !told.includes(n));
  const changed = fleetCalls(env).filter((c) => c.at >= clearedAt);
  return [
    check('one page before the fault cleared', escalated.length === 1, `${escalated.length} Escalated event(s): ${paged.join(', ') || 'none'}`),
    check(
      'the notifier resolved that page once the fault cleared',
      resolved.length === 1 && byNotifier.length === 1 && incident(resolved[0].detail) === paged[0] && toNotifier.length >= 1,
      `${resolved.length} Resolved event(s) (${resolved.map((e) => incident(e.detail)).join(', ') || 'none'}), ${byNotifier.length} from the clearing; ${toNotifier.length} notifier delivery(ies) after the clearing${resolved[0] ? `: ${String(resolved[0].detail.reason ?? '').slice(0, 140)}` : ''}`,
    ),
    check('people told once that it is resolved', told.length === 1, `${told.length} Resolved notification(s) for ${paged[0] ?? 'no incident'}`),
    check(
      'nothing else after the clearing (no page, event or fleet change)',
      after.length === 0 && notifiedAfter.length === 0 && changed.length === 0,
      `${after.map((e) => e.detailType).join(', ') || 'no other event'}; ${notifiedAfter.length} other notification(s); ${changed.length} fleet change(s)`,
    ),
  ];
}
