import { k8sDeploymentPdb, k8sDeploymentProbes, k8sDeploymentReplicas } from '../../policies/kubernetes';
import { check, resource, T, violators, type Fixture } from './fixtures';

const probe = { httpGet: { path: '/healthz', port: 8080 } };
const deployment = (name: string, spec: { replicas?: number; containers?: object[]; labels?: Record<string, string>; namespace?: string } = {}) =>
  resource(T.deployment, name, {
    metadata: { name, namespace: spec.namespace },
    spec: {
      replicas: 'replicas' in spec ? spec.replicas : 2,
      selector: { matchLabels: spec.labels ?? { app: name } },
      template: {
        metadata: { labels: spec.labels ?? { app: name } },
        spec: { containers: spec.containers ?? [{ name: 'app', image: 'nginx', livenessProbe: probe, readinessProbe: probe }] },
      },
    },
  });
const pdb = (name: string, selector: object, namespace?: string) =>
  resource(T.pdb, name, { metadata: { name, namespace }, spec: { maxUnavailable: 1, selector } });

const cases: Array<{ policy: typeof k8sDeploymentProbes | typeof k8sDeploymentPdb; fixtures: Fixture[] }> = [
  {
    policy: k8sDeploymentProbes,
    fixtures: [
      { title: 'passes: both probes on every container', resources: [deployment('web')], violators: [] },
      {
        title: 'fails: sidecar without readiness probe',
        resources: [deployment('web', { containers: [{ name: 'app', livenessProbe: probe, readinessProbe: probe }, { name: 'proxy', livenessProbe: probe }] })],
        violators: ['web'],
        says: "Container 'proxy' has no readinessProbe",
      },
      { title: 'fails: no probes', resources: [deployment('web', { containers: [{ name: 'app', image: 'nginx' }] })], violators: ['web'], says: 'livenessProbe and no readinessProbe' },
    ],
  },
  {
    policy: k8sDeploymentReplicas,
    fixtures: [
      { title: 'passes: 2 replicas', resources: [deployment('web')], violators: [] },
      { title: 'fails: replicas not set', resources: [deployment('web', { replicas: undefined })], violators: ['web'], says: 'defaults to 1' },
      { title: 'fails: 1 replica', resources: [deployment('web', { replicas: 1 })], violators: ['web'] },
      { title: 'fails: 2 replicas when config asks for 3', resources: [deployment('web')], violators: ['web'], config: { 'k8s-deployment-replicas': { properties: { minReplicas: 3 } } } },
    ],
  },
  {
    policy: k8sDeploymentPdb,
    fixtures: [
      { title: 'passes: PDB with matching matchLabels', resources: [deployment('web'), pdb('web', { matchLabels: { app: 'web' } })], violators: [] },
      {
        title: 'passes: PDB with matchExpressions (In) in the same namespace',
        resources: [deployment('web', { namespace: 'shop', labels: { app: 'web', tier: 'front' } }), pdb('front', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, 'shop')],
        violators: [],
      },
      { title: 'fails: no PDB', resources: [deployment('web')], violators: ['web'], says: 'matchLabels: { app: "web" }' },
      { title: 'fails: PDB selects other pods', resources: [deployment('web'), pdb('api', { matchLabels: { app: 'api' } })], violators: ['web'] },
      { title: 'fails: matching PDB in another namespace', resources: [deployment('web', { namespace: 'shop' }), pdb('web', { matchLabels: { app: 'web' } }, 'default')], violators: ['web'] },
    ],
  },
];

describe.each(cases)('$policy.name', ({ policy, fixtures }) => {
  it.each(fixtures)('$title', async ({ resources, violators: expected, says, config }) => {
    // Prepare: fixture resources in the analyzer's shape
    // Act
    const result = await check(policy, resources, config);
    // Assess
    expect(result.errors).toEqual([]);
    expect(violators(result)).toEqual(expected);
    if (says) expect(result.findings[0].message).toContain(says);
  });
});
