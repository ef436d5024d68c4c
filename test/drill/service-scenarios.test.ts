import { runDrill, type DrillReport } from '../../scripts/drill/run';
import { OPT_IN_SCENARIOS } from '../../scripts/drill/scenarios';
import { summary } from '../../scripts/iam/report';
import { motoEndpoint } from '../support/aws';

/**
 * The opt-in drill scenarios (RDS restore, Lambda rollback) through the same
 * path as `npm run drill -- --only ...`: dev stack synthesized with their
 * targets, recreated in moto, the BUILT bundles run, the state judged.
 */
jest.setTimeout(300_000);

describe('npm run drill --only rds-restore,lambda-rollback', () => {
  let report: DrillReport;
  const names = OPT_IN_SCENARIOS.map((s) => s.name);

  beforeAll(async () => {
    // Prepare + Act
    report = await runDrill({ stack: 'dev', endpoint: motoEndpoint(), only: names, log: () => undefined });
  });

  it.each(names.map((n) => [n]))('%s reaches its expected outcome', (name) => {
    // Assess
    const r = report.scenarios.find((s) => s.name === name)!;
    const failed = r.checks.filter((c) => !c.passed).map((c) => `${c.what}: ${c.detail}`);
    expect({ name, error: r.error, failed }).toEqual({ name, error: undefined, failed: [] });
    expect(r.checks.length).toBeGreaterThan(3);
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
