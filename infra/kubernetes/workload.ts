import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ALERT_LABELS } from '../../functions/contracts/alertmanager';
import type { KubernetesDeploymentTarget } from './config';
import { remediationRbac } from './rbac';

/**
 * The in-cluster pieces for one protected Deployment: RBAC for the
 * remediation identity, a PodDisruptionBudget when it has none, and
 * (prometheus-operator CRDs) a PrometheusRule with the recovery alerts and an
 * AlertmanagerConfig that sends them to the stack's webhook.
 */
export interface WorkloadArgs {
  stage: string;
  target: KubernetesDeploymentTarget;
  playbook: string;
  /** The remediation identity (k8s-rollout's access entry user); undefined when the stack has no k8s-rollout function: no RBAC then. */
  userName: pulumi.Input<string> | undefined;
  webhookUrl: pulumi.Input<string>;
  webhookSecret: pulumi.Input<string>;
}

export function recoveryAlerts(t: KubernetesDeploymentTarget, playbook: string) {
  const labels = { [ALERT_LABELS.playbook]: playbook, [ALERT_LABELS.cluster]: t.cluster, deployment: t.name, severity: 'warning' };
  const sel = `namespace="${t.namespace}"`;
  return [
    {
      alert: 'RecoveryPodsCrashLooping',
      // Pods of this Deployment: <deployment>-<pod-template-hash>-<suffix>.
      expr: `max by (namespace) (kube_pod_container_status_waiting_reason{${sel}, reason="CrashLoopBackOff", pod=~"${t.name}-[a-z0-9]+-[a-z0-9]{5}"}) >= 1`,
      for: t.alerts.for,
      labels,
      annotations: { summary: `Pods of ${t.namespace}/${t.name} are crash-looping`, description: 'recovery-stack rolls the Deployment (restart, then undo) when this fires.' },
    },
    {
      alert: 'RecoveryDeploymentUnavailable',
      expr: `max by (namespace, deployment) (kube_deployment_status_replicas_unavailable{${sel}, deployment="${t.name}"}) > 0`,
      for: t.alerts.for,
      labels,
      annotations: { summary: `${t.namespace}/${t.name} has unavailable replicas`, description: 'recovery-stack rolls the Deployment (restart, then undo) when this fires.' },
    },
  ];
}

export function protectedWorkload(args: WorkloadArgs, opts: pulumi.CustomResourceOptions) {
  const t = args.target;
  const name = `recovery-${args.stage}-${t.name}`.slice(0, 63).replace(/-+$/, '');
  const logical = `recovery-${args.stage}-${t.cluster}-${t.namespace}-${t.name}`;
  const meta = { namespace: t.namespace, labels: { 'app.kubernetes.io/managed-by': 'recovery-stack', 'recovery-stack/stage': args.stage } };
  const rbac = args.userName === undefined ? undefined : remediationRbac(name, { namespace: t.namespace, deployment: t.name, userName: args.userName }, opts);
  // Logical names must be unique across clusters/namespaces; Kubernetes names only per namespace.
  const out: { rbac?: ReturnType<typeof remediationRbac>; pdb?: k8s.policy.v1.PodDisruptionBudget; rule?: k8s.apiextensions.CustomResource; alertmanagerConfig?: k8s.apiextensions.CustomResource; secret?: k8s.core.v1.Secret } = { rbac };

  if (!t.hasPodDisruptionBudget) {
    out.pdb = new k8s.policy.v1.PodDisruptionBudget(
      `${logical}-pdb`,
      { metadata: { ...meta, name }, spec: { minAvailable: t.minAvailable, selector: { matchLabels: t.podSelector! } } },
      opts,
    );
  }
  if (t.alerts.prometheusRule) {
    out.rule = new k8s.apiextensions.CustomResource(
      `${logical}-rule`,
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { ...meta, name },
        spec: { groups: [{ name: `recovery-${t.name}`, rules: recoveryAlerts(t, args.playbook) }] },
      },
      opts,
    );
  }
  if (t.alerts.alertmanagerConfig) {
    out.secret = new k8s.core.v1.Secret(`${logical}-webhook`, { metadata: { ...meta, name: `${name}-webhook` }, type: 'Opaque', stringData: { token: pulumi.secret(args.webhookSecret) } }, opts);
    out.alertmanagerConfig = new k8s.apiextensions.CustomResource(
      `${logical}-alertmanager`,
      {
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'AlertmanagerConfig',
        metadata: { ...meta, name },
        spec: {
          route: {
            receiver: 'recovery-stack',
            groupBy: ['alertname', 'deployment'],
            groupWait: '30s',
            groupInterval: '5m',
            repeatInterval: '4h',
            matchers: [
              { name: ALERT_LABELS.playbook, value: args.playbook, matchType: '=' },
              { name: 'deployment', value: t.name, matchType: '=' },
            ],
          },
          receivers: [
            {
              name: 'recovery-stack',
              webhookConfigs: [
                {
                  url: args.webhookUrl,
                  sendResolved: true,
                  maxAlerts: 100,
                  httpConfig: { authorization: { type: 'Bearer', credentials: { name: `${name}-webhook`, key: 'token' } } },
                },
              ],
            },
          ],
        },
      },
      { ...opts, dependsOn: [out.secret] },
    );
  }
  return out;
}
