import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import { FUNCTIONS, type FunctionSpec } from '../functions/catalog';
import { buildBundle, REPO_ROOT } from '../infra/functions/bundle';
import { alarmEvent, cloudWatchTime, createStack, playbook, putAlarm, removeMuteRuleStandIn, request, runInstances, setMode } from '../test/functions/stack';
import { dropBusObserver, withSandbox } from './emulator';
import { percentile, round } from './stats';

/**
 * (4) Bundles: every catalog function's deployed bundle size and its cold
 * init as Lambda pays it, for the previous build pipeline (the baseline) and
 * the current one, side by side in the same run.
 *
 * Cold init: a fresh node process (one per run, like a new Lambda container)
 * loads the bundle, constructs the SDK clients the handler can reach, and runs
 * the first invocation against moto (through the drill's gap proxy), timed from
 * before the `require` to the handler's answer. The stack is seeded as the
 * handler tests seed it (dry-run mode); the first invocation is a request the
 * function validates, rejects and records (see firstEvent), each run for a new
 * alarm transition.
 *
 * The bundle cannot hand out its internal clients, so each pipeline builds a
 * probe: the same handler, by the same pipeline, with one extra export that
 * calls its client accessors (functions/runtime/sdk.ts).
 *
 * Baseline: infra/functions/bundle.ts as it was at BASELINE_REV (the
 * nine-plugin, multi-pass pipeline), extracted from git at bench time into
 * node_modules/.cache (where it resolves esbuild like the repository does) and
 * run on today's sources. Taken from history rather than kept as a copy, so
 * the repository carries one bundler and the baseline cannot drift.
 */
export const BASELINE_REV = '48d32c168e4092a72f51626e30ec3b6b0db94f9f';

const CLIENTS: Record<string, string> = {
  ec2: '@aws-sdk/client-ec2',
  autoscaling: '@aws-sdk/client-auto-scaling',
  ssm: '@aws-sdk/client-ssm',
  cloudwatch: '@aws-sdk/client-cloudwatch',
  events: '@aws-sdk/client-eventbridge',
  sqs: '@aws-sdk/client-sqs',
  sns: '@aws-sdk/client-sns',
  health: '@aws-sdk/client-health',
  dynamodb: '@aws-sdk/client-dynamodb',
  rds: '@aws-sdk/client-rds',
  lambda: '@aws-sdk/client-lambda',
  ecs: '@aws-sdk/client-ecs',
};

export interface InitMs {
  /** load + construct + firstInvoke (medians of each run's total). */
  coldInitMs: number;
  loadMs: number;
  constructMs: number;
  firstInvokeMs: number;
}

export interface BundleRow {
  name: string;
  clients: string[];
  /** What the first invocation answered (the same for both pipelines, or the row says so). */
  outcome: string;
  old: { bytes: number } & InitMs;
  new: { bytes: number } & InitMs;
  /** The current pipeline without the aws-sdk-js-v3 7607 workaround (is it still worth keeping?). */
  newWithout7607: { bytes: number } & InitMs;
  /** new.coldInitMs / old.coldInitMs */
  ratio: number;
}

export interface BundlesResult {
  runs: number;
  baselineRev: string;
  rows: BundleRow[];
  maxColdInitMs: number;
  maxRatio: number;
  targets: { maxRatio: number; maxColdInitMs: number };
}

type Builder = (entry: string) => Promise<{ code: string }>;

/** The previous pipeline's module, written from git into node_modules/.cache. */
function baselineBuilder(): Builder {
  const dir = path.join(REPO_ROOT, 'node_modules', '.cache', 'recovery-stack-bench', `baseline-${BASELINE_REV.slice(0, 12)}`, 'infra', 'functions');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'bundle.ts');
  writeFileSync(file, execFileSync('git', ['show', `${BASELINE_REV}:infra/functions/bundle.ts`], { cwd: REPO_ROOT, encoding: 'utf8' }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const old = require(file) as { twoPassForAnalysis: (entry: string, workDir: string) => Promise<{ code: string }> };
  return (entry) => old.twoPassForAnalysis(entry, path.dirname(entry));
}

/** The SDK clients a bundle carries code of (its metafile). */
function clientsIn(metafile: Metafile): string[] {
  const inputs = Object.values(metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([f]) => f));
  return Object.entries(CLIENTS)
    .filter(([, pkg]) => inputs.some((f) => f.includes(`node_modules/${pkg}/`)))
    .map(([k]) => k)
    .sort();
}

function firstEvent(spec: FunctionSpec, alarm: string, instanceId: string, run: number): unknown {
  const at = cloudWatchTime(new Date(Date.now() - 60_000 + run * 10));
  // A request every function parses, judges, rejects and records (ledger item and bus event): its rung
  // names no playbook action. Dry-run requests the functions act on stalled past 60 s against this
  // sandbox in some runs (both pipelines), so they would measure the sandbox, not the bundle.
  const req = request(playbook('bench', ['not-a-rung']), alarmEvent(alarm, { InstanceId: instanceId }, at));
  if (spec.name === 'verifier') {
    return { Records: [{ messageId: `bench-${run}`, body: JSON.stringify({ request: req, actedAt: new Date().toISOString() }), attributes: { ApproximateReceiveCount: '1' } }] };
  }
  return req;
}

const CHILD = `
const t0 = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
const [file, event] = [process.argv[1], JSON.parse(process.argv[2])];
const m = require(file);
const t1 = process.hrtime.bigint();
(async () => {
  await m.construct();
  const t2 = process.hrtime.bigint();
  const context = { functionName: 'recovery-bench', functionVersion: '$LATEST', awsRequestId: 'bench-' + process.pid, memoryLimitInMB: '256', getRemainingTimeInMillis: () => 900000 };
  const out = await m.handler(event, context).then((r) => 'ok ' + (r && (r.outcome ?? r.kind ?? (r.batchItemFailures ? 'failures ' + r.batchItemFailures.length : ''))), (e) => 'error ' + e.name);
  const t3 = process.hrtime.bigint();
  console.log(JSON.stringify({ loadMs: ms(t0, t1), constructMs: ms(t1, t2), firstInvokeMs: ms(t2, t3), coldInitMs: ms(t0, t3), outcome: out }));
  process.exit(0); // open keep-alive sockets would hold the process (a Lambda container is frozen instead)
})();`;

function coldInit(probe: string, events: unknown[]): InitMs & { outcome: string } {
  const xs = events.map((e) => {
    try {
      const out = execFileSync(process.execPath, ['-e', CHILD, probe, JSON.stringify(e)], { cwd: REPO_ROOT, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' }, encoding: 'utf8', timeout: 60_000 });
      return JSON.parse(out.trim().split('\n').pop()!) as InitMs & { outcome: string };
    } catch (err) {
      return { coldInitMs: NaN, loadMs: NaN, constructMs: NaN, firstInvokeMs: NaN, outcome: `failed: ${(err as Error).message.split('\n')[0]}` };
    }
  });
  const med = (k: keyof InitMs) => round(percentile(xs.map((x) => x[k]), 50), 1);
  return { coldInitMs: med('coldInitMs'), loadMs: med('loadMs'), constructMs: med('constructMs'), firstInvokeMs: med('firstInvokeMs'), outcome: xs[0].outcome };
}

export async function bundles(runs: number, log: (s: string) => void): Promise<BundlesResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'recovery-bundles-'));
  const oldBuild = baselineBuilder();
  const pipelines: Record<'old' | 'new' | 'newWithout7607', Builder> = {
    old: oldBuild,
    new: (entry) => buildBundle(entry),
    newWithout7607: (entry) => buildBundle(entry, { traitKeyWorkaround: false }),
  };
  return withSandbox(async (sb) => {
    await createStack();
    // ListAlarmMuteRules goes over HTTP to the gap proxy, as every other call (see overhead.ts).
    removeMuteRuleStandIn();
    delete process.env.MODE_CACHE_SECONDS;
    await dropBusObserver();
    await setMode('dry-run');
    const [instanceId] = await runInstances(1);
    const alarm = await putAlarm('bench', instanceId, 'InstanceId');
    sb.useProxy();
    const rows: BundleRow[] = [];
    for (const spec of FUNCTIONS) {
      const entry = path.resolve(REPO_ROOT, spec.entry);
      const deployed = await buildBundle(entry);
      const clients = clientsIn(deployed.metafile);
      const probe = path.join(dir, `${spec.name}-probe.ts`);
      writeFileSync(
        probe,
        `export { handler } from ${JSON.stringify(entry.replace(/\.ts$/, ''))};\nimport * as sdk from ${JSON.stringify(path.join(REPO_ROOT, 'functions', 'runtime', 'sdk'))};\n` +
          `export const construct = () => Promise.all([${clients.map((c) => `sdk.${c}()`).join(', ')}]);\n`,
      );
      const events = Array.from({ length: runs }, (_, i) => firstEvent(spec, alarm, instanceId, rows.length * 100 + i));
      const measured = {} as Record<keyof typeof pipelines, { bytes: number } & InitMs & { outcome: string }>;
      // Interleaved per function (old, new, new without 7607), so load on the machine hits each alike.
      for (const [name, build] of Object.entries(pipelines) as [keyof typeof pipelines, Builder][]) {
        const bytes = Buffer.byteLength((await build(entry)).code);
        const file = path.join(dir, `${spec.name}.${name}.js`);
        writeFileSync(file, (await build(probe)).code);
        measured[name] = { bytes, ...coldInit(file, events) };
      }
      const outcomes = new Set(Object.values(measured).map((m) => m.outcome));
      const strip = ({ outcome: _o, ...m }: { bytes: number } & InitMs & { outcome: string }) => m;
      const row: BundleRow = {
        name: spec.name,
        clients,
        outcome: outcomes.size === 1 ? [...outcomes][0] : `DIFFERS: ${Object.entries(measured).map(([k, m]) => `${k} ${m.outcome}`).join('; ')}`,
        old: strip(measured.old),
        new: strip(measured.new),
        newWithout7607: strip(measured.newWithout7607),
        ratio: round(measured.new.coldInitMs / measured.old.coldInitMs),
      };
      log(`  ${spec.name}: ${kib(row.old.bytes)} -> ${kib(row.new.bytes)} KiB (${kib(row.newWithout7607.bytes)} without 7607), cold init ${row.old.coldInitMs} -> ${row.new.coldInitMs} ms (${row.newWithout7607.coldInitMs} without 7607), x${row.ratio}; first invocation: ${row.outcome}`);
      rows.push(row);
    }
    return {
      runs,
      baselineRev: BASELINE_REV,
      rows,
      maxColdInitMs: Math.max(...rows.map((r) => r.new.coldInitMs)),
      maxRatio: Math.max(...rows.map((r) => r.ratio)),
      targets: { maxRatio: 1.5, maxColdInitMs: 250 },
    };
  });
}

const kib = (bytes: number) => (bytes / 1024).toFixed(0);
