import { evaluateRequests, type IamEvidence } from '../iam/evaluate';
import { rolePolicies, stackFacts } from '../iam/roles';
import { ACCOUNT, REGION } from './aws';
import { AutoScalingHealthStandIn } from './asg-health';
import { CloudWatchStandIn } from './cloudwatch';
import { buildBundles } from './bundles';
import { DeliveryLoop } from './delivery-loop';
import { Fleet } from './fleet';
import { LambdaRunner } from './lambda-runner';
import { Observers } from './observers';
import { recreate } from './recreate';
import { openSandbox, type Sandbox } from './sandbox';
import { ALL_SCENARIOS, SCENARIOS } from './scenarios';
import { check, fleetCalls, guardrailsOf, type Check, type Scenario, type ScenarioEnv } from './scenarios/scenario';
import { stackConfig, synthesizeForDrill } from './stack-synth';
import { Timeline, type TimelineEntry } from './timeline';

/**
 * The drill, end to end: sandbox -> seed the fleet -> synthesize the stack
 * for it -> recreate the stack in moto -> build the bundles -> for each
 * scenario: inject the fault (playing AWS), run the loop until quiet, judge
 * the fleet's real state. Used by `npm run drill` and by the jest test.
 */
export interface DrillOptions {
  stack: string;
  /** An emulator to use instead of starting moto_server (AWS_ENDPOINT_URL). */
  endpoint?: string;
  /** Scenario names to run (default: all). */
  only?: string[];
  log: (line: string) => void;
  verifyAfterSeconds?: number;
  /** Per-scenario limit for the loop to settle. */
  scenarioBudgetMs?: number;
  /** Hook for Ctrl-C handling: receives the sandbox as soon as it exists. */
  onSandbox?: (s: Sandbox) => void;
}

export interface ScenarioReport {
  name: string;
  title: string;
  fault: string;
  expected: string;
  outcome: string;
  passed: boolean;
  actions: string[];
  guardDecisions: string[];
  /** Alarm -> fleet healthy again; null when recovery is not the expected outcome or never happened. */
  mttrSeconds: number | null;
  /** Alarm -> loop quiet (everything decided, verified, notified). */
  settledSeconds: number | null;
  checks: Check[];
  timeline: TimelineEntry[];
  error?: string;
}

export interface DrillReport {
  stack: string;
  startedAt: Date;
  seconds: number;
  steps: { step: string; seconds: number }[];
  overrides: Record<string, unknown>;
  notes: string[];
  scenarios: ScenarioReport[];
  /**
   * Every request the functions sent, evaluated against their synthesized roles (scripts/iam):
   * a denied, unmapped or unattributed request fails the drill.
   */
  iam: IamEvidence;
}

const secs = (ms: number) => Math.round(ms / 10) / 100;

/** The reason in a dead-lettered message: Lambda's on-failure record names the error; else the start of the body. */
function whyParked(body: string): string {
  try {
    const r = JSON.parse(body) as { requestContext?: { functionArn?: string }; responsePayload?: { errorMessage?: string } };
    if (r.responsePayload?.errorMessage) return `${r.requestContext?.functionArn?.split(':')[6] ?? 'function'}: ${r.responsePayload.errorMessage.slice(0, 300)}`;
  } catch {
    // not JSON: show it raw
  }
  return body.slice(0, 200);
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const steps: DrillReport['steps'] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    o.log(`[${secs(t - started).toFixed(1)}s] ${name} ...`);
    const r = await fn();
    steps.push({ step: name, seconds: secs(Date.now() - t) });
    o.log(`[${secs(Date.now() - started).toFixed(1)}s] ${name}: done in ${secs(Date.now() - t)}s`);
    return r;
  };
  // Default: SCENARIOS; --only may also name the opt-in ones.
  const scenarios = o.only ? ALL_SCENARIOS.filter((s) => o.only!.includes(s.name)) : SCENARIOS;
  if (o.only) {
    const unknown = o.only.filter((n) => !ALL_SCENARIOS.some((s) => s.name === n));
    if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')} (known: ${ALL_SCENARIOS.map((s) => s.name).join(', ')})`);
  }

  const sandbox = await step('sandbox (moto_server + gap proxy)', () => openSandbox({ endpoint: o.endpoint, log: (l) => o.log(`  ${l}`) }));
  o.onSandbox?.(sandbox);
  const fleet = new Fleet(sandbox.clients);
  try {
    const c = sandbox.clients;
    const bundles = buildBundles(); // CPU work in esbuild's own process, alongside the seeding
    bundles.catch(() => undefined);
    const seeds = await step(`seed the fleet for ${scenarios.length} scenario(s)`, async () => {
      // Scenarios own disjoint resources: seed them side by side.
      return Promise.all(scenarios.map((s) => (s as Scenario<unknown>).seed(fleet)));
    });
    const targets = scenarios.flatMap((s, i) => (s as Scenario<unknown>).targets(seeds[i]));
    const synth = await step(`synthesize stack ${o.stack} under the mock engine`, () =>
      synthesizeForDrill({ stack: o.stack, clients: c, targets, verifyAfterSeconds: o.verifyAfterSeconds ?? 1 }),
    );
    o.log(`  config overrides: ${JSON.stringify(synth.overrides)}`);
    const kubeEndpoints = new Map([...fleet.kubeClusters].map(([name, api]) => [name, api.endpoint]));
    const deployment = await step('recreate the stack in the emulator', () => recreate(synth.result, c, o.stack, (l) => o.log(`  ${l}`), { kubeEndpoints, functionsEndpoint: sandbox.proxy.endpoint }));
    await fleet.settled();
    for (const s of deployment.skipped) o.log(`  not recreated: ${s}`);
    const built = await step('function bundles (infra/functions/bundle.ts, built alongside the seeding)', () => bundles);
    o.log(`  built in ${secs(built.ms)}s: ${Object.entries(built.sizes).map(([n, b]) => `${n} ${(b / 1024).toFixed(0)} KiB`).join(', ')} -> ${built.dir}`);

    const observers = new Observers(c, deployment);
    await observers.install();
    o.log(`  watching dead-letter queues: ${deployment.deadLetters.map((d) => d.name).join(', ')}`);
    const runner = new LambdaRunner({ bundleDir: built.dir, awsEndpoint: sandbox.proxy.endpoint });
    const cloudwatch = new CloudWatchStandIn(c, sandbox.proxy.impairments);
    const asgHealth = new AutoScalingHealthStandIn(c, sandbox.proxy.impairments);
    const loop = new DeliveryLoop(c, deployment, runner, cloudwatch, asgHealth, sandbox.proxy, observers);

    const guardrails = guardrailsOf(deployment);
    o.log(`  guardrails: ${JSON.stringify(guardrails)}`);
    // The calendar the stack's config names exists in the account (the operator made it); any other name does not.
    const calendar = stackConfig(o.stack)['recovery-stack:changeCalendar'];
    const changeCalendar = typeof calendar === 'string' ? calendar : undefined;
    if (changeCalendar) {
      sandbox.proxy.calendar.declare(changeCalendar);
      o.log(`  change calendar ${changeCalendar}: declared to the stand-in, OPEN`);
    }
    const reports: ScenarioReport[] = [];
    for (const [i, s] of (scenarios as Scenario<unknown>[]).entries()) {
      reports.push(
        await step(`scenario ${i + 1}/${scenarios.length} ${s.name}`, () =>
          runScenario(s, seeds[i], { stage: o.stack, clients: c, proxy: sandbox.proxy, deployment, cloudwatch, loop, observers, since: new Date(), guardrails, runner, changeCalendar }, runner, o),
        ),
      );
      const r = reports[reports.length - 1];
      o.log(`  ${r.passed ? 'PASS' : 'FAIL'} ${r.name}: ${r.outcome}${r.mttrSeconds !== null ? ` (recovered in ${r.mttrSeconds}s)` : ''}`);
      for (const ch of r.checks.filter((x) => !x.passed)) o.log(`    x ${ch.what}: ${ch.detail}`);
      if (r.error) o.log(`    error: ${r.error}`);
    }
    const iam = await step('IAM evidence: every request against its function\'s synthesized role', async () => {
      // The mock engine's account/region/partition (infra/synth/mocks.ts defaults) -> the drill's.
      const from = { account: '123456789012', region: 'us-east-1', partition: 'aws' };
      const where = { account: ACCOUNT, region: REGION, partition: 'aws' };
      return evaluateRequests(sandbox.proxy.requests, rolePolicies(synth.result, from, where), where, stackFacts(synth.result, from, where));
    });
    o.log(`  ${iam.requests} requests, ${iam.authorizations} authorizations: ${iam.denied} denied, ${iam.unmapped} unmapped, ${iam.unattributed.length} unattributed, ${iam.unusedGrants} grants unused`);
    return {
      stack: o.stack,
      startedAt: new Date(started),
      seconds: secs(Date.now() - started),
      steps,
      overrides: synth.overrides,
      notes: deployment.skipped,
      scenarios: reports,
      iam,
    };
  } catch (e) {
    if (process.env.DRILL_DEBUG) console.error('drill step failed:', e);
    throw e;
  } finally {
    await fleet.close();
    await sandbox.close();
  }
}

async function runScenario(s: Scenario<unknown>, seed: unknown, env: ScenarioEnv, runner: LambdaRunner, o: DrillOptions): Promise<ScenarioReport> {
  runner.coldStart();
  const timeline = new Timeline();
  const base = { name: s.name, title: s.title, fault: s.fault, expected: s.expectedUnder?.(env.guardrails) ?? s.expected };
  let recoveredAt: Date | undefined;
  let settledAt: Date | undefined;
  let error: string | undefined;
  let judged: { outcome: string; checks: Check[] } = { outcome: 'not judged', checks: [] };
  let injectedAt: Date | undefined;
  try {
    injectedAt = new Date();
    const alarms = new Set(await s.inject(env, seed, timeline));
    timeline.add('fault', s.fault);
    const untilQuiet = () =>
      env.loop.untilQuiet({
        alarms,
        timeline,
        budgetMs: o.scenarioBudgetMs ?? 30_000,
        play: s.play ? () => s.play!(env, seed, timeline) : undefined,
        afterPass: async () => {
          if (!recoveredAt && s.recovered && (await s.recovered(env, seed))) {
            recoveredAt = new Date();
            timeline.add('check', 'fleet healthy again (recovered)');
          }
        },
      });
    let result = await untilQuiet();
    if (result.settled && s.nextFault) {
      for (const a of await s.nextFault(env, seed, timeline)) alarms.add(a);
      result = await untilQuiet();
    }
    // Settled = the stack decided about the fault(s); a later clearing (below) is a second episode.
    settledAt = new Date();
    if (result.settled && s.clearFault) {
      await s.clearFault(env, seed, timeline);
      result = await untilQuiet();
    }
    if (!result.settled) error = `the loop did not settle within ${(o.scenarioBudgetMs ?? 30_000) / 1000}s${s.clearFault ? ' (before or after the fault cleared)' : ''}`;
    judged = await s.judge(env, seed);
    // Whatever the scenario, nothing may end up parked: a dead-lettered event is a fault nobody handled.
    const parked = await env.observers.drainDeadLetters();
    const n = parked.reduce((sum, p) => sum + p.bodies.length, 0);
    judged.checks.push(
      check(
        'nothing parked in a dead-letter queue',
        n === 0,
        n === 0 ? 'all dead-letter queues empty' : parked.map((p) => `${p.queue}: ${p.bodies.length} (${whyParked(p.bodies[0])})`).join('; '),
      ),
    );
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    await s.cleanup?.(env, seed).catch(() => undefined);
    env.proxy.apiFaults.clear();
    // Whatever a scenario did to the calendar or the runbook, the next one starts from AWS as it was.
    env.proxy.calendar.reset();
    env.proxy.automation.clearFailures();
  }
  // Faults raised outside CloudWatch (an Alertmanager alert) count from the injection.
  const alarmAt = env.cloudwatch.transitions.find((t) => t.at >= env.since && t.to === 'ALARM')?.at ?? (s.play ? injectedAt : undefined);
  for (const call of env.proxy.calls.filter((x) => x.at >= env.since && (x.by !== 'moto' || !/^(Describe|Get|List|Receive)/.test(x.operation)))) {
    if (call.service === 'sqs' || call.service === 'dynamodb' || call.service === 'events' || call.service === 'sns') continue;
    timeline.add('api', `${call.service}:${call.operation} ${call.ids.join(' ')} -> ${call.status}${call.error ? ` ${call.error}` : ''}${call.by !== 'moto' ? ` [${call.by}]` : ''}`, call.at);
  }
  const events = env.observers.events.filter((e) => e.at >= env.since);
  for (const e of events) {
    const d = e.detail as {
      playbook?: string | { name?: string };
      rung?: number;
      action?: string;
      resource?: { id?: string };
      reason?: string;
      event?: { detail?: { alarmName?: string } };
      // Alertmanager Alert events (functions/contracts/alertmanager.ts)
      status?: string;
      alertName?: string;
      deployment?: { id?: string };
    };
    const playbook = typeof d.playbook === 'string' ? d.playbook : d.playbook?.name;
    const subject = d.resource?.id ?? d.event?.detail?.alarmName ?? (d.alertName ? `${d.alertName} ${d.status ?? ''} on ${d.deployment?.id ?? '?'}` : '');
    const rung = d.rung !== undefined ? ` rung ${d.rung}` : '';
    timeline.add('event', `${e.detailType}: ${playbook}${rung} ${d.action ?? ''} ${subject}${d.reason ? ` - ${d.reason}` : ''}`, e.at);
  }
  for (const n of env.observers.notifications.filter((x) => x.at >= env.since)) timeline.add('notify', n.subject ?? n.message.slice(0, 120), n.at);
  const guardDecisions = events
    .filter((e) => ['Remediation Skipped', 'Remediation Failed', 'Remediation Escalated'].includes(e.detailType))
    .map((e) => `${e.detailType.replace('Remediation ', '')} ${(e.detail.resource as { id?: string })?.id}: ${String(e.detail.reason ?? '')}`);
  const checks = judged.checks;
  return {
    ...base,
    outcome: error && judged.outcome === 'not judged' ? `error: ${error}` : judged.outcome,
    passed: !error && checks.length > 0 && checks.every((c) => c.passed),
    actions: [...fleetCalls(env).map((c) => `${c.service}:${c.operation}${c.ids.length ? ` ${c.ids.join(' ')}` : ''}`), ...(s.actions?.(env, seed) ?? [])],
    guardDecisions,
    mttrSeconds: alarmAt && recoveredAt ? secs(recoveredAt.getTime() - alarmAt.getTime()) : null,
    settledSeconds: alarmAt && settledAt ? secs(settledAt.getTime() - alarmAt.getTime()) : null,
    checks,
    timeline: timeline.sorted(),
    error,
  };
}
