import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ACTIONS, FUNCTIONS } from '../../functions/catalog';
import { ACTION_KINDS } from '../../functions/contracts/rungs';

const ROOT = path.resolve(__dirname, '../..');

describe('function catalog', () => {
  it('imports the catalog and every action declaration without loading the AWS SDK', () => {
    // Act: a fresh Node process, as the Pulumi program would import it
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '-e', "require('./functions/catalog'); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('@aws-sdk') || k.includes('@smithy'))))"],
      { cwd: ROOT, encoding: 'utf8' },
    );
    // Assess
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual([]);
  });

  it('declares every action function with a handler file and no wildcard actions', () => {
    // Assess
    for (const f of FUNCTIONS) {
      expect(f.entry).toBe(`functions/handlers/${f.name}.ts`);
      for (const p of f.permissions) for (const a of p.actions) expect(a).not.toMatch(/(^\*$|:\*$)/);
    }
    // Every action kind has its declaration (and so its Lambda and role).
    expect(Object.keys(ACTIONS).sort()).toEqual([...ACTION_KINDS].sort());
  });

  it('grants the EC2 diagnosis reads exactly to the functions whose handler diagnoses EC2 resources', () => {
    // Prepare: which handlers pass ec2Diagnosers, read from their source (functions/handlers/<name>.ts)
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const ec2Diagnosing = FUNCTIONS.filter((f) => f.name in ACTIONS && readFileSync(path.join(ROOT, f.entry), 'utf8').includes('ec2Diagnosers')).map((f) => f.name);
    expect(ec2Diagnosing.length).toBeGreaterThan(0);
    // Assess
    for (const f of FUNCTIONS.filter((x) => x.name in ACTIONS)) {
      const actions = f.permissions.flatMap((p) => p.actions);
      // Every action function: its guards and records.
      for (const a of ['health:DescribeEvents', 'cloudwatch:DescribeAlarms', 'ssm:GetParameter', 'events:PutEvents', 'sqs:SendMessage']) expect(actions).toContain(a);
      // ec2:DescribeInstanceTypes: whether EC2 simplified automatic recovery covers the instance.
      const reads = ['ec2:DescribeInstanceStatus', 'ec2:DescribeInstanceTypes', 'ec2:DescribeVolumeStatus', 'autoscaling:DescribeAutoScalingInstances'];
      if (ec2Diagnosing.includes(f.name)) for (const a of reads) expect(actions).toContain(a);
      else for (const a of reads) expect({ fn: f.name, granted: actions.includes(a), a }).toEqual({ fn: f.name, granted: false, a });
    }
  });

  it('grants the alarm mute-rule read to every action function, not to the verifier (it changes nothing)', () => {
    // Assess
    const grants = (name: string) => FUNCTIONS.find((f) => f.name === name)!.permissions.filter((p) => p.actions.includes('cloudwatch:ListAlarmMuteRules'));
    for (const f of FUNCTIONS.filter((x) => x.name in ACTIONS)) expect(grants(f.name)).toEqual([{ sid: 'AlarmMuteRules', actions: ['cloudwatch:ListAlarmMuteRules'], resources: ['*'] }]);
    expect(grants('verifier')).toEqual([]);
  });
});
