import {
  validateResourceOfType,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from '@pulumi/policy';
import { resourceType } from './lib/resource-type';

/**
 * Kubernetes shapes as the policies read them (the subset of
 * k8s.apps.v1.Deployment / k8s.policy.v1.PodDisruptionBudget inputs that matters).
 * @pulumi/kubernetes is not a dependency of this repository, so the types are
 * declared here and the resource classes are stand-ins carrying the type token.
 */
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
interface Container {
  name?: string;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
}
interface Metadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}
export interface DeploymentArgs {
  metadata?: Metadata;
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: { metadata?: Metadata; spec?: { containers?: Container[] } };
  };
}
export interface PodDisruptionBudgetArgs {
  metadata?: Metadata;
  spec?: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
}

export const DEPLOYMENT = 'kubernetes:apps/v1:Deployment';
export const PDB_TYPES = ['kubernetes:policy/v1:PodDisruptionBudget', 'kubernetes:policy/v1beta1:PodDisruptionBudget'];
const Deployment = resourceType<DeploymentArgs>(DEPLOYMENT);

export const k8sDeploymentProbes: ResourceValidationPolicy = {
  name: 'k8s-deployment-probes',
  description: 'Every container of a Deployment has a liveness probe (so Kubernetes restarts it when stuck) and a readiness probe (so traffic avoids it).',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(Deployment, (deployment, _args, reportViolation) => {
    const containers = deployment.spec?.template?.spec?.containers ?? [];
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i];
      const missing = [c.livenessProbe ? undefined : 'livenessProbe', c.readinessProbe ? undefined : 'readinessProbe'].filter(Boolean);
      if (missing.length > 0) {
        reportViolation(
          `Container '${c.name ?? i}' has no ${missing.join(' and no ')}. Fix: add ${missing
            .map((m) => `\`${m}: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 }\``)
            .join(' and ')} (or a tcpSocket/exec probe that reflects the container's health).`,
        );
      }
    }
  }),
};

export interface ReplicasConfig {
  minReplicas: number;
}

export const k8sDeploymentReplicas: ResourceValidationPolicy = {
  name: 'k8s-deployment-replicas',
  description: 'Deployments run at least 2 replicas (configurable), so one failing or evicted pod does not take the service down.',
  enforcementLevel: 'mandatory',
  configSchema: { properties: { minReplicas: { type: 'integer', minimum: 1, default: 2 } } },
  validateResource: validateResourceOfType(Deployment, (deployment, args, reportViolation) => {
    const { minReplicas } = { minReplicas: 2, ...args.getConfig<Partial<ReplicasConfig>>() };
    const replicas = deployment.spec?.replicas;
    if (replicas === undefined || replicas < minReplicas) {
      reportViolation(
        `spec.replicas is ${replicas === undefined ? 'not set (Kubernetes defaults to 1)' : replicas}. Fix: set \`spec.replicas: ${minReplicas}\` or more.`,
      );
    }
  }),
};

/** Kubernetes label-selector semantics (matchLabels AND matchExpressions); an empty selector selects every pod. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function namespaceOf(r: PolicyResource): string {
  return (r.props.metadata?.namespace as string | undefined) ?? 'default';
}

export const k8sDeploymentPdb: StackValidationPolicy = {
  name: 'k8s-deployment-pdb',
  description: "Every Deployment has a PodDisruptionBudget in its namespace whose selector matches its pods, so node drains and upgrades keep it serving.",
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    const deployments = args.resources.filter((r) => r.type === DEPLOYMENT);
    if (deployments.length === 0) args.notApplicable('the stack has no Deployments');
    const pdbs = args.resources.filter((r) => PDB_TYPES.includes(r.type));
    for (const d of deployments) {
      const props = d.props as DeploymentArgs;
      const podLabels = props.spec?.template?.metadata?.labels ?? {};
      const ns = namespaceOf(d);
      const covered = pdbs.some((p) => namespaceOf(p) === ns && selectorMatches((p.props as PodDisruptionBudgetArgs).spec?.selector, podLabels));
      if (covered) continue;
      const labels = Object.entries(podLabels).map(([k, v]) => `${k}: "${v}"`).join(', ');
      reportViolation(
        `Deployment '${d.name}' (namespace ${ns}) has no PodDisruptionBudget selecting its pods. ` +
          `Fix: add a k8s.policy.v1.PodDisruptionBudget in namespace ${ns} with \`spec: { selector: { matchLabels: { ${labels} } }, maxUnavailable: 1 }\`.`,
        d.urn,
      );
    }
  },
};

export const kubernetesPolicies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  k8sDeploymentProbes,
  k8sDeploymentReplicas,
  k8sDeploymentPdb,
];
