import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ALERT_DETAIL_TYPE } from '../../functions/contracts/alertmanager';
import { alarmRuleInputTemplate } from '../../functions/contracts/remediation-request';
import { RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import type { StackConfig } from '../config';
import { functionFor, type StackFunctions } from '../functions/stack-functions';
import { alertResolvedPattern } from '../routing/event-patterns';
import { ruleName } from '../routing/rule-name';
import { lambdaTarget } from '../routing/targets';
import { clusterProvider, type ClusterInfo } from './provider';
import { kubernetesTargets, planKubernetesPlaybooks, type KubernetesPlaybook } from './playbooks';
import { protectedWorkload } from './workload';

/**
 * Kubernetes workloads in two steps, because the k8s-rollout function needs
 * the clusters' endpoints in its environment and the access entries need the
 * function's role:
 *   kubernetesClusters()  providers + KUBE_CLUSTERS JSON (before functions)
 *   kubernetesWorkloads() access entries, in-cluster objects, webhook, rules
 */
export interface KubernetesClusters {
  clusters: ClusterInfo[];
  /** KUBE_CLUSTERS for the k8s-rollout function (`{}` when nothing is protected). */
  clustersJson: pulumi.Output<string>;
}

export function kubernetesClusters(stage: string, config: StackConfig, region: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): KubernetesClusters {
  const byName = new Map<string, string | undefined>();
  for (const { target } of kubernetesTargets(config)) if (!byName.has(target.cluster) || target.kubeconfig) byName.set(target.cluster, target.kubeconfig);
  const clusters = [...byName].map(([name, kubeconfig]) => clusterProvider(stage, name, kubeconfig, region, opts));
  const clustersJson = pulumi
    .all(clusters.map((c) => pulumi.all([c.name, c.endpoint, c.certificateAuthority, region])))
    .apply((rows) => JSON.stringify(Object.fromEntries(rows.map(([name, endpoint, certificateAuthority, r]) => [name, { endpoint, certificateAuthority, region: r }]))));
  return { clusters, clustersJson };
}

/** The Kubernetes user the k8s-rollout role maps to (access entry) and the RoleBindings name. */
export const remediationUser = (stage: string) => `recovery-${stage}-k8s-rollout`;
export const webhookSecretParameterName = (stage: string) => `/recovery/${stage}/alertmanager-webhook-secret`;

export interface KubernetesWorkloadsArgs {
  stage: string;
  config: StackConfig;
  clusters: KubernetesClusters;
  bus: aws.cloudwatch.EventBus;
  functions: StackFunctions<aws.lambda.Function>;
  /** The k8s-rollout function's role; undefined when no Kubernetes ladder has a rollout rung (nothing then needs cluster access). */
  rolloutRoleArn: pulumi.Input<string> | undefined;
  deadLetterArn: pulumi.Input<string>;
  /** Builds the alertmanager-webhook Lambda (same role/log/DLQ wiring as every function) with these extra env values. */
  webhookFunction: (env: Record<string, pulumi.Input<string>>) => aws.lambda.Function;
}

export function kubernetesWorkloads(args: KubernetesWorkloadsArgs, opts: pulumi.CustomResourceOptions) {
  const { stage, config } = args;
  const playbooks = planKubernetesPlaybooks(config);
  if (playbooks.length === 0) return undefined;
  const userName = remediationUser(stage);

  // IAM role -> Kubernetes user, per cluster; RBAC (below) grants that user its namespaced Role.
  // Notify-only Kubernetes playbooks deploy no k8s-rollout function: no identity to map, no access to grant.
  const rolloutRoleArn = args.rolloutRoleArn;
  const accessEntries =
    rolloutRoleArn === undefined
      ? []
      : args.clusters.clusters.map(
          (c) => new aws.eks.AccessEntry(`recovery-${stage}-k8s-${c.name}`, { clusterName: c.name, principalArn: rolloutRoleArn, userName, type: 'STANDARD' }, opts),
        );

  const secret = pulumi.secret(config.alertmanager!.webhookSecret);
  const secretParameter = new aws.ssm.Parameter(
    `recovery-${stage}-alertmanager-webhook-secret`,
    { name: webhookSecretParameterName(stage), type: 'SecureString', value: secret, description: 'Bearer token Alertmanager sends to the recovery-stack webhook' },
    opts,
  );
  const webhook = args.webhookFunction({ WEBHOOK_SECRET_PARAMETER: secretParameter.name });
  // authorizationType NONE: Alertmanager cannot SigV4-sign; the handler checks the bearer token in constant time.
  const url = new aws.lambda.FunctionUrl(`recovery-${stage}-alertmanager-webhook`, { functionName: webhook.name, authorizationType: 'NONE', invokeMode: 'BUFFERED' }, opts);

  const rules = playbooks.map((pb) => playbookRule(stage, pb, args, opts));
  rules.push(alertResolvedRule(stage, playbooks, args, opts));

  const providers = new Map(args.clusters.clusters.map((c) => [c.name, c.provider]));
  const workloads = playbooks.flatMap((pb) =>
    pb.targets.map(({ target }) =>
      protectedWorkload(
        { stage, target, playbook: pb.params.name, userName: rolloutRoleArn === undefined ? undefined : userName, webhookUrl: url.functionUrl, webhookSecret: secret },
        { ...opts, provider: providers.get(target.cluster)!, dependsOn: accessEntries },
      ),
    ),
  );
  return { accessEntries, secretParameter, webhook, url, rules, workloads, playbooks };
}

/**
 * Resolved alerts of every Kubernetes playbook -> notifier (whole event), the
 * alarm OK rule's counterpart: resolves pages of incidents escalated to humans.
 */
export const ALERT_RESOLVED_RULE_SUFFIX = 'alert-resolved';

function alertResolvedRule(stage: string, playbooks: KubernetesPlaybook[], args: KubernetesWorkloadsArgs, opts: pulumi.CustomResourceOptions) {
  const name = ruleName('recovery', stage, ALERT_RESOLVED_RULE_SUFFIX);
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name,
      eventBusName: args.bus.name,
      description: `recovery-stack ${stage}: resolved Alertmanager alerts -> notifier (resolves incidents escalated to humans)`,
      eventPattern: JSON.stringify(alertResolvedPattern(playbooks.map((pb) => pb.params.name))),
    },
    opts,
  );
  const fn = functionFor(args.functions, 'notifier', 'resolved Alertmanager alerts');
  const { target } = lambdaTarget(name, { rule, eventBusName: args.bus.name, fn, deadLetterArn: args.deadLetterArn }, opts);
  return { rule, target };
}

/**
 * Firing alerts of one playbook -> its first rung, with the alarm rules' envelope (`event` = the fault event).
 * A notify-only playbook (ladder []) targets the notifier instead, with the same envelope: the empty ladder in
 * it is what lets the notifier page humans for a firing alert (it refuses a bare firing alert event), and its
 * page is resolved by the alert-resolved rule below, like a notify-only alarm's by the alarm OK rule.
 */
function playbookRule(stage: string, pb: KubernetesPlaybook, args: KubernetesWorkloadsArgs, opts: pulumi.CustomResourceOptions) {
  const name = `recovery-${stage}-${pb.params.name}`.slice(0, 64);
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name,
      eventBusName: args.bus.name,
      description: `Alertmanager alerts of playbook ${pb.params.name} -> ${pb.firstFunction}`,
      eventPattern: JSON.stringify({ source: [RECOVERY_SOURCE], 'detail-type': [ALERT_DETAIL_TYPE], detail: { playbook: [pb.params.name], status: ['firing'] } }),
    },
    opts,
  );
  const fn = functionFor(args.functions, pb.firstFunction, `kubernetes playbook ${pb.params.name}`);
  const { target } = lambdaTarget(name, { rule, eventBusName: args.bus.name, fn, deadLetterArn: args.deadLetterArn, inputTransformer: { inputTemplate: alarmRuleInputTemplate(pb.params) } }, opts);
  return { rule, target };
}
