import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ALERT_DETAIL_TYPE } from '../../functions/contracts/alertmanager';
import { ClusterMap } from '../../functions/kubernetes/clusters';
import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResource, SynthResult } from '../../infra/synth/types';

/**
 * Pulumi.dev.yaml plus Kubernetes targets, through the real program under the
 * mock engine: providers, RBAC, PodDisruptionBudgets, access entries,
 * PrometheusRule/AlertmanagerConfig, the webhook and its playbook rules.
 */
const ROOT = path.resolve(__dirname, '../..');
const devTargets = parse(readFileSync(path.join(ROOT, 'Pulumi.dev.yaml'), 'utf8')).config['recovery-stack:targets'] as unknown[];
const SECRET = 'alertmanager-bearer-token-0123456789';

const cart = { kind: 'kubernetes-deployment', cluster: 'shop-eks', namespace: 'shop', name: 'cart', podSelector: { app: 'cart' } };
const checkout = { kind: 'kubernetes-deployment', cluster: 'shop-eks', namespace: 'shop', name: 'checkout', hasPodDisruptionBudget: true, ladder: ['rollout-undo'], alerts: { alertmanagerConfig: false } };
const batch = { kind: 'kubernetes-deployment', cluster: 'batch-eks', kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: []\n', namespace: 'jobs', name: 'worker', podSelector: { app: 'worker' }, minAvailable: 1 };

const ofType = (s: SynthResult, t: string) => s.resources.filter((r) => r.type === t);
const named = (s: SynthResult, t: string, name: string) => ofType(s, t).filter((r) => (r.inputs.metadata as { name?: string } | undefined)?.name === name || r.inputs.name === name);

describe('kubernetes workloads (mock engine)', () => {
  let st: SynthResult;
  beforeAll(async () => {
    st = await synthesize({
      stack: 'dev',
      config: { 'recovery-stack:targets': [...devTargets, cart, checkout, batch], 'recovery-stack:alertmanager': { webhookSecret: SECRET } },
    });
  }, 180_000);

  it('creates one explicit provider per cluster: the kubeconfig secret as given, else built from the EKS cluster', () => {
    // Assess
    const providers = ofType(st, 'pulumi:providers:kubernetes');
    expect(providers.map((p) => p.name).sort()).toEqual(['recovery-dev-k8s-batch-eks', 'recovery-dev-k8s-shop-eks']);
    const batchProvider = providers.find((p) => p.name.endsWith('batch-eks'))!;
    expect(batchProvider.inputs.kubeconfig).toBe(batch.kubeconfig);
    expect(batchProvider.secretPaths).toContain('kubeconfig');
    const shop = JSON.parse(String(providers.find((p) => p.name.endsWith('shop-eks'))!.inputs.kubeconfig));
    expect(shop.clusters[0].cluster.server).toMatch(/^https:\/\/.*\.eks\.amazonaws\.com$/);
    expect(shop.users[0].user.exec.args).toEqual(['eks', 'get-token', '--cluster-name', 'shop-eks', '--region', 'us-east-1']);
  });

  it('grants the remediation identity get/patch on its deployment only, and read on ReplicaSets and Pods, per namespace', () => {
    // Assess
    const roles = ofType(st, 'kubernetes:rbac.authorization.k8s.io/v1:Role');
    expect(roles).toHaveLength(3);
    const cartRole = roles.find((r) => (r.inputs.metadata as { name: string }).name === 'recovery-dev-cart')!;
    expect((cartRole.inputs.metadata as { namespace: string }).namespace).toBe('shop');
    expect(cartRole.inputs.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['cart'], verbs: ['get', 'patch'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
    for (const r of roles) {
      const verbs = (r.inputs.rules as { verbs: string[]; resourceNames?: string[]; resources: string[] }[]).flatMap((x) => x.verbs);
      expect(verbs).not.toContain('*');
      expect(verbs).not.toContain('delete');
      expect(verbs).not.toContain('update');
    }
    const bindings = ofType(st, 'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding');
    expect(bindings).toHaveLength(3);
    for (const b of bindings) {
      expect(b.inputs.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'recovery-dev-k8s-rollout' }]);
      expect((b.inputs.roleRef as { name: string }).name).toBe((b.inputs.metadata as { name: string }).name);
    }
  });

  it('maps the k8s-rollout function role to that identity with an EKS access entry per cluster', () => {
    // Assess
    const entries = ofType(st, 'aws:eks/accessEntry:AccessEntry');
    const role = ofType(st, 'aws:iam/role:Role').find((r) => r.inputs.name === 'recovery-dev-k8s-rollout-role')!;
    expect(entries.map((e) => e.inputs.clusterName).sort()).toEqual(['batch-eks', 'shop-eks']);
    for (const e of entries) expect(e.inputs).toMatchObject({ principalArn: role.outputs!.arn, userName: 'recovery-dev-k8s-rollout', type: 'STANDARD' });
  });

  it('creates a PodDisruptionBudget only where none is declared', () => {
    // Assess
    const pdbs = ofType(st, 'kubernetes:policy/v1:PodDisruptionBudget');
    expect(pdbs.map((p) => (p.inputs.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels)).toEqual([{ app: 'cart' }, { app: 'worker' }]);
    expect(pdbs.map((p) => (p.inputs.spec as { minAvailable: unknown }).minAvailable)).toEqual(['50%', 1]);
  });

  it('adds recovery alerts labelled with playbook and cluster, and routes them to the webhook with the bearer secret', () => {
    // Assess
    const rules = ofType(st, 'kubernetes:monitoring.coreos.com/v1:PrometheusRule');
    expect(rules).toHaveLength(3);
    const cartRule = named(st, 'kubernetes:monitoring.coreos.com/v1:PrometheusRule', 'recovery-dev-cart')[0];
    const alerts = (cartRule.inputs.spec as { groups: { rules: { alert: string; expr: string; labels: Record<string, string> }[] }[] }).groups[0].rules;
    expect(alerts.map((a) => a.alert)).toEqual(['RecoveryPodsCrashLooping', 'RecoveryDeploymentUnavailable']);
    expect(alerts[1].expr).toContain('kube_deployment_status_replicas_unavailable{namespace="shop", deployment="cart"}');
    expect(alerts[0].labels).toMatchObject({ recovery_playbook: 'k8s-deployment', recovery_cluster: 'shop-eks', deployment: 'cart' });
    const checkoutRule = named(st, 'kubernetes:monitoring.coreos.com/v1:PrometheusRule', 'recovery-dev-checkout')[0];
    expect((checkoutRule.inputs.spec as { groups: { rules: { labels: Record<string, string> }[] }[] }).groups[0].rules[0].labels.recovery_playbook).toBe('k8s-deployment.rollout-undo');

    const amc = ofType(st, 'kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig');
    expect(amc).toHaveLength(2); // checkout opted out
    const url = ofType(st, 'aws:lambda/functionUrl:FunctionUrl')[0];
    const receiver = (amc[0].inputs.spec as { receivers: { webhookConfigs: { url: string; sendResolved: boolean; httpConfig: unknown }[] }[] }).receivers[0].webhookConfigs[0];
    expect(receiver.url).toBe(url.outputs!.functionUrl);
    expect(receiver.sendResolved).toBe(true);
    expect(receiver.httpConfig).toEqual({ authorization: { type: 'Bearer', credentials: { name: 'recovery-dev-cart-webhook', key: 'token' } } });
    const secrets = ofType(st, 'kubernetes:core/v1:Secret');
    expect(secrets.map((s) => (s.inputs.stringData as { token: string }).token)).toEqual([SECRET, SECRET]);
    for (const s of secrets) expect(s.secretPaths.some((p) => p.startsWith('stringData'))).toBe(true);
  });

  it('deploys the webhook behind a function URL (auth in code) with the secret in an SSM SecureString', () => {
    // Assess
    const [url] = ofType(st, 'aws:lambda/functionUrl:FunctionUrl');
    expect(url.inputs).toMatchObject({ functionName: 'recovery-dev-alertmanager-webhook', authorizationType: 'NONE' });
    const param = ofType(st, 'aws:ssm/parameter:Parameter').find((p) => p.inputs.name === '/recovery/dev/alertmanager-webhook-secret')!;
    expect(param.inputs.type).toBe('SecureString');
    expect(param.secretPaths).toContain('value');
    const fn = ofType(st, 'aws:lambda/function:Function').find((f) => f.inputs.name === 'recovery-dev-alertmanager-webhook')!;
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables.WEBHOOK_SECRET_PARAMETER).toBe('/recovery/dev/alertmanager-webhook-secret');
  });

  it('routes firing alerts of each Kubernetes playbook to its first rung with the alarm envelope', () => {
    // Assess
    const rules = ofType(st, 'aws:cloudwatch/eventRule:EventRule').filter((r) => String(r.inputs.eventPattern ?? '').includes(ALERT_DETAIL_TYPE) && r.inputs.name !== 'recovery-dev-alert-resolved');
    expect(rules.map((r) => r.inputs.name).sort()).toEqual(['recovery-dev-k8s-deployment', 'recovery-dev-k8s-deployment.rollout-undo']);
    for (const r of rules) {
      expect(r.inputs.eventBusName).toBe('recovery-dev');
      const pattern = JSON.parse(String(r.inputs.eventPattern));
      expect(pattern.detail.status).toEqual(['firing']);
      const target = ofType(st, 'aws:cloudwatch/eventTarget:EventTarget').find((t) => t.inputs.rule === r.inputs.name)! as SynthResource;
      expect(target.inputs.arn).toMatch(/function:recovery-dev-k8s-rollout$/);
      const template = JSON.parse(String((target.inputs.inputTransformer as { inputTemplate: string }).inputTemplate).replace('<aws.events.event.json>', '{}'));
      expect(template).toMatchObject({ version: 1, rung: 0, playbook: { name: pattern.detail.playbook[0] } });
      expect(target.inputs.deadLetterConfig).toBeDefined();
    }
  });

  it('routes resolved alerts of every Kubernetes playbook to the notifier (whole event), which resolves their escalated pages', () => {
    // Assess
    const rule = ofType(st, 'aws:cloudwatch/eventRule:EventRule').find((r) => r.inputs.name === 'recovery-dev-alert-resolved')!;
    expect(rule.inputs.eventBusName).toBe('recovery-dev');
    expect(JSON.parse(String(rule.inputs.eventPattern))).toEqual({
      source: ['recovery-stack'],
      'detail-type': [ALERT_DETAIL_TYPE],
      detail: { playbook: ['k8s-deployment', 'k8s-deployment.rollout-undo'], status: ['resolved'] },
    });
    const target = ofType(st, 'aws:cloudwatch/eventTarget:EventTarget').find((t) => t.inputs.rule === 'recovery-dev-alert-resolved')!;
    expect(target.inputs.arn).toMatch(/function:recovery-dev-notifier$/);
    expect(target.inputs.inputTransformer).toBeUndefined();
    expect(target.inputs.deadLetterConfig).toBeDefined();
    // Only this stack's rules may dead-letter: the new rule is among them.
    const dlqPolicy = ofType(st, 'aws:sqs/queuePolicy:QueuePolicy').find((p) => p.name === 'recovery-dev-events-dlq')!;
    const sources = JSON.parse(String(dlqPolicy.inputs.policy)).Statement[0].Condition.ArnEquals['aws:SourceArn'] as string[];
    expect(sources).toContain(rule.outputs!.arn);
  });

  it('gives the k8s-rollout function each cluster endpoint and CA (no kubeconfig, no EKS call at run time)', () => {
    // Assess
    const fn = ofType(st, 'aws:lambda/function:Function').find((f) => f.inputs.name === 'recovery-dev-k8s-rollout')!;
    const clusters = ClusterMap.parse(JSON.parse((fn.inputs.environment as { variables: Record<string, string> }).variables.KUBE_CLUSTERS));
    expect(Object.keys(clusters).sort()).toEqual(['batch-eks', 'shop-eks']);
    expect(clusters['shop-eks'].region).toBe('us-east-1');
    expect(Buffer.from(clusters['shop-eks'].certificateAuthority!, 'base64').toString()).toContain('BEGIN CERTIFICATE');
  });
});

describe('kubernetes config validation', () => {
  it.each([
    [{ 'recovery-stack:alertmanager': undefined }, [cart], /recovery-stack:alertmanager\.webhookSecret: kubernetes-deployment targets are fed by Alertmanager/],
    [{}, [{ ...cart, podSelector: undefined }], /recovery-stack:targets\[2\]\.podSelector: give the Deployment pod labels/],
    [{}, [{ ...cart, namespace: 'Shop_1' }], /recovery-stack:targets\[2\]\.namespace: must be a Kubernetes namespace/],
    [{}, [{ ...cart, ladder: ['reboot'] }], /recovery-stack:targets\[2\]\.ladder\[0\]: must be a Kubernetes rung: rollout-restart, rollout-undo/],
    [{}, [{ ...cart, cluster: 'arn:aws:eks:us-east-1:1:cluster/x' }], /recovery-stack:targets\[2\]\.cluster: must be an EKS cluster name/],
    [{}, [cart, cart], /recovery-stack:targets\[3\]: duplicates targets\[2\]/],
    [{ 'recovery-stack:alertmanager': { webhookSecret: 'short' } }, [cart], /recovery-stack:alertmanager\.webhookSecret: use at least 16 characters/],
  ])('names the key and the fix (%#)', async (extra, targets, message) => {
    // Act
    const run = synthesize({
      stack: 'dev',
      config: { 'recovery-stack:targets': [...devTargets, ...targets], 'recovery-stack:alertmanager': { webhookSecret: SECRET }, ...extra },
    });
    // Assess
    await expect(run).rejects.toThrow(message);
  }, 60_000);
});
