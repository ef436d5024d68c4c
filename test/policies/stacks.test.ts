import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { checkStack } from '../../policies/runner/check';
import { summarize } from '../../policies/runner/report';

const REPO = path.resolve(__dirname, '../..');
const BAD_PROGRAM = path.join(REPO, 'examples/bad-program');

describe("this project's stacks pass the pack (synthesized under the mock engine)", () => {
  it.each(['dev', 'staging', 'prod'])('%s: zero mandatory violations, zero policy errors', async (stack) => {
    // Prepare / Act: synthesize Pulumi.<stack>.yaml and run every policy with policies/config.<stack>.json
    const { result, configFile, synth } = await checkStack({ stack });
    // Assess
    expect(path.basename(configFile ?? '')).toBe(`config.${stack}.json`);
    expect(synth.resources.length).toBeGreaterThan(20);
    expect(result.errors).toEqual([]);
    expect(result.findings.filter((f) => f.enforcementLevel === 'mandatory')).toEqual([]);
    // The rules really ran against the stack's functions, targets, alarms and IAM (not all "not applicable").
    const applied = (policy: string) => result.resourceCount - result.notApplicable.filter((n) => n.policyName === policy).length;
    expect(applied('remediation-function-limits')).toBeGreaterThan(0);
    expect(applied('eventbridge-target-dlq-retry')).toBeGreaterThan(0);
    expect(applied('alarm-missing-data-explicit')).toBeGreaterThan(0);
    expect(applied('iam-scoped-destructive-actions')).toBeGreaterThan(0);
    expect(applied('iam-scoped-key-use')).toBeGreaterThan(0);
  });
});

describe('examples/bad-program fails with the expected violations', () => {
  it('via the runner core (--program)', async () => {
    // Prepare / Act
    const { result } = await checkStack({ stack: 'prod', programDir: BAD_PROGRAM });
    // Assess
    const got = result.findings.map((f) => `${f.policyName} ${f.resourceName} ${f.enforcementLevel}`).sort();
    expect(got).toEqual(
      [
        'recovery-coverage web mandatory',
        'recovery-coverage data mandatory',
        'ebs-encrypted data mandatory',
        'ebs-snapshot-coverage data mandatory',
        'remediation-function-limits cleanup mandatory',
        'remediation-function-limits cleanup mandatory',
        'remediation-function-failure-destination cleanup mandatory',
        'iam-no-wildcard-actions ec2-admin mandatory',
        'iam-scoped-destructive-actions ec2-admin mandatory',
        'k8s-deployment-probes shop mandatory',
        'k8s-deployment-replicas shop mandatory',
        'k8s-deployment-pdb shop mandatory',
      ].sort(),
    );
    expect(result.errors).toEqual([]);
    expect(summarize(result).failed).toBe(true);
  });

  it('via the CLI: exit 1, violations grouped by policy, summary line', () => {
    // Prepare / Act
    const out = spawnSync(
      process.execPath,
      [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), path.join(REPO, 'policies/run.ts'), '--program', BAD_PROGRAM, '--stack', 'prod'],
      { cwd: REPO, encoding: 'utf8' },
    );
    // Assess
    expect(out.status).toBe(1);
    expect(out.stdout).toContain("[mandatory] iam-no-wildcard-actions (1):");
    expect(out.stdout).toContain("  - ec2-admin (aws:iam/policy:Policy): policy statement #0 allows 'ec2:*'.");
    expect(out.stdout).toMatch(/Summary: 12 mandatory, 0 advisory violation\(s\) in 10 policies; \d+ resources, 16 policies \(0 disabled\) -> FAIL/);
  });

  it('in dev the same program only warns about coverage (advisory), per config.dev.json', async () => {
    // Prepare / Act: the dev policy config, applied to the bad program's prod stack file
    const { result } = await checkStack({ stack: 'prod', programDir: BAD_PROGRAM, configFile: path.join(REPO, 'policies/config.dev.json') });
    // Assess
    const level = (policy: string) => [...new Set(result.findings.filter((f) => f.policyName === policy).map((f) => f.enforcementLevel))];
    expect(level('recovery-coverage')).toEqual(['advisory']);
    expect(level('k8s-deployment-replicas')).toEqual([]);
    expect(level('iam-no-wildcard-actions')).toEqual(['mandatory']);
  });
});
