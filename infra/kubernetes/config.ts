import { z } from 'zod';
import { RUNGS, RUNG_NAMES, type RungName } from '../../functions/contracts/rungs';

/**
 * Config for Kubernetes workloads: the `kubernetes-deployment` target kind
 * and the stack-wide `alertmanager` settings. Part of infra/config.ts's
 * schema, so errors name the key path (targets[3].namespace, ...).
 */
const K8S_RUNGS = RUNG_NAMES.filter((r) => RUNGS[r].action === 'k8s-rollout');
export const DEFAULT_K8S_LADDER: RungName[] = ['rollout-restart', 'rollout-undo'];

const DnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: 'must be a Kubernetes namespace (lowercase DNS label)' });
const DnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, { error: 'must be a Kubernetes object name (lowercase DNS subdomain)' });

export const KubernetesDeploymentTarget = z
  .object({
    kind: z.literal('kubernetes-deployment'),
    /** EKS cluster name: the remediation function authenticates to it with its IAM role (EKS access entry). */
    cluster: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, { error: 'must be an EKS cluster name (not its ARN)' }),
    /**
     * kubeconfig Pulumi uses to create the in-cluster objects (a config secret:
     * `pulumi config set --secret`). Default: built from the EKS cluster's
     * endpoint and CA with `aws eks get-token`.
     */
    kubeconfig: z.string().min(20, { error: 'must be a kubeconfig document (YAML or JSON)' }).optional(),
    namespace: DnsLabel,
    name: DnsName,
    ladder: z
      .array(z.enum(K8S_RUNGS as [string, ...string[]], { error: () => `must be a Kubernetes rung: ${K8S_RUNGS.join(', ')}` }))
      .max(5, { error: 'at most 5 rungs' })
      .optional(),
    group: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'use 1-64 letters, digits, _ . -' }).optional(),
    /** The Deployment's pod labels (spec.selector.matchLabels): the PodDisruptionBudget selects with them. */
    podSelector: z.record(z.string().min(1).max(317), z.string().max(63)).optional(),
    /** Set true when the workload already has a PodDisruptionBudget; otherwise the stack creates one. */
    hasPodDisruptionBudget: z.boolean().default(false),
    /** minAvailable of the created PodDisruptionBudget. */
    minAvailable: z.union([z.number().int().min(0), z.string().regex(/^\d{1,3}%$/, { error: 'a percentage like "50%"' })]).default('50%'),
    /** Create a PrometheusRule (crash-looping pods, unavailable replicas) and an AlertmanagerConfig routing them to the stack's webhook (prometheus-operator CRDs). */
    alerts: z
      .object({ prometheusRule: z.boolean().default(true), alertmanagerConfig: z.boolean().default(true), for: z.string().regex(/^\d+[smh]$/).default('5m') })
      .strict()
      .default({ prometheusRule: true, alertmanagerConfig: true, for: '5m' }),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!t.hasPodDisruptionBudget && !t.podSelector) {
      ctx.addIssue({ code: 'custom', path: ['podSelector'], message: 'give the Deployment pod labels (e.g. { app: cart }) so the stack can create its PodDisruptionBudget, or set hasPodDisruptionBudget: true' });
    }
  });
export type KubernetesDeploymentTarget = z.infer<typeof KubernetesDeploymentTarget>;

export const AlertmanagerSettings = z
  .object({
    /** Bearer token Alertmanager sends (a Pulumi config secret). */
    webhookSecret: z.string().min(16, { error: 'use at least 16 characters (a Pulumi config secret)' }),
  })
  .strict();
export type AlertmanagerSettings = z.infer<typeof AlertmanagerSettings>;

/** Cross-key problems (path, message) for infra/config.ts to report. */
export function kubernetesProblems(cfg: { targets: { kind: string }[]; alertmanager?: AlertmanagerSettings }): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (cfg.targets.some((t) => t.kind === 'kubernetes-deployment') && !cfg.alertmanager) {
    problems.push({ path: ['alertmanager', 'webhookSecret'], message: 'kubernetes-deployment targets are fed by Alertmanager: set a webhook secret with `pulumi config set --secret --path recovery-stack:alertmanager.webhookSecret <16+ chars>`' });
  }
  return problems;
}
