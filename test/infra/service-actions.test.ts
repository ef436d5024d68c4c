import { synthesize, SynthConfigError } from '../../infra/synth/synthesize';
import type { SynthResult } from '../../infra/synth/types';
import { DESTRUCTIVE_ACTIONS } from '../../policies/iam';

/**
 * The RDS, Lambda, ECS and Ansible actions in a synthesized stack: detectors,
 * routing to the first rung, each function's role narrowed to the configured
 * resources (the real program under the mock engine).
 */
const ACCOUNT = '123456789012';
const TARGETS = [
  { kind: 'instance', id: 'i-0123456789abcdef0', ladder: ['ansible', 'reboot'] },
  { kind: 'rds-instance', identifier: 'orders-db' },
  { kind: 'lambda-alias', functionName: 'checkout', alias: 'live' },
  { kind: 'ecs-service', cluster: 'shop', service: 'web' },
];
const ANSIBLE = { source: { type: 'S3', path: 'https://s3.amazonaws.com/my-bucket/playbooks/' }, playbookFile: 'site.yml' };

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
  Condition?: unknown;
}

const byName = (s: SynthResult, type: string, name: string) => s.resources.find((r) => r.type === type && r.name === name);
const policyOf = (s: SynthResult, fn: string): Statement[] =>
  JSON.parse(byName(s, 'aws:iam/rolePolicy:RolePolicy', `recovery-dev-${fn}-role-policy`)!.inputs.policy as string).Statement;
const granting = (st: Statement[], action: string) => st.filter((x) => x.Action.includes(action));

describe('service actions in a synthesized stack', () => {
  let stack: SynthResult;
  beforeAll(async () => {
    stack = await synthesize({ stack: 'dev', config: { 'recovery-stack:targets': TARGETS, 'recovery-stack:ansible': ANSIBLE } });
  }, 180_000);

  it('deploys one function and role per new action, with no wildcard action', () => {
    for (const fn of ['reboot-db', 'restore-db', 'lambda-rollback', 'ecs-redeploy', 'ansible']) {
      // Assess
      expect(byName(stack, 'aws:lambda/function:Function', `recovery-dev-${fn}`)).toBeDefined();
      for (const st of policyOf(stack, fn)) for (const a of st.Action) expect(a).not.toMatch(/(^\*$|:\*$)/);
    }
  });

  it('scopes RDS reboots, restores and renames to the protected DB and its derived names', () => {
    // Prepare
    const db = `arn:aws:rds:us-east-1:${ACCOUNT}:db:orders-db`;
    // Assess
    for (const fn of ['reboot-db', 'restore-db']) {
      const st = policyOf(stack, fn);
      for (const destructive of DESTRUCTIVE_ACTIONS.filter((a) => a.startsWith('rds:'))) {
        for (const s of granting(st, destructive)) expect(s.Resource).toEqual([db, `${db}-*`]);
      }
    }
    expect(granting(policyOf(stack, 'reboot-db'), 'rds:RebootDBInstance')).toHaveLength(1);
    expect(granting(policyOf(stack, 'restore-db'), 'rds:ModifyDBInstance')).toHaveLength(1);
    expect(granting(policyOf(stack, 'restore-db'), 'rds:DeleteDBInstance')).toHaveLength(0);
  });

  it('scopes alias updates to the protected function and redeploys to the protected service', () => {
    // Assess
    expect(granting(policyOf(stack, 'lambda-rollback'), 'lambda:UpdateAlias').map((s) => s.Resource)).toEqual([
      [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:checkout`, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:checkout:*`],
    ]);
    expect(granting(policyOf(stack, 'ecs-redeploy'), 'ecs:UpdateService').map((s) => s.Resource)).toEqual([[`arn:aws:ecs:us-east-1:${ACCOUNT}:service/shop/web`]]);
    const send = granting(policyOf(stack, 'ansible'), 'ssm:SendCommand').flatMap((s) => s.Resource);
    // The instance named in the config, its replacements (recovery:lineage) and the runbook document.
    expect(send.sort()).toEqual([`arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`, `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`, 'arn:aws:ssm:us-east-1::document/AWS-ApplyAnsiblePlaybooks']);
    const lineage = granting(policyOf(stack, 'ansible'), 'ssm:SendCommand').find((st) => JSON.stringify(st.Resource).includes('instance/*'));
    expect(lineage?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/recovery:lineage': ['i-0123456789abcdef0'] } });
  });

  it('creates the detectors with the dimensions the functions resolve, and routes them to their first rung', () => {
    // Prepare
    const alarm = (name: string) => byName(stack, 'aws:cloudwatch/metricAlarm:MetricAlarm', name)!.inputs as Record<string, any>;
    const target = (rule: string) => byName(stack, 'aws:cloudwatch/eventTarget:EventTarget', rule)!.inputs.arn;
    // Assess
    expect(alarm('recovery-dev-rds-unresponsive-orders-db')).toMatchObject({ dimensions: { DBInstanceIdentifier: 'orders-db' }, treatMissingData: 'breaching' });
    expect(alarm('recovery-dev-lambda-alias-errors-checkout_live').dimensions).toEqual({ FunctionName: 'checkout', Resource: 'checkout:live' });
    const ecs = alarm('recovery-dev-ecs-running-tasks-shop_web');
    expect(ecs.metricQueries.map((q: any) => q.expression ?? q.metric.metricName)).toEqual(['RunningTaskCount', 'DesiredTaskCount', 'desired - running']);
    expect(ecs.metricQueries[0].metric.dimensions).toEqual({ ClusterName: 'shop', ServiceName: 'web' });
    expect(target('recovery-dev-rds-unresponsive')).toMatch(/function:recovery-dev-reboot-db$/);
    expect(target('recovery-dev-lambda-alias-errors')).toMatch(/function:recovery-dev-lambda-rollback$/);
    expect(target('recovery-dev-ecs-running-tasks')).toMatch(/function:recovery-dev-ecs-redeploy$/);
    expect(target('recovery-dev-ec2-instance-status.ansible.reboot')).toMatch(/function:recovery-dev-ansible$/);
    // Storage and CPU stay notify-only (README: runbook-rds-free-storage, runbook-rds-cpu).
    expect(target('recovery-dev-rds-free-storage')).toMatch(/function:recovery-dev-notifier$/);
  });

  it('gives the ansible function the validated playbook source', () => {
    // Assess
    const env = (byName(stack, 'aws:lambda/function:Function', 'recovery-dev-ansible')!.inputs as any).environment.variables;
    expect(JSON.parse(env.ANSIBLE_PLAYBOOK)).toMatchObject({ ...ANSIBLE, installDependencies: true, check: false });
  });

  it('rejects an ansible rung without recovery-stack:ansible, naming the key', async () => {
    // Act / Assess
    const run = synthesize({ stack: 'dev', config: { 'recovery-stack:targets': TARGETS } });
    await expect(run).rejects.toThrow(SynthConfigError);
    await expect(run).rejects.toThrow(/recovery-stack:targets\[0\]\.ladder\[0\]: the ansible rung needs recovery-stack:ansible/);
  });
});
