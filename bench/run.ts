/**
 * npm run bench [-- --quick | --full] [-- --only overhead,storm,fleet,bundles,drill]
 *
 * Benchmarks, not tests: each section measures against its own baseline in the
 * same run and reports the ratio; nothing here asserts a timing. Writes
 * bench/results.json (with the machine it ran on) and prints a table.
 */
import './quiet';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundles } from './bundles';
import { drill } from './drill';
import { withSandbox } from './emulator';
import { fleetScale } from './fleet';
import { overhead } from './overhead';
import { storm } from './storm';

export const SECTIONS = ['overhead', 'storm', 'fleet', 'bundles', 'drill'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * `--full` is the issue's scale (1,000 overhead events, 10,000 storm events,
 * fleets up to 5,000); on a shared 2-core machine moto_server is the
 * bottleneck and it takes about 20 minutes. The default runs the fleet at
 * full size and the same overhead and storm shapes at counts that finish in
 * about 4.5 minutes; `--quick` is the smoke run (and what the jest test
 * exercises, smaller still).
 */
export const COUNTS = {
  full: { overhead: 1000, storm: { events: 10_000, fleet: 1000, perGroup: 20, workers: 4, concurrency: 8 }, fleet: [1, 100, 1000, 5000], bundleRuns: 5, drillOnly: undefined as string[] | undefined },
  default: { overhead: 200, storm: { events: 2000, fleet: 1000, perGroup: 20, workers: 4, concurrency: 8 }, fleet: [1, 100, 1000, 5000], bundleRuns: 3, drillOnly: undefined as string[] | undefined },
  quick: { overhead: 20, storm: { events: 200, fleet: 40, perGroup: 10, workers: 2, concurrency: 4 }, fleet: [1, 20, 100], bundleRuns: 1, drillOnly: ['asg-system-status'] as string[] | undefined },
};

const USAGE = `usage: npm run bench [-- --quick | --full] [-- --only ${SECTIONS.join(',')}]`;

/** The command line, strictly: a mistyped flag is an error, not a silently different (20-minute) run. */
export function parseBenchArgs(argv: string[]): { scale: keyof typeof COUNTS; only?: Section[] } {
  let scale: keyof typeof COUNTS = 'default';
  let only: Section[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick' || a === '--full') {
      const s = a === '--quick' ? 'quick' : 'full';
      if (scale !== 'default' && scale !== s) throw new Error(`--quick and --full exclude each other\n${USAGE}`);
      scale = s;
    } else if (a === '--only') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`--only needs a comma-separated list of sections\n${USAGE}`);
      const names = v.split(',').map((x) => x.trim()).filter(Boolean);
      const bad = names.filter((x) => !(SECTIONS as readonly string[]).includes(x));
      if (bad.length || names.length === 0) throw new Error(`unknown section(s) ${bad.join(', ') || JSON.stringify(v)}; known: ${SECTIONS.join(', ')}`);
      only = names as Section[];
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return { scale, only };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const scale = args.scale;
  const only = args.only ?? [...SECTIONS];
  const c = COUNTS[scale];
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const log = (s: string) => console.error(s);
  const file = path.join(__dirname, scale === 'quick' ? 'results.local.json' : 'results.json');
  // With --only, the other sections of the last run are kept; each section records its own scale and time.
  const previous = args.only && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const results: Record<string, unknown> = {
    ...previous,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()} ${os.arch()}`, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    counts: { ...((previous.counts as object) ?? {}), [scale]: c },
  };
  const save = () => writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const run = async (name: Section, fn: () => Promise<unknown>) => {
    if (!only.includes(name)) return;
    log(`== ${name}`);
    const t = Date.now();
    try {
      results[name] = { scale, measuredAt: new Date().toISOString(), loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100), ...((await fn()) as object) };
    } catch (e) {
      results[name] = { scale, error: e instanceof Error ? e.message : String(e) };
      log(`  ${name} failed: ${(e as Error).stack ?? e}`);
    }
    log(`  (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    save(); // after every section: a long run interrupted keeps what it measured
  };
  // Shortest first, the storm (moto-bound) last: a long run cut short keeps the most sections.
  await run('bundles', () => bundles(c.bundleRuns, log));
  await run('drill', () => drill(c.drillOnly));
  await run('fleet', () => fleetScale(c.fleet, log));
  await run('overhead', () => withSandbox((sb) => overhead(sb, c.overhead, log)));
  await run('storm', () => withSandbox((sb) => storm(sb, c.storm, log)));
  save();
  console.log(table(results));
  console.log(`\nwritten ${path.relative(process.cwd(), file)}`);
}

function table(r: Record<string, any>): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`machine: ${m.cpus} cpu (${m.cpuModel}), node ${m.node}, load ${m.loadAverage.join(' ')}`);
  const err = (x: any) => (x?.error ? `  failed: ${x.error}` : undefined);
  if (r.bundles) {
    out.push(`\n(4) bundles: previous pipeline (${String(r.bundles.baselineRev ?? '?').slice(0, 7)}) -> one esbuild pass; cold init = fresh process, load + clients + first invocation (moto), median of ${r.bundles.runs}`);
    out.push('                          size KiB (old/new)   cold init ms (old/new)   ratio   new without 7607: KiB / ms');
    out.push(
      err(r.bundles) ??
        r.bundles.rows
          .map((x: any) => `  ${x.name.padEnd(24)} ${`${(x.old.bytes / 1024).toFixed(0)} / ${(x.new.bytes / 1024).toFixed(0)}`.padStart(13)} ${`${x.old.coldInitMs} / ${x.new.coldInitMs}`.padStart(22)} ${String(x.ratio).padStart(9)}   ${(x.newWithout7607.bytes / 1024).toFixed(0)} / ${x.newWithout7607.coldInitMs}`)
          .join('\n') + `\n  targets: ratio <= ${r.bundles.targets?.maxRatio} (max ${r.bundles.maxRatio}), cold init <= ${r.bundles.targets?.maxColdInitMs} ms (max ${r.bundles.maxColdInitMs})`,
    );
  }
  if (r.overhead) {
    const o = r.overhead;
    out.push(`\n(1) overhead per fault (${o.events ?? '?'} events)   to first mutation p50/p99 ms   total p50/p99 ms`);
    out.push(
      err(o) ??
        [
          `  guarded handler            ${o.guarded.toFirstMutationMs.p50} / ${o.guarded.toFirstMutationMs.p99}            ${o.guarded.totalMs.p50} / ${o.guarded.totalMs.p99}`,
          `  bare SDK calls             ${o.bare.toFirstMutationMs.p50} / ${o.bare.toFirstMutationMs.p99}            ${o.bare.totalMs.p50} / ${o.bare.totalMs.p99}`,
          `  ratio                      ${o.ratio.toFirstMutationP50} / ${o.ratio.toFirstMutationP99}            ${o.ratio.totalP50} / ${o.ratio.totalP99}   outcomes ${JSON.stringify(o.guarded.outcomes)}`,
          `  AWS calls per event        guarded ${o.callsPerEvent?.guarded ?? '?'}, bare ${o.callsPerEvent?.bare ?? '?'}`,
          `  round trips in sequence    guarded ${o.sequentialRounds?.guarded ?? '?'}, bare ${o.sequentialRounds?.bare ?? '?'}`,
          `  awaiting AWS p50/p99 ms    guarded ${o.guarded.awaitingAwsMs?.p50} / ${o.guarded.awaitingAwsMs?.p99} (own code ${o.guarded.ownMs?.p50} / ${o.guarded.ownMs?.p99}), bare ${o.bare.awaitingAwsMs?.p50} / ${o.bare.awaitingAwsMs?.p99}`,
          `  floor ratio (own code 0)   total ${o.floorRatio?.totalP50} / ${o.floorRatio?.totalP99}`,
        ].join('\n'),
    );
  }
  if (r.storm) {
    const s = r.storm;
    out.push(`\n(2) alarm storm`);
    out.push(err(s) ?? `  ${s.events} events, ${s.fleet} instances in ${s.groups} groups, ${s.workers} workers x ${s.concurrency}: actions ${s.actions} (caps ${s.expectedActions}, moto terminated ${s.terminatedInMoto}), duplicates ${s.duplicates}, ${s.eventsPerSecond} events/s (${s.seconds}s) ${JSON.stringify(s.outcomes)}`);
  }
  if (r.fleet) {
    out.push(`\n(3) fleet scale               synth s   alarms   rules`);
    out.push(err(r.fleet) ?? [...r.fleet.points.map((p: any) => `  ${String(p.instances).padEnd(28)} ${String(p.seconds).padStart(7)} ${p.error ? `  failed: ${p.error}` : `${String(p.alarms).padStart(8)} ${String(p.rules).padStart(7)}`}`), `  rules constant: ${r.fleet.rulesConstant}; slope ${r.fleet.secondsPer1000} s per 1,000 instances`].join('\n'));
  }
  if (r.drill) {
    out.push(`\n(5) drill`);
    out.push(err(r.drill) ?? [`  ${r.drill.passed}/${r.drill.scenarios.length} passed in ${r.drill.seconds}s`, ...r.drill.scenarios.map((s: any) => `  ${s.name.padEnd(28)} alarm->recovered ${s.mttrSeconds ?? '-'} s  settled ${s.settledSeconds ?? '-'} s`)].join('\n'));
  }
  return out.join('\n');
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
