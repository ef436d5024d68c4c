import { readFileSync } from 'node:fs';
import { problemsOf } from './config-problems';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../infra/config';

/**
 * The reboot rung stops the instance (AWS-RestartEC2Instance), and an Auto Scaling group terminates a
 * member that is not running, deleting its DeleteOnTermination volumes. So a ladder that can only ever
 * reach group members (an autoscaling-group target, a log detector acting on a group) must not hold it;
 * the error names the key, what was expected and what was seen.
 */

describe('the reboot rung and Auto Scaling groups', () => {
  it('refuses reboot on an autoscaling-group target, naming the key, the expected rungs and the rung seen', () => {
    // Act
    const problems = problemsOf({
      targets: [
        { kind: 'autoscaling-group', name: 'web' },
        { kind: 'autoscaling-group', name: 'api', ladder: ['reboot', 'replace-instance'] },
      ],
    });
    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0].key).toBe('recovery-stack:targets[1].ladder[0]');
    expect(problems[0].message).toMatch(/^rung reboot \(ssm-automation\) cannot act on a autoscaling-group target: it stops and then starts the instance/);
    expect(problems[0].message).toContain('the group terminates a stopped member and deletes its DeleteOnTermination volumes');
    expect(problems[0].message).toContain('expected a rung that never stops a member (one of: replace-instance, ansible), got reboot');
    expect(problems[0].message).toContain('ladder: [replace-instance]');
  });

  it('refuses reboot on a log detector that acts on a group', () => {
    // Act
    const problems = problemsOf({
      targets: [{ kind: 'autoscaling-group', name: 'api' }],
      logDetectors: [
        {
          name: 'api-oom',
          logGroupName: '/prod/api/app',
          filterPattern: '{ $.msg = "OOM*" }',
          threshold: 1,
          ladder: ['replace-instance', 'reboot'],
          resource: { dimension: 'AutoScalingGroupName', field: '$.asg', id: 'api' },
        },
      ],
    });
    // Assess
    expect(problems).toEqual([{ key: 'recovery-stack:logDetectors[0].ladder[1]', message: expect.stringMatching(/^rung reboot \(ssm-automation\) cannot act on a autoscaling-group target: .*got reboot/) }]);
  });

  it('still accepts reboot on instance targets, and replace-instance or ansible on groups', () => {
    // Act
    const cfg = loadConfig({
      targets: [
        { kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['reboot', 'restore-volume'] },
        { kind: 'instance', tags: { recovery: 'on' }, ladder: ['reboot', 'replace-instance'] },
        { kind: 'autoscaling-group', name: 'api', ladder: ['replace-instance'] },
      ],
    });
    // Assess
    expect(cfg.targets).toHaveLength(3);
  });

  it.each(['dev', 'staging', 'prod'])('Pulumi.%s.yaml puts no reboot rung on a group', (stack) => {
    // Prepare: the stack's own config, keys without the namespace (as the Pulumi reader passes them)
    const doc = parse(readFileSync(path.join(__dirname, '../..', `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
    const raw = Object.fromEntries(Object.entries(doc.config).filter(([k]) => k.startsWith('recovery-stack:')).map(([k, v]) => [k.slice('recovery-stack:'.length), v]));
    const groups = (raw.targets as { kind: string; ladder?: string[] }[]).filter((t) => t.kind === 'autoscaling-group');
    // Assess (the whole config is loaded by the stack tests; this names the rule)
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter((t) => t.ladder?.includes('reboot'))).toEqual([]);
  });
});
