import { k8sRollout, INCIDENT_ANNOTATION, REVISION, RESTARTED_AT } from '../../functions/actions/k8s-rollout';
import { ENV } from '../../functions/contracts/env';
import { decodeEksToken, eksToken } from '../../functions/kubernetes/eks-token';
import type { ActionContext } from '../../functions/runtime/action-context';
import type { Diagnosis } from '../../functions/runtime/diagnosis';
import { logger } from '../../functions/runtime/logger';
import { startKubeApi, type KubeApi } from '../../scripts/sandbox/kube-api';

/**
 * k8s-rollout against scripts/sandbox/kube-api.ts: there is no Kubernetes API
 * server on these machines, so a loopback HTTP server implements only the
 * endpoints the action uses (GET/PATCH deployment, LIST replicasets/pods),
 * checks the EKS token's shape and the Role's scope, and plays the deployment
 * controller (revisions, rollout status). The action's code, client and token
 * signer are the real ones.
 */
const CLUSTER = 'prod-eks';

function ctxFor(id: string, rung = 0): ActionContext {
  const resource = { type: 'kubernetes-deployment' as const, id, group: 'standalone' };
  const diagnosis: Diagnosis = { resource, groupSize: 1, evidence: {} };
  return {
    resource,
    request: { rung } as ActionContext['request'],
    incidentId: 'inc-0123456789abcdef',
    stage: 'dev',
    diagnosis,
    log: logger('k8s-rollout'),
    pollIntervalMs: 1,
    deadline: Date.now() + 60_000,
    clientToken: (s) => s,
    protectionPlaybooks: {},
    recoveryTags: {},
  };
}

const image = (api: KubeApi) => (api.deployments.get('shop/cart')!.spec.template.spec.containers as { image: string }[])[0].image;

describe('k8s-rollout', () => {
  let api: KubeApi;
  beforeEach(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIATESTTESTTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    api = await startKubeApi({ clusterName: CLUSTER, allow: { namespace: 'shop', deployment: 'cart' }, rolloutAfterReads: 3 });
    process.env[ENV.kubeClusters] = JSON.stringify({ [CLUSTER]: { endpoint: api.endpoint, region: 'eu-west-1' } });
  });
  afterEach(async () => {
    await api.close();
    delete process.env[ENV.kubeClusters];
  });

  it('undo rolls the template back to the previous revision and waits for the rollout', async () => {
    // Prepare: three revisions v1, v2, v3 (current)
    api.seed({ namespace: 'shop', name: 'cart', images: ['cart:v1', 'cart:v2', 'cart:v3'] });
    expect(api.deployments.get('shop/cart')!.metadata.annotations![REVISION]).toBe('3');
    // Act
    const out = await k8sRollout.run(ctxFor(`${CLUSTER}/shop/cart`), { mode: 'undo' });
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(image(api)).toBe('cart:v2');
    const d = api.deployments.get('shop/cart')!;
    // The controller re-used v2's ReplicaSet and gave it revision 4, as a real undo does.
    expect(d.metadata.annotations![REVISION]).toBe('4');
    expect(d.metadata.annotations![INCIDENT_ANNOTATION]).toBe('inc-0123456789abcdef/0');
    expect(d.spec.template.metadata!.labels!['pod-template-hash']).toBeUndefined();
    expect(api.replicaSets.size).toBe(3);
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.contentType).toBe('application/json-patch+json');
    expect((patch.body as { op: string }[])[0].op).toBe('test');
    // Watched until complete: several GETs after the patch.
    const after = api.requests.slice(api.requests.indexOf(patch) + 1);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after.every((r) => r.method === 'GET' && r.status === 200)).toBe(true);
  });

  it('restart patches restartedAt only and keeps the image', async () => {
    // Prepare
    api.seed({ namespace: 'shop', name: 'cart', images: ['cart:v1', 'cart:v2'] });
    // Act
    const out = await k8sRollout.run(ctxFor(`${CLUSTER}/shop/cart`), { mode: 'restart' });
    // Assess
    expect(out.outcome).toBe('succeeded');
    const d = api.deployments.get('shop/cart')!;
    expect(image(api)).toBe('cart:v2');
    expect(Date.parse(d.spec.template.metadata!.annotations![RESTARTED_AT])).not.toBeNaN();
    expect(d.metadata.annotations![REVISION]).toBe('3');
    expect(api.requests.find((r) => r.method === 'PATCH')!.contentType).toBe('application/strategic-merge-patch+json');
  });

  it('a redelivered request for the same incident and rung does not patch again', async () => {
    // Prepare
    api.seed({ namespace: 'shop', name: 'cart', images: ['cart:v1', 'cart:v2', 'cart:v3'] });
    await k8sRollout.run(ctxFor(`${CLUSTER}/shop/cart`), { mode: 'undo' });
    // Act
    const again = await k8sRollout.run(ctxFor(`${CLUSTER}/shop/cart`), { mode: 'undo' });
    // Assess: still v2, one PATCH in total
    expect(again.outcome).toBe('succeeded');
    expect(image(api)).toBe('cart:v2');
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('undo with no previous revision fails without patching', async () => {
    // Prepare
    api.seed({ namespace: 'shop', name: 'cart', images: ['cart:v1'] });
    // Act
    const out = await k8sRollout.run(ctxFor(`${CLUSTER}/shop/cart`), { mode: 'undo' });
    // Assess
    expect(out.outcome).toBe('failed');
    expect(out.reason).toMatch(/nothing to undo to; nothing changed/);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('a rollout that exceeds its progress deadline is a failure with the status', async () => {
    // Prepare
    api.seed({ namespace: 'shop', name: 'cart', images: ['cart:v1', 'cart:v2'] });
    api.setStuck(true);
    // Act
    const out = await k8sRollout.run(ctxFor(`${CLUSTER}/shop/cart`), { mode: 'restart' });
    // Assess
    expect(out.outcome).toBe('failed');
    expect(out.reason).toMatch(/ProgressDeadlineExceeded|progress deadline/);
  });

  it('the Role scope holds: another deployment is forbidden', async () => {
    // Prepare
    api.seed({ namespace: 'shop', name: 'cart', images: ['cart:v1', 'cart:v2'] });
    // Act
    const run = k8sRollout.run(ctxFor(`${CLUSTER}/shop/checkout`), { mode: 'restart' });
    // Assess
    await expect(run).rejects.toThrow(/HTTP 403/);
  });

  it('an unknown cluster is refused before any request', async () => {
    // Act
    const run = k8sRollout.run(ctxFor('other-eks/shop/cart'), { mode: 'restart' });
    // Assess
    await expect(run).rejects.toThrow(/not in KUBE_CLUSTERS/);
    expect(api.requests).toHaveLength(0);
  });

  it('fits only kubernetes deployments with a valid id', () => {
    // Assess
    expect(k8sRollout.fits!({ resource: { type: 'instance', id: 'i-0123456789abcdef0', group: 'standalone' }, groupSize: 1, evidence: {} }, { mode: 'undo' })).toMatch(/not on instance/);
    expect(k8sRollout.fits!({ resource: { type: 'kubernetes-deployment', id: 'a/B_ad/c', group: 'standalone' }, groupSize: 1, evidence: {} }, { mode: 'undo' })).toMatch(/namespace/);
  });
});

describe('EKS token', () => {
  it('is a presigned STS GetCallerIdentity URL that signs the cluster header', async () => {
    // Act
    const token = await eksToken({
      clusterName: CLUSTER,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      signingDate: new Date('2026-01-01T00:00:00Z'),
    });
    // Assess
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token).not.toMatch(/[=+/]/);
    const url = decodeEksToken(token);
    expect(url.hostname).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260101/eu-west-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs a different signature for a different cluster', async () => {
    // Prepare
    const o = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, signingDate: new Date('2026-01-01T00:00:00Z') };
    // Act
    const [a, b] = await Promise.all([eksToken({ ...o, clusterName: 'a' }), eksToken({ ...o, clusterName: 'b' })]);
    // Assess
    expect(decodeEksToken(a).searchParams.get('X-Amz-Signature')).not.toBe(decodeEksToken(b).searchParams.get('X-Amz-Signature'));
  });
});
