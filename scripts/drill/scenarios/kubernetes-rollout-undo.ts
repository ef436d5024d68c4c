import { createHash } from 'node:crypto';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { ALERT_LABELS } from '../../../functions/contracts/alertmanager';
import { ENV } from '../../../functions/contracts/env';
import type { PodTemplateSpec } from '../../../functions/kubernetes/client';
import type { KubeApi } from '../../sandbox/kube-api';
import type { Fleet } from '../fleet';
import type { PrometheusAlertRule } from '../recreate';
import type { Timeline } from '../timeline';
import { check, eventsFor, type ScenarioEnv, type Scenario } from './scenario';

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
 * are played here (`play`): the alert resolves once the Deployment runs a
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
  alert: { state: 'inactive' | 'firing' | 'resolved'; startsAt?: string; endsAt?: string; fingerprint: string; labels: Record<string, string>; annotations: Record<string, string>; posts: number[] };
}

const CLUSTER = 'drill-eks';
const NAMESPACE = 'drill';
const NAME = 'cart';
const ALERT = 'RecoveryDeploymentUnavailable';
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

/** The stack's alert rule for this Deployment (synthesized PrometheusRule). */
function alertRule(env: ScenarioEnv, s: Seed): PrometheusAlertRule {
  const rule = env.deployment.prometheusRules.find(
    (r) => r.alert === ALERT && r.namespace === s.namespace && r.labels[ALERT_LABELS.cluster] === s.cluster && r.labels[ALERT_LABELS.deployment] === s.name,
  );
  if (!rule) throw new Error(`the synthesized stack has no PrometheusRule alert ${ALERT} for ${resourceId(s)}`);
  return rule;
}

/** Alertmanager's webhook POST (payload version 4) to the stack's function URL: the built bundle, as Lambda invokes it. */
async function postAlert(env: ScenarioEnv, s: Seed, timeline: Timeline): Promise<number> {
  const fn = env.deployment.functions.get('alertmanager-webhook');
  if (!fn) throw new Error('the synthesized stack has no alertmanager-webhook function');
  const parameter = fn.env[ENV.webhookSecretParameter];
  // Alertmanager reads the token from the Secret the stack creates; the same value is in this SecureString.
  const token = (await env.clients.ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter!.Value!;
  const a = s.alert;
  const status = a.state === 'firing' ? 'firing' : 'resolved';
  const labels: Record<string, string> = { alertname: ALERT, namespace: s.namespace, ...a.labels };
  const body = JSON.stringify({
    version: '4',
    groupKey: `{}/{${ALERT_LABELS.playbook}="${labels[ALERT_LABELS.playbook]}"}:{alertname="${ALERT}", deployment="${s.name}"}`,
    truncatedAlerts: 0,
    status,
    receiver: `${s.namespace}/recovery-${env.stage}-${s.name}/recovery-stack`,
    groupLabels: { alertname: ALERT, deployment: s.name },
    commonLabels: labels,
    commonAnnotations: a.annotations,
    externalURL: 'http://alertmanager.monitoring:9093',
    alerts: [
      {
        status,
        labels,
        annotations: a.annotations,
        startsAt: a.startsAt,
        endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.monitoring:9090/graph',
        fingerprint: a.fingerprint,
      },
    ],
  });
  // Lambda function URL event (payload format 2.0).
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.27.0', host: 'drill.lambda-url.us-east-1.on.aws' },
    requestContext: { accountId: 'anonymous', apiId: 'drill', domainName: 'drill.lambda-url.us-east-1.on.aws', http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '10.0.0.9', userAgent: 'Alertmanager/0.27.0' }, requestId: createHash('sha1').update(body).digest('hex'), routeKey: '$default', stage: '$default', time: new Date().toUTCString(), timeEpoch: Date.now() },
    body,
    isBase64Encoded: false,
  };
  const [r] = await env.runner.invokeAll(fn, [event]);
  const code = r.ok ? Number((r.result as { statusCode?: number } | undefined)?.statusCode ?? 0) : 0;
  a.posts.push(code);
  timeline.add('deliver', `Alertmanager (played) -> ${fn.functionName} function URL: ${ALERT} ${status} -> ${r.ok ? `HTTP ${code}` : `FAILED: ${r.error}`}`);
  if (!r.ok || code !== 202) throw new Error(`the webhook refused the ${status} alert: ${r.ok ? `HTTP ${code} ${JSON.stringify(r.result)}` : r.error}`);
  return code;
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
      alert: { state: 'inactive', fingerprint: createHash('sha256').update(`${CLUSTER}/${NAMESPACE}/${NAME}/${ALERT}`).digest('hex').slice(0, 16), labels: {}, annotations: {}, posts: [] },
    };
  },
  targets: (s) => [{ kind: 'kubernetes-deployment', cluster: s.cluster, namespace: s.namespace, name: s.name, podSelector: { app: s.name }, ladder: ['rollout-undo'] }],
  async inject(env, s, timeline) {
    // Prometheus evaluates the stack's rule (`for` elapsed: the drill does not wait it out), Alertmanager sends it.
    const rule = alertRule(env, s);
    if (unavailableReplicas(s) === 0) throw new Error(`${resourceId(s)} is healthy before the fault`);
    s.alert = { ...s.alert, state: 'firing', startsAt: new Date().toISOString(), labels: rule.labels, annotations: rule.annotations };
    await postAlert(env, s, timeline);
    return [];
  },
  async play(env, s, timeline) {
    if (s.alert.state !== 'firing' || unavailableReplicas(s) > 0) return 0;
    s.alert = { ...s.alert, state: 'resolved', endsAt: new Date().toISOString() };
    timeline.add('alarm', `Prometheus (played): ${ALERT} on ${resourceId(s)} no longer true (0 unavailable replicas) -> resolved`);
    await postAlert(env, s, timeline);
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
