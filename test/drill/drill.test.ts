import { runDrill, type DrillReport } from '../../scripts/drill/run';
import { summary } from '../../scripts/iam/report';
import { SCENARIOS } from '../../scripts/drill/scenarios';
import { motoEndpoint } from '../support/aws';

/**
 * The drill's scenarios through the same code path as `npm run drill`, on the
 * emulator jest's global setup started for this worker: the dev stack is
 * synthesized, recreated in moto, the fleet seeded, faults injected and the
 * BUILT function bundles run. Each scenario judges the fleet's real state.
 * The same run's requests are evaluated against the functions' synthesized
 * roles (scripts/iam): none may be denied, unmapped or unattributed.
 */
jest.setTimeout(300_000);

describe('npm run drill (dev stack)', () => {
  let report: DrillReport;
  const lines: string[] = [];

  beforeAll(async () => {
    // Prepare + Act: one drill run (seeding and synthesis are shared by all scenarios).
    report = await runDrill({ stack: 'dev', endpoint: motoEndpoint(), log: (l) => lines.push(l) });
  });

  it('runs every scenario', () => {
    // Assess
    expect(report.scenarios.map((s) => s.name)).toEqual(SCENARIOS.map((s) => s.name));
  });

  it.each(SCENARIOS.map((s) => [s.name]))('%s reaches its expected outcome', (name) => {
    // Assess
    const r = report.scenarios.find((s) => s.name === name)!;
    const failed = r.checks.filter((c) => !c.passed).map((c) => `${c.what}: ${c.detail}`);
    expect({ name, error: r.error, failed }).toEqual({ name, error: undefined, failed: [] });
    expect(r.checks.length).toBeGreaterThan(0);
    expect(r.passed).toBe(true);
  });

  it("every request is allowed by its function's synthesized role (IAM evidence)", () => {
    // Assess
    const iam = report.iam;
    const problems = summary(iam).filter((l) => /^\s+(DENIED|UNMAPPED|UNATTRIBUTED) /.test(l));
    expect(iam.requests).toBeGreaterThan(0);
    expect({ denied: iam.denied, unmapped: iam.unmapped, unattributed: iam.unattributed.length, problems }).toEqual({ denied: 0, unmapped: 0, unattributed: 0, problems: [] });
  });
});
