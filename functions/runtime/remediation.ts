/**
 * The path every action function runs: validate -> idempotency (the
 * diagnosis's first read already under way) -> kill switch and the
 * other guards -> diagnose -> reserve (cooldown, attempts, group slot)
 * -> act, or plan in dry-run -> ledger + recovery event -> schedule
 * verification, or on failure move up the ladder. Every skip is recorded with
 * its reason. Validation failures throw before any AWS call.
 */

import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { ActionDeclaration } from '../actions/declaration';
import { DETAIL_TYPES, type RecoveryEventDetail, type ResourceRef } from '../contracts/recovery-event';
import type { RemediationRequest } from '../contracts/remediation-request';
import { RUNGS } from '../contracts/rungs';
import { checkAlarmMuteRules } from '../guards/alarm-mute';
import { checkBreaker, recordFailure } from '../guards/circuit-breaker';
import { checkChangeCalendar } from '../guards/change-calendar';
import { reserveAttempt } from '../guards/cooldown';
import { acquireSlot, releaseSlot } from '../guards/group-cap';
import { awaitEc2AutoRecovery } from '../guards/ec2-auto-recovery';
import { judgeHealth, readHealthIssues } from '../guards/health';
import { idempotentByTransition } from '../guards/idempotency';
import { cachedMode, readMode, type Mode, type ModeReading } from '../guards/kill-switch';
import type { Verdict } from '../guards/verdict';
import type { ActionContext } from './action-context';
import { diagnose, type Diagnosers, type Diagnosis } from './diagnosis';
import { loadEnv, type RuntimeEnv } from './env';
import { after, escalate } from './ladder';
import { pageHumans } from './paging';
import { logger, withLambdaContext } from './logger';
import { recordOutcome, type Outcome } from './metrics';
import { reject, type Rejection } from './rejection';
import { clientToken, incidentIdOf, InvalidRequest, parseRequest, rungOf } from './request';
import { resolveResource } from './resource';
import { faultName, faultState, faultTimestamp, isAlarm, type FaultState } from './fault';
import { ConcurrentReads } from './concurrent-reads';
import { scheduleVerification } from './verification';
import { allLanded, recordAndAnnounce } from './recorder';
import type { CarriedProtection } from './carried-protection';
import { alarmNamePrefix } from '../contracts/naming';
import { decide, judgeReservations, type DecisionInput, type Reading, type Readings } from './decision';

export interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
  functionName?: string;
}

export interface RemediationOutcome {
  [k: string]: JSONValue | undefined;
  incidentId: string;
  outcome: Outcome;
  reason?: string;
  duplicate?: true | 'in-progress';
}

type ActionEnv = Pick<RuntimeEnv, 'stage' | 'account' | 'region' | 'ledgerTable' | 'eventBus' | 'modeParameter' | 'verifyQueueUrl' | 'guardrails' | 'pollIntervalMs' | 'modeCacheSeconds'> &
  Partial<RuntimeEnv>;

/**
 * How long an incident may hold its group slot: each remaining rung may take a
 * full Lambda run (900 s) plus its verification delay, with room for the
 * verifier's INSUFFICIENT_DATA re-checks; never less than two hours.
 */
function slotLeaseSeconds(request: RemediationRequest): number {
  const rungsLeft = request.playbook.ladder.length - request.rung;
  return Math.max(2 * 3600, rungsLeft * (900 + request.playbook.verifyAfterSeconds) * 3);
}

/** Time kept back from the Lambda's remaining time for recording the outcome. */
const SAFETY_MARGIN_MS = 20_000;

/**
 * `diagnosers`: one per resource kind the action acts on (./diagnosis/*). Named
 * by the handler so its bundle carries only the AWS clients those kinds need.
 */
export function actionHandler(decl: ActionDeclaration, diagnosers: Diagnosers) {
  const log = logger(decl.name);
  let env: ActionEnv | undefined;
  const guarded = idempotentByTransition(
    () => ({ table: env!.ledgerTable, stage: env!.stage, action: decl.name }),
    // The idempotency key is the transition; the second argument carries this invocation's parsed request
    // and the guard reads already under way (see the handler).
    async (_key, input: { request: RemediationRequest; incidentId: string; env: ActionEnv; reads: GuardReads; recorded: () => void; lambda?: { context?: LambdaContextLike } }) => {
      // Called only once this delivery's idempotency record is written: the reads waiting on it may go.
      input.recorded();
      return decideAndAct(decl, input.reads, input.env, input.request, input.incidentId, input.lambda?.context) as Promise<RemediationOutcome>;
    },
  );

  return async function handler(event: unknown, context?: LambdaContextLike): Promise<RemediationOutcome | Rejection> {
    withLambdaContext(log, context);
    // Read per invocation (cheap): a changed environment is never half-applied.
    env = loadEnv(['stage', 'account', 'region', 'ledgerTable', 'eventBus', 'modeParameter', 'verifyQueueUrl', 'guardrails']) as ActionEnv;
    let request: RemediationRequest;
    try {
      request = parseRequest(event, decl.name, { stage: env.stage, own: { account: env.account, region: env.region }, now: Date.now() });
      const params = decl.input.safeParse(RUNGS[rungOf(request)].params);
      if (!params.success) throw new InvalidRequest(`rung ${rungOf(request)} has invalid params for ${decl.name}: ${params.error.message}`);
      resolveResource(request.event);
    } catch (e) {
      if (!(e instanceof InvalidRequest)) throw e;
      // Malformed, foreign or not this stack's: nothing done, nobody paged; logged, counted and kept once.
      return reject({ fn: decl.name, table: env.ledgerTable, raw: event, reason: e.message });
    }
    const incidentId = incidentIdOf(request);
    // The diagnosis's first read (the lookup the rest of it depends on) starts now, alongside the
    // idempotency record's conditional write rather than after it; the other reads start once the record
    // is written, still one round trip before they are needed. All are read-only: a duplicate delivery
    // wastes the one lookup, and nothing reserving or mutating runs before the record is written (decide
    // runs inside the idempotent call).
    const reads = new ConcurrentReads();
    let written = () => {};
    let notWritten: (e: Error) => void = () => {};
    const recorded = new Promise<void>((resolve, reject) => ((written = resolve), (notWritten = reject)));
    recorded.catch(() => undefined);
    try {
      const out = await guarded(
        { alarmName: faultName(request.event), stateTimestamp: faultTimestamp(request.event), rung: request.rung },
        { request, incidentId, env, reads: startGuardReads(reads, env, request, resolveResource(request.event), diagnosers, recorded), recorded: written, lambda: { context } },
      );
      if (out.duplicate) {
        // A redelivery of a transition already handled (or being handled): record it, act not.
        const detail = baseDetail(env, request, incidentId, { ...resolveResource(request.event) }, 'auto');
        const reason =
          out.duplicate === 'in-progress'
            ? 'duplicate delivery of this alarm transition while the first is still running'
            : `duplicate delivery of this alarm transition; already handled (${out.outcome})`;
        await skipRecord(env, { ...detail, reason }, log);
        return { incidentId, outcome: 'skipped', reason, duplicate: out.duplicate };
      }
      return out;
    } finally {
      // No record written (a duplicate, or the write failed): the reads still waiting on it are not sent.
      notWritten(new Error('not read: no idempotency record was written for this delivery'));
      // A skip, a duplicate or an error may come before some reads are taken: let them finish, none left in flight.
      await reads.settled();
    }
  };
}

function baseDetail(env: ActionEnv, request: RemediationRequest, incidentId: string, resource: RecoveryEventDetail['resource'], mode: Mode): RecoveryEventDetail {
  return {
    incidentId,
    stage: env.stage,
    playbook: request.playbook.name,
    rung: request.rung,
    action: RUNGS[rungOf(request)].action,
    resource,
    mode,
    at: new Date().toISOString(),
  };
}

/** The successor's alarm of the fault's playbook, when the action carried protection to a successor (carried-protection.ts). */
function successorOf(detail: Record<string, unknown> | undefined, stage: string, playbook: string): { successorAlarm?: string } {
  const carried = (detail?.protection as CarriedProtection | undefined)?.carried ?? [];
  const name = carried.find((n) => n.startsWith(alarmNamePrefix(stage, playbook)));
  return name ? { successorAlarm: name } : {};
}

/** A read's outcome as a value: the decision judges a failure in its turn. */
async function settled<T>(read: () => Promise<T>): Promise<Reading<T>> {
  return read().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function skipRecord(env: ActionEnv, detail: RecoveryEventDetail, log: Pick<ReturnType<typeof logger>, 'info'>): Promise<void> {
  log.info('remediation skipped', { reason: detail.reason, evidence: detail.evidence });
  await recordAndAnnounce(env, DETAIL_TYPES.skipped, detail);
}

/** The AWS Health service code whose open issues stand the remediation down. */
function healthService(type: ResourceRef['type']): string {
  switch (type) {
    case 'rds-instance':
      return 'RDS';
    case 'lambda-alias':
      return 'LAMBDA';
    case 'ecs-service':
      return 'ECS';
    case 'kubernetes-deployment':
      return 'EKS';
    default:
      return 'EC2';
  }
}

/** The read-only checks that can veto, and the diagnosis, each started once (see startGuardReads). */
interface GuardReads {
  mode: () => Promise<ModeReading>;
  changeCalendar: () => Promise<Verdict>;
  /** Alarm mute rules in force on the fault's alarm (CloudWatch alarm faults only). */
  alarmMute: () => Promise<Verdict>;
  breaker: () => Promise<Verdict>;
  diagnosis: () => Promise<Diagnosis>;
  fault: () => Promise<FaultState>;
  health: () => Promise<Verdict>;
}

/**
 * Starts every read-only check that can veto, and the diagnosis, at once: each
 * is a round trip that waits on no other (AWS Health is read for the whole
 * region and judged for the instance's AZ once the diagnosis names it), so
 * the wait before the first decision is the slowest read rather than their
 * sum. The handler calls this alongside the idempotency record's write; only
 * the diagnosis's first read goes before `recorded` (the record is written),
 * the rest wait for it. decide still judges the results one by one in the
 * order the checks have always run (the reason reported is the same as in
 * sequence), and sends nothing reserving or mutating before all of them have
 * passed. None of these reads writes anything.
 */
function startGuardReads(reads: ConcurrentReads, env: ActionEnv, request: RemediationRequest, resource: ResourceRef, diagnosers: Diagnosers, recorded: Promise<void>): GuardReads {
  const known = cachedMode(env.modeParameter, env.modeCacheSeconds);
  if (known?.mode === 'off') {
    // Stood down, and known without a call: read nothing else (an alarm storm while off costs no fleet reads).
    const unread = () => Promise.reject(new Error('not read: the kill switch is off'));
    return { mode: async () => known, changeCalendar: unread, alarmMute: unread, breaker: unread, diagnosis: unread, fault: unread, health: unread };
  }
  const diagnosis = reads.start(() => diagnose(resource, diagnosers, recorded));
  const whenRecorded = <T>(read: () => Promise<T>) => reads.start(() => recorded.then(read));
  const healthIssues = whenRecorded(() =>
    readHealthIssues({ enabled: env.guardrails.standDownOnHealthEvents, service: healthService(resource.type), region: env.region, maxAgeSeconds: env.modeCacheSeconds }),
  );
  return {
    mode: whenRecorded(() => readMode(env.modeParameter, env.modeCacheSeconds)),
    changeCalendar: whenRecorded(() => checkChangeCalendar(env.changeCalendar, env.modeCacheSeconds)),
    alarmMute: whenRecorded(() => checkAlarmMuteRules(isAlarm(request.event) ? request.event.detail.alarmName : undefined)),
    breaker: whenRecorded(() => checkBreaker(env.ledgerTable, request.playbook.name)),
    diagnosis,
    // A read that fails is thrown (decide): the delivery is retried, never acted on without knowing the alarm.
    fault: whenRecorded(() => faultState(env.ledgerTable, request.event)),
    // Which of the region's open issues count waits for the diagnosis to name the AZ.
    health: reads.start(async () => {
      const d = await diagnosis();
      return judgeHealth(await healthIssues(), d.instance?.availabilityZone ?? d.dbInstance?.availabilityZone);
    }),
  };
}

async function decideAndAct(
  decl: ActionDeclaration,
  reads: GuardReads,
  env: ActionEnv,
  request: RemediationRequest,
  incidentId: string,
  lambdaContext?: LambdaContextLike,
): Promise<RemediationOutcome> {
  const started = Date.now();
  // A child per invocation: keys never leak between concurrent invocations in one process (drill, bench).
  const log = logger(decl.name).createChild({ persistentKeys: { incidentId, alarmName: faultName(request.event), rung: request.rung } });
  const params = decl.input.parse(RUNGS[rungOf(request)].params);
  const resource = resolveResource(request.event);
  const modeReading = await reads.mode();
  const mode = modeReading.mode;
  let detail = baseDetail(env, request, incidentId, resource, mode);
  const finish = (outcome: Outcome, reason?: string): RemediationOutcome => {
    recordOutcome(decl.name, { outcome, action: decl.name, playbook: request.playbook.name, durationMs: Date.now() - started });
    return { incidentId, outcome, ...(reason ? { reason } : {}) };
  };
  /**
   * `page`: a guard that gives up on a fault that is still failing (the circuit breaker, cooldown, attempts
   * per day): automation will not try again for it, so people must know: after the skip is recorded,
   * humans are paged (Escalated, filed under the fault: its recovery resolves the page). Stand-downs that
   * people or AWS chose (kill switch, calendar, mute rule, Health) and the group cap (others are being
   * fixed) page nobody; nor does dry-run, where nothing would have been done.
   */
  const skip = async (reason: string, evidence: Record<string, unknown>, opts: { release?: boolean; page?: boolean } = {}) => {
    detail = { ...detail, reason, evidence };
    await skipRecord(env, detail, log);
    if (opts.page && mode !== 'dry-run') {
      await pageHumans(env, request.event, { ...detail, at: after(detail.at), reason: `${reason}; automation stands down on a fault still failing: paging humans` });
    }
    // An incident that stops here gives back its blast-radius slot (escalations may hold one).
    if (opts.release !== false && detail.resource.group && detail.resource.group !== 'standalone') {
      await releaseSlot(env.ledgerTable, detail.resource.group, incidentId);
    }
    return finish('skipped', reason);
  };

  // Every read was started at once (startGuardReads); the decision takes them all, in its own order (./decision.ts).
  const readings: Readings = {
    mode: modeReading,
    changeCalendar: await settled(reads.changeCalendar),
    alarmMute: await settled(reads.alarmMute),
    fault: await settled(reads.fault),
    diagnosis: await settled(reads.diagnosis),
    health: await settled(reads.health),
    breaker: await settled(reads.breaker),
  };
  const input: DecisionInput = {
    readings,
    action: {
      name: decl.name,
      destructive: decl.destructive,
      standDown: decl.standDown && ((d) => decl.standDown!(d, params)),
      fits: decl.fits && ((d) => decl.fits!(d, params)),
      plan: decl.plan && ((d) => decl.plan!(d, params)),
    },
    rung: request.rung,
    rungName: rungOf(request),
    modeParameter: env.modeParameter,
    requireApprovalForDestructive: env.guardrails.requireApprovalForDestructive,
  };
  const dryRun = mode === 'dry-run';
  let decision = decide(input);
  if (decision.kind === 'read-ec2-auto-recovery') {
    // A system status fault EC2 recovers itself: wait for its outcome before racing it (the first rung only;
    // later rungs, and dry-run, read it once). EC2 succeeded = skip without escalation; else act as before.
    const waitMs =
      request.rung === 0 && !dryRun
        ? Math.min(env.guardrails.awaitEc2AutoRecoverySeconds * 1000, Math.max(0, ((lambdaContext?.getRemainingTimeInMillis?.() ?? 10 * 60_000) - SAFETY_MARGIN_MS) / 2))
        : 0;
    const instance = decision.diagnosis.instance;
    readings.ec2AutoRecovery = await settled(() =>
      awaitEc2AutoRecovery({ playbook: request.playbook.name, instance, region: env.region, faultAt: faultTimestamp(request.event), waitMs, pollIntervalMs: env.pollIntervalMs }),
    );
    decision = decide(input);
  }
  if (decision.kind === 'read-ec2-auto-recovery') throw new Error('decision asked for EC2 auto recovery twice');
  if (decision.kind === 'retry') throw decision.error;
  if (decision.diagnosis) detail = { ...detail, resource: decision.diagnosis.resource };
  if (decision.kind === 'skip') return skip(decision.reason, decision.evidence, decision);
  if (decision.kind === 'escalate') {
    detail = { ...detail, reason: decision.reason, evidence: { ...decision.evidence, ...(decision.plan ? { plan: decision.plan } : {}) } };
    await skipRecord(env, detail, log);
    if (!dryRun) await escalate(env, request, detail, decision.reason);
    return finish('skipped', decision.reason);
  }
  const { diagnosis, evidence, plan } = decision;

  // Reservations (conditional writes; evaluated read-only in dry-run).
  const target = diagnosis.instance?.instanceId ?? resource.id;
  const attempt = await reserveAttempt({ table: env.ledgerTable, resourceId: target, incidentId, guardrails: env.guardrails, dryRun });
  Object.assign(evidence, attempt.evidence ?? {});
  const slot =
    attempt.ok && diagnosis.resource.group !== 'standalone'
      ? await acquireSlot({
          table: env.ledgerTable,
          group: diagnosis.resource.group,
          groupSize: diagnosis.groupSize,
          incidentId,
          guardrails: env.guardrails,
          dryRun,
          leaseSeconds: slotLeaseSeconds(request),
        })
      : undefined;
  const reserved = judgeReservations(attempt, slot);
  if (reserved.kind === 'skip') {
    if (reserved.returnAttempt) evidence.attemptReturned = (await attempt.undo?.()) ?? false;
    Object.assign(evidence, slot?.evidence ?? {});
    // A refused slot was never taken: none to release.
    return skip(reserved.reason, evidence, { page: reserved.page, release: !reserved.returnAttempt });
  }
  Object.assign(evidence, slot?.evidence ?? {});

  if (dryRun) {
    log.info('dry-run plan', { plan });
    return skip('dry-run: guards passed; this is what would be done', { ...evidence, plan }, { release: false });
  }

  // Act.
  detail = { ...detail, evidence: { ...evidence, plan } };
  // Announce and record the start together (two independent writes, neither a guard): every guard has
  // passed and both must land before acting; if either fails, nothing is done and the first error in
  // this order (event, then ledger) is thrown, as when they ran one after the other.
  await recordAndAnnounce(env, DETAIL_TYPES.started, detail);
  const remaining = lambdaContext?.getRemainingTimeInMillis?.() ?? 10 * 60_000;
  const ctx: ActionContext = {
    resource: diagnosis.resource,
    request,
    incidentId,
    stage: env.stage,
    diagnosis,
    log,
    pollIntervalMs: env.pollIntervalMs,
    deadline: Date.now() + Math.max(1000, remaining - SAFETY_MARGIN_MS),
    automationRoleArn: env.automationRoleArn,
    protectionPlaybooks: env.protectionPlaybooks ?? {},
    clientToken: (step) => clientToken(incidentId, String(request.rung), decl.name, step),
    recoveryTags: { 'recovery:incident': incidentId, 'recovery:stage': env.stage, 'recovery:playbook': request.playbook.name },
  };
  let result;
  try {
    result = await decl.run(ctx, params);
  } catch (e) {
    result = { outcome: 'failed' as const, reason: `${decl.name} threw: ${(e as Error).message}` };
  }
  const at = new Date().toISOString();
  if (result.outcome === 'succeeded') {
    detail = { ...detail, at, evidence: { ...detail.evidence, result: result.detail } };
    // Three independent writes after the fact: sent together, all settled, the first failure (in this order) thrown.
    await allLanded([
      recordAndAnnounce(env, DETAIL_TYPES.succeeded, detail),
      scheduleVerification(
        env.verifyQueueUrl,
        { request: { ...request, incidentId }, actedAt: at, resource: diagnosis.resource, ...successorOf(result.detail, env.stage, request.playbook.name) },
        request.playbook.verifyAfterSeconds,
      ),
    ]);
    log.info('remediation succeeded', { result: result.detail });
    return finish('succeeded');
  }
  detail = { ...detail, at, reason: result.reason, evidence: { ...detail.evidence, result: result.detail } };
  log.error('remediation failed', { reason: result.reason, result: result.detail });
  await recordAndAnnounce(env, DETAIL_TYPES.failed, detail);
  const opened = await recordFailure(env.ledgerTable, request.playbook.name, env.guardrails);
  if (opened) log.warn('circuit breaker opened', { playbook: request.playbook.name });
  await escalate(env, request, detail, `rung ${request.rung} (${rungOf(request)}) failed: ${result.reason}`);
  return finish('failed', result.reason);
}
