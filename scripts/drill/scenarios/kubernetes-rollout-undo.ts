import type { PodTemplateSpec } from '../../../functions/kubernetes/client';
import type { KubeApi } from '../../sandbox/kube-api';
import type { Fleet } from '../fleet';
import { ALERT, firing, inactiveAlert, postAlert, type PlayedAlert } from './alertmanager';
import { check, eventsFor, type Scenario } from './scenario';

/**
 * A deploy rolls Deployment drill/cart from cart:v1 to cart:v2, whose pods
 * never become available. Prometheus fires the stack's own
 * RecoveryDeploymentUnavailable alert (from the synthesized PrometheusRule)
 * and Alertmanager posts it to the stack's webhook: the BUILT
 * alertmanager-webhook bundle, invoked with a Lambda function URL event and
 * the bearer token from the stack's SecureString. From there it is the stack:
 * the bus rule routes the alert to k8s-rollout (rung rollout-undo), which
 * rolls the template back to the previous ReplicaSet's through the kube-api
 * sandbox, then the verifier reads the alert state the webhook recorded.
 *
 * STAND-INS (the machines have neither): the Kubernetes API server is
 * scripts/sandbox/kube-api.ts (a loopback server with a deployment controller
 * model; checks the EKS token and the Role's scope); Prometheus + Alertmanager
 * are played here (`play`, with ./alertmanager.ts): the alert resolves once the Deployment runs a
 * good template and its rollout is complete, judged from kube-api's state.
 */
interface Seed {
  api: KubeApi;
  cluster: string;
  namespace: string;
  name: string;
  good: string;
  bad: string;
  /** The template of the revision before the bad deploy (ReplicaSet template without pod-template-hash). */
  previousTemplate: PodTemplateSpec;
  seededRevision: number;
  replicaSetsBefore: string[];
  alert: PlayedAlert;
}

const CLUSTER = 'drill-eks';
const NAMESPACE = 'drill';
const NAME = 'cart';
const REVISION = 'deployment.kubernetes.io/revision';

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
const withoutHash = (t: PodTemplateSpec): PodTemplateSpec => {
  const c = structuredClone(t);
  if (c.metadata?.labels) delete c.metadata.labels['pod-template-hash'];
  return c;
};
const imageOf = (t: PodTemplateSpec | undefined) => ((t?.spec as { containers?: { image?: string }[] } | undefined)?.containers ?? []).map((c) => c.image).join(',');
const deployment = (s: Seed) => s.api.deployments.get(`${s.namespace}/${s.name}`)!;
const resourceId = (s: Seed) => `${s.cluster}/${s.namespace}/${s.name}`;

/** What kube_deployment_status_replicas_unavailable says: the bad image's pods never become available; others do once rolled out. */
function unavailableReplicas(s: Seed): number {
  const d = deployment(s);
  const want = d.spec.replicas ?? 1;
  if (imageOf(d.spec.template).includes(s.bad)) return want;
  const st = d.status ?? {};
  const rolledOut = st.observedGeneration === d.metadata.generation && st.updatedReplicas === want && (st.availableReplicas ?? 0) >= want;
  return rolledOut ? 0 : want - Math.min(want, st.availableReplicas ?? 0);
}

export const kubernetesRolloutUndo: Scenario<Seed> = {
  name: 'kubernetes-rollout-undo',
  title: 'Kubernetes Deployment unavailable after a bad deploy (Alertmanager)',
  fault: `Deployment ${NAMESPACE}/${NAME} rolled to cart:v2, whose pods never become available; Alertmanager fires ${ALERT}`,
  expected: 'rollout undo to the previous ReplicaSet (cart:v1, new revision, old ReplicaSets kept); alert resolves; verified',
  async seed(fleet: Fleet) {
    // One GET after a template change completes the rollout: the action's watch polls at the stack's interval (5 s).
    const api = await fleet.kubeCluster({ clusterName: CLUSTER, allow: { namespace: NAMESPACE, deployment: NAME }, rolloutAfterReads: 1 });
    const good = 'cart:v1';
    const bad = 'cart:v2';
    const d = api.seed({ namespace: NAMESPACE, name: NAME, images: [good, bad], replicas: 3 });
    const seededRevision = Number(d.metadata.annotations?.[REVISION]);
    const previous = [...api.replicaSets.values()].find((rs) => Number(rs.metadata.annotations?.[REVISION]) === seededRevision - 1);
    if (!previous) throw new Error('kube-api seed: no previous ReplicaSet');
    return {
      api,
      cluster: CLUSTER,
      namespace: NAMESPACE,
      name: NAME,
      good,
      bad,
      previousTemplate: withoutHash(previous.spec.template),
      seededRevision,
      replicaSetsBefore: [...api.replicaSets.keys()].sort(),
      alert: inactiveAlert({ cluster: CLUSTER, namespace: NAMESPACE, name: NAME }),
    };
  },
  targets: (s) => [{ kind: 'kubernetes-deployment', cluster: s.cluster, namespace: s.namespace, name: s.name, podSelector: { app: s.name }, ladder: ['rollout-undo'] }],
  async inject(env, s, timeline) {
    // Prometheus evaluates the stack's rule (`for` elapsed: the drill does not wait it out), Alertmanager sends it.
    if (unavailableReplicas(s) === 0) throw new Error(`${resourceId(s)} is healthy before the fault`);
    s.alert = firing(env, s, s.alert);
    await postAlert(env, s, s.alert, timeline);
    return [];
  },
  async play(env, s, timeline) {
    if (s.alert.state !== 'firing' || unavailableReplicas(s) > 0) return 0;
    s.alert = { ...s.alert, state: 'resolved', endsAt: new Date().toISOString() };
    timeline.add('alarm', `Prometheus (played): ${ALERT} on ${resourceId(s)} no longer true (0 unavailable replicas) -> resolved`);
    await postAlert(env, s, s.alert, timeline);
    return 1;
  },
  async recovered(_env, s) {
    return unavailableReplicas(s) === 0;
  },
  actions: (_env, s) => s.api.requests.filter((r) => r.method === 'PATCH').map((r) => `kubernetes:PATCH ${r.path.split('?')[0]} -> ${r.status}`),
  async judge(env, s) {
    const d = deployment(s);
    const revision = Number(d.metadata.annotations?.[REVISION]);
    const patches = s.api.requests.filter((r) => r.method === 'PATCH');
    const denied = s.api.requests.filter((r) => r.status === 401 || r.status === 403);
    const rsNow = [...s.api.replicaSets.values()];
    const current = rsNow.find((rs) => rs.metadata.annotations?.[REVISION] === String(revision));
    const succeeded = eventsFor(env, [resourceId(s)], 'Remediation Succeeded');
    const verified = eventsFor(env, [resourceId(s)], 'Remediation Verified');
    const escalated = eventsFor(env, [resourceId(s)], 'Remediation Escalated');
    const want = d.spec.replicas ?? 1;
    const templateBack = canonical(d.spec.template) === canonical(s.previousTemplate);
    const checks = [
      check('the template equals the previous revision\'s', templateBack, `now ${imageOf(d.spec.template)}, previous ${imageOf(s.previousTemplate)}`),
      check('a new revision was recorded', revision === s.seededRevision + 1 && imageOf(current?.spec.template) === s.good, `revision ${s.seededRevision} -> ${revision} (${current?.metadata.name ?? 'no ReplicaSet'} ${imageOf(current?.spec.template)})`),
      check('old ReplicaSets kept', s.replicaSetsBefore.every((k) => s.api.replicaSets.has(k)), `${rsNow.map((rs) => `${rs.metadata.name}=${rs.spec.replicas}`).join(', ')}`),
      check('the rollout completed', d.status?.observedGeneration === d.metadata.generation && d.status?.updatedReplicas === want && d.status?.availableReplicas === want, JSON.stringify(d.status ?? {})),
      check('one PATCH, none refused by the API server', patches.length === 1 && denied.length === 0, `${patches.length} PATCH, ${denied.length} 401/403 of ${s.api.requests.length} requests`),
      check('the alert fired and resolved through the webhook (HTTP 202)', s.alert.state === 'resolved' && s.alert.posts.length === 2 && s.alert.posts.every((c) => c === 202), `alert ${s.alert.state}, posts ${s.alert.posts.join(', ')}`),
      check('rollout-undo succeeded', succeeded.length === 1, `${succeeded.length} Remediation Succeeded event(s)`),
      check('the fix was verified after the alert resolved', verified.length >= 1 && escalated.length === 0, `${verified.length} Verified, ${escalated.length} Escalated: ${String(verified[0]?.detail.reason ?? '')}`),
    ];
    return { outcome: templateBack ? `${resourceId(s)} rolled back ${s.bad} -> ${imageOf(d.spec.template)} (revision ${revision})` : `${resourceId(s)} still on ${imageOf(d.spec.template)}`, checks };
  },
};
