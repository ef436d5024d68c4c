import { runDrill, type DrillReport, type ScenarioReport } from '../../scripts/drill/run';
import { summary } from '../../scripts/iam/report';
import { GUARD_SCENARIOS, PERCENT_CAP_SCENARIOS } from '../../scripts/drill/scenarios';
import { motoEndpoint } from '../support/aws';

/**
 * Every guard, end to end on a synthesized stack that enables it: the drill
 * synthesizes the stack (its own Pulumi.<stack>.yaml), recreates it in moto and
 * runs the BUILT bundles with the environment the program gives them; each
 * scenario triggers one guard and judges from the emulator's state: no fleet
 * change, the resource untouched, a `Remediation Skipped` naming the guard.
 * prod has the calendar, approval and the strictest caps; the percentage cap
 * needs a count cap above 1, which only dev has.
 */
jest.setTimeout(300_000);

function expectPassed(report: DrillReport, name: string): void {
  const r = report.scenarios.find((s) => s.name === name) as ScenarioReport;
  const failed = r.checks.filter((c) => !c.passed).map((c) => `${c.what}: ${c.detail}`);
  expect({ name, error: r.error, failed }).toEqual({ name, error: undefined, failed: [] });
  expect(r.checks.length).toBeGreaterThan(0);
  expect(r.passed).toBe(true);
}

describe.each([
  ['prod', GUARD_SCENARIOS],
  ['dev', PERCENT_CAP_SCENARIOS],
])('guards end to end (%s stack)', (stack, scenarios) => {
  let report: DrillReport;
  const lines: string[] = [];

  beforeAll(async () => {
    // Prepare + Act: one drill run for the stack's guard scenarios.
    report = await runDrill({ stack, endpoint: motoEndpoint(), only: scenarios.map((s) => s.name), log: (l) => lines.push(l) });
  });

  it('runs every guard scenario, in order', () => {
    // Assess
    expect(report.scenarios.map((s) => s.name)).toEqual(scenarios.map((s) => s.name));
  });

  it.each(scenarios.map((s) => [s.name]))('%s: the guard stops the remediation', (name) => {
    // Assess
    expectPassed(report, name);
  });

  it("every request is allowed by its function's synthesized role (IAM evidence)", () => {
    // Assess
    const iam = report.iam;
    const problems = summary(iam).filter((l) => /^\s+(DENIED|UNMAPPED|UNATTRIBUTED) /.test(l));
    expect(iam.requests).toBeGreaterThan(0);
    expect({ denied: iam.denied, unmapped: iam.unmapped, unattributed: iam.unattributed.length, problems }).toEqual({ denied: 0, unmapped: 0, unattributed: 0, problems: [] });
  });
});
