import { ACTIONS, automationRolePermissions, FUNCTIONS, type FunctionName } from '../../functions/catalog';
import { ACTION_KINDS } from '../../functions/contracts/rungs';
import { loadConfig } from '../../infra/config';
import { actionKindsOf, assertLaddersDeployed, deployedSpecs, type StackFunctions } from '../../infra/functions/stack-functions';
import { planKubernetesPlaybooks } from '../../infra/kubernetes/playbooks';
import { planLogPlaybooks } from '../../infra/logs/log-detectors';
import { planPlaybooks } from '../../infra/playbooks';
import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResult } from '../../infra/synth/types';
import { iamDocuments, nameOf, ofType } from './stack-checks';

/**
 * Least privilege at the stack level: an action function is deployed only when
 * a rung of one of the stack's ladders runs it; verifier and notifier always.
 */
const ladder = (name: string, rungs: string[]) => ({ params: { name, ladder: rungs } });

describe('which functions a stack deploys', () => {
  it('takes the action kinds from every rung of metric, log and Kubernetes ladders', () => {
    // Prepare: a metric ladder (reboot -> replace), a log ladder (restore-volume), a Kubernetes ladder (rollout).
    const config = loadConfig({
      targets: [
        { kind: 'instance', id: 'i-0123456789abcdef0' },
        { kind: 'kubernetes-deployment', cluster: 'shop', namespace: 'web', name: 'cart', podSelector: { app: 'cart' } },
      ],
      playbooks: { disabledDetectors: ['ebs-stalled-io', 'ec2-cpu-saturation'] },
      logDetectors: [
        {
          name: 'fsync',
          logGroupName: '/app/db',
          filterPattern: '{ $.msg = "fsync failed*" }',
          threshold: 3,
          ladder: ['restore-volume'],
          resource: { dimension: 'InstanceId', field: '$.instanceId', id: 'i-0123456789abcdef0' },
        },
      ],
      alertmanager: { webhookSecret: 'a-long-enough-secret' },
    });
    const playbooks = [...planPlaybooks(config).playbooks, ...planLogPlaybooks(config).playbooks, ...planKubernetesPlaybooks(config)];
    // Act
    const kinds = actionKindsOf(playbooks);
    const specs = deployedSpecs(playbooks).map((s) => s.name);
    // Assess
    expect(kinds).toEqual(['ssm-automation', 'replace-instance', 'restore-volume', 'k8s-rollout']);
    expect(specs).toEqual(FUNCTIONS.map((f) => f.name).filter((n) => [...kinds, 'verifier', 'notifier'].includes(n)));
  });

  it('deploys only verifier and notifier for notify-only ladders', () => {
    expect(deployedSpecs([ladder('asg-in-service', []), ladder('logs', [])]).map((s) => s.name)).toEqual(['verifier', 'notifier']);
  });

  it('fails loudly when a ladder names a kind whose function is missing (a bug, caught at synth time)', () => {
    // Prepare: functions for the first rung only.
    const fn = (name: FunctionName) => `fn:${name}`;
    const functions: StackFunctions<string> = { verifier: fn('verifier'), notifier: fn('notifier'), 'reboot-db': fn('reboot-db') };
    // Act / Assess: the escalation rung restore-db has no function.
    expect(() => assertLaddersDeployed([ladder('rds-unresponsive', ['reboot-db', 'restore-db'])], functions)).toThrow(
      /playbook rds-unresponsive rung 1 \(restore-db\): the stack has no restore-db function \(deployed: notifier, reboot-db, verifier\)/,
    );
    expect(() => assertLaddersDeployed([ladder('rds-unresponsive', ['reboot-db'])], functions)).not.toThrow();
  });
});

describe('a stack whose ladders use only replace-instance', () => {
  let stack: SynthResult;
  beforeAll(async () => {
    // One Auto Scaling group: asg-status-check -> [replace-instance], asg-in-service -> notify-only.
    stack = await synthesize({ stack: 'dev', config: { 'recovery-stack:targets': [{ kind: 'autoscaling-group', name: 'web' }] } });
  }, 180_000);

  it('deploys exactly replace-instance, verifier and notifier, each with its own role and log group', () => {
    // Act
    const fns = ofType(stack, 'aws:lambda/function:Function').map(nameOf).sort();
    const roles = ofType(stack, 'aws:iam/role:Role').map(nameOf).sort();
    const logGroups = ofType(stack, 'aws:cloudwatch/logGroup:LogGroup').map(nameOf).sort();
    // Assess
    expect(fns).toEqual(['recovery-dev-notifier', 'recovery-dev-replace-instance', 'recovery-dev-verifier']);
    // No role SSM Automation could assume: there is no ssm-automation function to pass it.
    expect(roles).toEqual(['recovery-dev-notifier-role', 'recovery-dev-replace-instance-role', 'recovery-dev-verifier-role']);
    expect(logGroups).toEqual(fns.map((f) => `/aws/lambda/${f}`));
    expect(ofType(stack, 'aws:eks/accessEntry:AccessEntry')).toEqual([]);
  });

  it('routes escalations on the recovery bus only to replace-instance (plus the notifier rule)', () => {
    // Prepare
    const busRules = ofType(stack, 'aws:cloudwatch/eventRule:EventRule').filter((r) => r.inputs.eventBusName === 'recovery-dev');
    // Act
    const escalated = busRules.flatMap((r) => (JSON.parse(r.inputs.eventPattern as string) as { detail?: { action?: string[] } }).detail?.action ?? []);
    // Assess
    expect(escalated).toEqual(['replace-instance']);
    expect(busRules.map(nameOf).sort()).toEqual(['recovery-dev-notify', 'recovery-dev-requested-replace-instance']);
  });

  it("gives no role another kind's permissions", () => {
    // Prepare: what the other kinds (and the SSM Automation role) declare that the deployed functions do not.
    const deployed = FUNCTIONS.filter((f) => ['replace-instance', 'verifier', 'notifier'].includes(f.name));
    const ownActions = new Set(deployed.flatMap((f) => f.permissions.flatMap((p) => p.actions)));
    const foreign = new Set(
      [...ACTION_KINDS.filter((k) => k !== 'replace-instance').flatMap((k) => ACTIONS[k].permissions), ...automationRolePermissions]
        .flatMap((p) => p.actions)
        .filter((a) => !ownActions.has(a)),
    );
    expect([...foreign]).toEqual(expect.arrayContaining(['ssm:StartAutomationExecution', 'ec2:CreateVolume', 'rds:RebootDBInstance', 'lambda:UpdateAlias', 'ecs:UpdateService', 'ssm:SendCommand']));
    // Act
    const granted = iamDocuments(stack).flatMap((d) => d.statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).map((action) => ({ where: d.where, action }))));
    // Assess
    expect(granted.length).toBeGreaterThan(0);
    expect(granted.filter((g) => foreign.has(g.action))).toEqual([]);
    // And each function role grants only what its own spec declares (+ its log group and on-failure queue).
    for (const spec of deployed) {
      const policy = ofType(stack, 'aws:iam/rolePolicy:RolePolicy').find((p) => p.name === `recovery-dev-${spec.name}-role-policy`)!;
      const actions = (JSON.parse(policy.inputs.policy as string) as { Statement: { Action: string[] }[] }).Statement.flatMap((s) => s.Action);
      const allowed = new Set([...spec.permissions.flatMap((p) => p.actions), 'logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage']);
      expect({ fn: spec.name, extra: actions.filter((a) => !allowed.has(a)) }).toEqual({ fn: spec.name, extra: [] });
    }
  });
});

describe('a stack whose only Kubernetes ladder is notify-only', () => {
  let stack: SynthResult;
  beforeAll(async () => {
    // Prepare: one Deployment with ladder [] (alerts page people, nothing is rolled).
    const cart = { kind: 'kubernetes-deployment', cluster: 'shop-eks', namespace: 'shop', name: 'cart', podSelector: { app: 'cart' }, ladder: [] };
    stack = await synthesize({
      stack: 'dev',
      config: { 'recovery-stack:targets': [cart], 'recovery-stack:alertmanager': { webhookSecret: 'alertmanager-bearer-token-0123456789' } },
    });
  }, 180_000);

  it('deploys no k8s-rollout function, access entry or RBAC; the webhook still feeds the notifier', () => {
    // Act
    const fns = ofType(stack, 'aws:lambda/function:Function').map(nameOf).sort();
    const k8sRule = ofType(stack, 'aws:cloudwatch/eventRule:EventRule').find((r) => nameOf(r) === 'recovery-dev-k8s-deployment.notify')!;
    const target = ofType(stack, 'aws:cloudwatch/eventTarget:EventTarget').find((t) => t.inputs.rule === nameOf(k8sRule))!;
    // Assess
    expect(fns).toEqual(['recovery-dev-alertmanager-webhook', 'recovery-dev-notifier', 'recovery-dev-verifier']);
    expect(ofType(stack, 'aws:eks/accessEntry:AccessEntry')).toEqual([]);
    expect(ofType(stack, 'kubernetes:rbac.authorization.k8s.io/v1:Role')).toEqual([]);
    expect(ofType(stack, 'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding')).toEqual([]);
    expect(ofType(stack, 'kubernetes:policy/v1:PodDisruptionBudget').length).toBe(1);
    expect(target.inputs.arn).toMatch(/function:recovery-dev-notifier$/);
  });

  it('hands the notifier firing alerts in the envelope naming the empty ladder (it pages), and resolved ones as the whole event (it resolves)', () => {
    // Act
    const rules = ofType(stack, 'aws:cloudwatch/eventRule:EventRule');
    const targets = ofType(stack, 'aws:cloudwatch/eventTarget:EventTarget');
    const firing = rules.find((r) => nameOf(r) === 'recovery-dev-k8s-deployment.notify')!;
    const resolved = rules.find((r) => nameOf(r) === 'recovery-dev-alert-resolved')!;
    const firingTarget = targets.find((t) => t.inputs.rule === nameOf(firing))!;
    const resolvedTarget = targets.find((t) => t.inputs.rule === nameOf(resolved))!;
    const envelope = JSON.parse(String((firingTarget.inputs.inputTransformer as { inputTemplate: string }).inputTemplate).replace('<aws.events.event.json>', '{}'));
    // Assess
    expect(JSON.parse(String(firing.inputs.eventPattern)).detail).toEqual({ playbook: ['k8s-deployment.notify'], status: ['firing'] });
    expect(envelope).toMatchObject({ version: 1, rung: 0, playbook: { name: 'k8s-deployment.notify', ladder: [] } });
    expect(JSON.parse(String(resolved.inputs.eventPattern)).detail).toEqual({ playbook: ['k8s-deployment.notify'], status: ['resolved'] });
    expect(resolvedTarget.inputs.inputTransformer).toBeUndefined();
    expect([firingTarget.inputs.arn, resolvedTarget.inputs.arn]).toEqual([expect.stringMatching(/function:recovery-dev-notifier$/), expect.stringMatching(/function:recovery-dev-notifier$/)]);
  });

  it('has no alarm OK rule (no alarms), and no rule pattern EventBridge would refuse (empty arrays)', () => {
    // Act
    const rules = ofType(stack, 'aws:cloudwatch/eventRule:EventRule');
    const emptyArrays = (v: unknown, at: string): string[] =>
      Array.isArray(v) ? (v.length === 0 ? [at] : v.flatMap((x, i) => emptyArrays(x, `${at}[${i}]`))) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => emptyArrays(x, `${at}.${k}`)) : [];
    const refused = rules.flatMap((r) => emptyArrays(JSON.parse(String(r.inputs.eventPattern)), nameOf(r)));
    // Assess: EventBridge answers InvalidEventPatternException "Empty arrays are not allowed".
    expect(ofType(stack, 'aws:cloudwatch/alarm:MetricAlarm')).toEqual([]);
    expect(rules.map(nameOf)).not.toContain('recovery-dev-alarm-ok');
    expect(refused).toEqual([]);
  });
});
