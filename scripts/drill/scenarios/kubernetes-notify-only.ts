import type { KubeApi } from '../../sandbox/kube-api';
import type { Fleet } from '../fleet';
import { ALERT, firing, inactiveAlert, postAlert, resourceIdOf, type PlayedAlert } from './alertmanager';
import { check, eventsFor, notificationsFor, pageResolvedChecks, type Scenario } from './scenario';

/**
 * A Deployment the stack only watches (kubernetes-deployment target with
 * `ladder: []`, playbook k8s-deployment.notify): its pods stop being ready
 * because a dependency is down, so no rollout would help. Alertmanager posts
 * the stack's RecoveryDeploymentUnavailable alert to the BUILT webhook bundle;
 * the notify-only playbook's rule hands it to the notifier, which pages humans
 * (`Remediation Escalated`, action notify-only). Then the dependency comes
 * back, the alert resolves, and the stack's alert-resolved rule brings the
 * notifier to resolve that page (`Remediation Resolved`, same incident id).
 * Nothing may touch the Deployment.
 *
 * STAND-INS: the Kubernetes API server (../../sandbox/kube-api.ts, its own
 * cluster name); Prometheus + Alertmanager (./alertmanager.ts), played here:
 * the alert is true while the dependency is down.
 */
interface Seed {
  api: KubeApi;
  cluster: string;
  namespace: string;
  name: string;
  /** The fault: the pods' dependency is down (no pod is ready). */
  dependencyDown: boolean;
  alert: PlayedAlert;
  clearedAt?: Date;
}

const CLUSTER = 'drill-eks-watch';
const NAMESPACE = 'drill';
const NAME = 'reports';

export const kubernetesNotifyOnly: Scenario<Seed> = {
  name: 'kubernetes-notify-only',
  title: 'Kubernetes Deployment watched only (empty ladder): page, then resolve (Alertmanager)',
  fault: `Deployment ${NAMESPACE}/${NAME} (notify-only) has no ready pod while its dependency is down; Alertmanager fires ${ALERT}; later the dependency is back and the alert resolves`,
  expected: 'no Kubernetes call; humans paged (Escalated, notify-only); the resolved alert resolves that page (one Remediation Resolved, same incident id)',
  async seed(fleet: Fleet) {
    const api = await fleet.kubeCluster({ clusterName: CLUSTER, allow: { namespace: NAMESPACE, deployment: NAME } });
    api.seed({ namespace: NAMESPACE, name: NAME, images: ['reports:v1'], replicas: 2 });
    return { api, cluster: CLUSTER, namespace: NAMESPACE, name: NAME, dependencyDown: false, alert: inactiveAlert({ cluster: CLUSTER, namespace: NAMESPACE, name: NAME }) };
  },
  targets: (s) => [{ kind: 'kubernetes-deployment', cluster: s.cluster, namespace: s.namespace, name: s.name, podSelector: { app: s.name }, ladder: [] }],
  async inject(env, s, timeline) {
    s.dependencyDown = true;
    s.alert = firing(env, s, s.alert);
    await postAlert(env, s, s.alert, timeline);
    return [];
  },
  async play(env, s, timeline) {
    // Prometheus: the alert is true while no pod is ready, i.e. while the dependency is down.
    if (s.alert.state !== 'firing' || s.dependencyDown) return 0;
    s.alert = { ...s.alert, state: 'resolved', endsAt: new Date().toISOString() };
    timeline.add('alarm', `Prometheus (played): ${ALERT} on ${resourceIdOf(s)} no longer true (pods ready) -> resolved`);
    await postAlert(env, s, s.alert, timeline);
    return 1;
  },
  async clearFault(_env, s, timeline) {
    s.dependencyDown = false;
    s.clearedAt = new Date();
    timeline.add('fault', `cleared: the dependency of ${resourceIdOf(s)} is back, its pods are ready (after the page)`);
  },
  actions: (_env, s) => s.api.requests.map((r) => `kubernetes:${r.method} ${r.path.split('?')[0]} -> ${r.status}`),
  async judge(env, s) {
    const id = resourceIdOf(s);
    const escalated = eventsFor(env, [id], 'Remediation Escalated');
    const notifyOnly = escalated.filter((e) => e.detail.action === 'notify-only');
    const paged = notificationsFor(env, [id], 'Remediation Escalated');
    const ran = env.loop.deliveries.filter((d) => d.at >= env.since && d.fn !== 'notifier');
    const resolved = eventsFor(env, [id], 'Remediation Resolved');
    const checks = [
      check('no Kubernetes API call', s.api.requests.length === 0, `${s.api.requests.length} request(s) to ${CLUSTER}`),
      check('no action function ran (only the notifier was delivered to)', ran.length === 0, ran.map((d) => d.fn).join(', ') || 'notifier only'),
      check('the alert fired and resolved through the webhook (HTTP 202)', s.alert.state === 'resolved' && s.alert.posts.length === 2 && s.alert.posts.every((c) => c === 202), `alert ${s.alert.state}, posts ${s.alert.posts.join(', ')}`),
      check('humans paged as notify-only', notifyOnly.length === 1 && paged.length === 1, `${notifyOnly.length} notify-only Escalated event(s), ${paged.length} Escalated notification(s): ${String(escalated[0]?.detail.reason ?? '').slice(0, 120)}`),
      ...pageResolvedChecks(env, [id], s.clearedAt),
    ];
    return { outcome: `${id}: ${escalated.length ? 'paged (notify-only)' : 'NOT paged'}${resolved.length ? ', page resolved when the alert resolved' : ''}`, checks };
  },
};
