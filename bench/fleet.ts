import { performance } from 'node:perf_hooks';
import { synthesize } from '../infra/synth/synthesize';
import { round } from './stats';

/**
 * (3) Fleet scale: the dev stack protecting one tag selector that the mock
 * engine resolves to N instances (SynthOptions.mocks.instancesPerSelector),
 * synthesized under the Pulumi mock engine. Alarms grow with N; rules
 * (one per playbook) must not.
 */
export interface FleetPoint {
  instances: number;
  seconds: number;
  alarms?: number;
  rules?: number;
  resources?: number;
  /** The synth did not finish (e.g. the program ran out of memory): measured, reported, not hidden. */
  error?: string;
}

export interface FleetResult {
  points: FleetPoint[];
  rulesConstant: boolean;
  /** Least-squares slope of synth time over instances, in seconds per 1,000 instances. */
  secondsPer1000: number;
}

export async function fleetScale(sizes: number[], log: (s: string) => void): Promise<FleetResult> {
  const points: FleetPoint[] = [];
  for (const n of sizes) {
    const t = performance.now();
    let p: FleetPoint;
    try {
      const r = await synthesize({
        stack: 'dev',
        config: { 'recovery-stack:targets': [{ kind: 'instance', tags: { recovery: 'on' } }] },
        mocks: { instancesPerSelector: n },
      });
      const count = (type: string) => r.resources.filter((x) => x.type === type).length;
      p = { instances: n, seconds: round((performance.now() - t) / 1000), alarms: count('aws:cloudwatch/metricAlarm:MetricAlarm'), rules: count('aws:cloudwatch/eventRule:EventRule'), resources: r.resources.length };
      log(`  ${n} instances: ${p.seconds}s, ${p.alarms} alarms, ${p.rules} rules`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const oom = /out of memory|OOMErrorHandler|heap limit/i.test(msg);
      p = { instances: n, seconds: round((performance.now() - t) / 1000), error: oom ? 'synth process ran out of memory (V8 heap)' : msg.split('\n')[0].slice(0, 300) };
      log(`  ${n} instances: failed after ${p.seconds}s: ${p.error}`);
    }
    points.push(p);
  }
  const ok = points.filter((p) => !p.error);
  const xs = ok.map((p) => p.instances);
  const ys = ok.map((p) => p.seconds);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = den === 0 ? 0 : xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / den;
  return { points, rulesConstant: new Set(ok.map((p) => p.rules)).size === 1, secondsPer1000: round(slope * 1000, 3) };
}
