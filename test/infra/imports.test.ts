import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * The Pulumi program imports functions/catalog.ts (and the action
 * declarations) to build roles: that must not load any AWS SDK client.
 * Checked in a fresh Node process, whose require.cache is the real one.
 */
const root = path.resolve(__dirname, '../..');

function loadedAwsSdk(modulePath: string): string[] {
  const script = `require(${JSON.stringify(modulePath)}); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('@aws-sdk'))));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[];
}

describe('import hygiene', () => {
  it('importing functions/catalog.ts loads no @aws-sdk module', () => {
    // Act
    const loaded = loadedAwsSdk(path.join(root, 'functions/catalog.ts'));
    // Assess
    expect(loaded).toEqual([]);
  });

  it('importing the RecoveryStack component loads no @aws-sdk module', () => {
    expect(loadedAwsSdk(path.join(root, 'infra/recovery-stack.ts'))).toEqual([]);
  });

  it('the check itself sees SDK modules when they are loaded', () => {
    expect(loadedAwsSdk('@aws-sdk/client-sqs').length).toBeGreaterThan(0);
  });
});
