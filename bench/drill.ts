import { runDrill } from '../scripts/drill/run';

/** (5) The default drill (dev stack, every scenario) through its own runner. */
export interface DrillResult {
  seconds: number;
  passed: number;
  scenarios: Array<{ name: string; passed: boolean; mttrSeconds: number | null; settledSeconds: number | null }>;
}

export async function drill(only?: string[]): Promise<DrillResult> {
  const r = await runDrill({ stack: 'dev', only, log: () => undefined });
  return {
    seconds: r.seconds,
    passed: r.scenarios.filter((s) => s.passed).length,
    scenarios: r.scenarios.map((s) => ({ name: s.name, passed: s.passed, mttrSeconds: s.mttrSeconds, settledSeconds: s.settledSeconds })),
  };
}
