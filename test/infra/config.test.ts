import { spawnSync } from 'node:child_process';
import { problemsOf } from './config-problems';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig, readStackConfig } from '../../infra/config';

/** The stack config is validated once, before anything is created; errors name the key and the fix. */
const valid = () => ({
  mode: 'auto',
  targets: [
    { kind: 'autoscaling-group', name: 'web' },
    { kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['reboot', 'restore-volume'] },
    { kind: 'instance', tags: { recovery: 'on' } },
  ],
});


describe('stack config', () => {
  it('accepts a valid config and fills in defaults', () => {
    // Act
    const cfg = loadConfig(valid());
    // Assess
    expect(cfg.guardrails).toMatchObject({ cooldownMinutes: 30, maxAttemptsPerDay: 3, requireApprovalForDestructive: false, awaitEc2AutoRecoverySeconds: 300 });
    expect(cfg.playbooks.verifyAfterSeconds).toBe(300);
    expect(cfg.lambda.logRetentionDays).toBe(30);
  });

  const cases: [string, (c: Record<string, unknown>) => void, string, RegExp][] = [
    ['unknown mode', (c) => (c.mode = 'yolo'), 'recovery-stack:mode', /auto, dry-run or off/],
    ['malformed instance id', (c) => ((c.targets as object[])[1] = { kind: 'instance', id: 'web-1' }), 'recovery-stack:targets[1].id', /EC2 instance id/],
    ['unknown target kind', (c) => ((c.targets as object[])[2] = { kind: 'ecs-task', name: 'x' }), 'recovery-stack:targets[2].kind', /instance, autoscaling-group/],
    ['unknown rung in a ladder', (c) => ((c.targets as object[])[0] = { kind: 'autoscaling-group', name: 'web', ladder: ['nuke'] }), 'recovery-stack:targets[0].ladder[0]', /reboot, replace-instance, restore-volume/],
    ['both id and tags', (c) => ((c.targets as object[])[1] = { kind: 'instance', id: 'i-0123456789abcdef0', tags: { a: 'b' } }), 'recovery-stack:targets[1]', /exactly one of `id` or `tags`/],
    ['empty tag selector', (c) => ((c.targets as object[])[2] = { kind: 'instance', tags: {} }), 'recovery-stack:targets[2].tags', /at least one tag/],
    ['no targets', (c) => (c.targets = []), 'recovery-stack:targets', /at least one target/],
    ['rung that cannot act on the target kind', (c) => ((c.targets as object[])[2] = { kind: 'rds-instance', identifier: 'orders', ladder: ['reboot-db', 'restore-volume'] }), 'recovery-stack:targets[2].ladder[1]', /restore-volume \(restore-volume\) cannot act on a rds-instance target; use one of: reboot-db, restore-db/],
    ['ansible rung without a playbook', (c) => ((c.targets as object[])[1] = { kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['ansible'] }), 'recovery-stack:targets[1].ladder[0]', /needs recovery-stack:ansible/],
    ['ECS service given as an ARN', (c) => ((c.targets as object[])[2] = { kind: 'ecs-service', cluster: 'arn:aws:ecs:us-east-1:1:cluster/shop', service: 'web' }), 'recovery-stack:targets[2].cluster', /ECS cluster name \(not its ARN\)/],
    ['ansible source that is not GitHub or S3', (c) => (c.ansible = { source: { type: 'HTTP', path: 'x' }, playbookFile: 'site.yml' }), 'recovery-stack:ansible.source.type', /GitHub or S3/],
    ['missing targets', (c) => delete c.targets, 'recovery-stack:targets', /required/],
    ['guardrail out of range', (c) => (c.guardrails = { maxPercentPerGroup: 150 }), 'recovery-stack:guardrails.maxPercentPerGroup', /100/],
    ['misspelled guardrail', (c) => (c.guardrails = { cooldownMinute: 5 }), 'recovery-stack:guardrails.cooldownMinute', /unknown key/],
    // Must leave the rung time to act within the action functions' 900 s timeout.
    ['wait for EC2 auto recovery too long', (c) => (c.guardrails = { awaitEc2AutoRecoverySeconds: 900 }), 'recovery-stack:guardrails.awaitEc2AutoRecoverySeconds', /600/],
    ['misspelled top-level key', (c) => (c.taregts = []), 'recovery-stack:taregts', /unknown key.*known keys: mode/],
    ['invalid email', (c) => (c.notifications = { emails: ['ops-at-example.com'] }), 'recovery-stack:notifications.emails[0]', /email address/],
    ['log retention CloudWatch does not offer', (c) => (c.lambda = { logRetentionDays: 10 }), 'recovery-stack:lambda.logRetentionDays', /retention/],
    ['unknown detector disabled', (c) => (c.playbooks = { disabledDetectors: ['ec2-cpu'] }), 'recovery-stack:playbooks.disabledDetectors[0]', /ec2-cpu-saturation/],
    ['duplicate target', (c) => (c.targets as object[]).push({ kind: 'autoscaling-group', name: 'web' }), 'recovery-stack:targets[3]', /duplicates targets\[0\]/],
    ['verify delay too long', (c) => (c.playbooks = { verifyAfterSeconds: 3600 }), 'recovery-stack:playbooks.verifyAfterSeconds', /900/],
  ];

  it.each(cases)('rejects %s, naming the key', (_name, mutate, key, message) => {
    // Prepare
    const raw = valid() as Record<string, unknown>;
    mutate(raw);
    // Act
    const problems = problemsOf(raw);
    // Assess
    expect(problems).toContainEqual({ key, message: expect.stringMatching(message) });
  });

  it('reads Pulumi runtime config (strings, JSON for structured values) and ignores other namespaces', () => {
    // Act
    const cfg = readStackConfig({
      'aws:region': 'eu-west-1',
      'recovery-stack:mode': 'dry-run',
      'recovery-stack:targets': JSON.stringify([{ kind: 'rds-instance', identifier: 'orders' }]),
    });
    // Assess
    expect(cfg.mode).toBe('dry-run');
    expect(cfg.targets).toEqual([{ kind: 'rds-instance', identifier: 'orders' }]);
  });

  it('makes `npm run synth` exit 2 with the key named, creating nothing', () => {
    // Prepare: a project whose program is this repo's, with a broken stack file.
    const dir = mkdtempSync(path.join(tmpdir(), 'badcfg-'));
    writeFileSync(path.join(dir, 'Pulumi.yaml'), `name: recovery-stack\nruntime: nodejs\nmain: ${path.resolve(__dirname, '../../infra/index.ts')}\n`);
    writeFileSync(
      path.join(dir, 'Pulumi.broken.yaml'),
      'config:\n  recovery-stack:mode: auto\n  recovery-stack:targets:\n    - kind: instance\n      id: i-0123456789abcdef0\n    - kind: instance\n      id: not-an-id\n',
    );
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../scripts/synth.ts'), '--program', dir, '--stack', 'broken'], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('recovery-stack:targets[1].id: must be an EC2 instance id');
    expect(run.stdout).toBe('');
  });
});
