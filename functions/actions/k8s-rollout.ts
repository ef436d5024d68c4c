import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionContext, ActionResult } from '../runtime/action-context';
import { waitFor } from '../runtime/poll';
import type { ClusterEndpoint } from '../kubernetes/clusters';
import type { Deployment, KubeClient, PodTemplateSpec, ReplicaSet } from '../kubernetes/client';
import { parseDeploymentRef, type DeploymentRef } from '../kubernetes/deployment-ref';

/**
 * `kubectl rollout restart|undo` for one protected Deployment, authenticated
 * to EKS with the function's own IAM role (presigned STS token; the EKS access
 * entry + namespaced Role let it patch only this Deployment and read its
 * ReplicaSets and Pods). Then it watches the rollout to completion the way
 * `kubectl rollout status` does. Nothing is deleted: old ReplicaSets stay, so
 * an undo can itself be undone.
 */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
export const REVISION = 'deployment.kubernetes.io/revision';
/** Marks the Deployment with the incident/rung that last patched it: a redelivered request does not patch twice. */
export const INCIDENT_ANNOTATION = 'recovery-stack.io/incident';
/** Annotations the deployment controller owns; `kubectl rollout undo` does not copy them from the ReplicaSet. */
const CONTROLLER_ANNOTATIONS = new Set([REVISION, 'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas', 'deployment.kubernetes.io/max-replicas', 'kubectl.kubernetes.io/last-applied-configuration']);

const Params = z.object({ mode: z.enum(['restart', 'undo']) });
type Params = z.infer<typeof Params>;

export const k8sRollout = defineAction({
  name: 'k8s-rollout',
  description:
    'Kubernetes Deployment rollout: restart (new pods from the same template) or undo (template of the previous ReplicaSet revision), then wait for the rollout to complete.',
  // Undo changes the running version (reversibly); restart only recreates pods.
  destructive: false,
  input: Params,
  // The Kubernetes side is RBAC (infra/kubernetes/rbac.ts); the cluster endpoint and CA come
  // from KUBE_CLUSTERS at deploy time, so no EKS API call is made at run time. The token is a
  // presigned sts:GetCallerIdentity, which needs no IAM permission.
  permissions: [],
  fits(d) {
    if (d.resource.type !== 'kubernetes-deployment') return `k8s-rollout acts on Kubernetes Deployments, not on ${d.resource.type} ${d.resource.id}`;
    try {
      parseDeploymentRef(d.resource.id);
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  },
  plan(d, p) {
    const ref = parseDeploymentRef(d.resource.id);
    return p.mode === 'restart'
      ? [`PATCH deployment ${ref.namespace}/${ref.name} on ${ref.cluster}: spec.template.metadata.annotations.${RESTARTED_AT}=<now>`, 'watch the rollout to completion']
      : [
          `GET deployment ${ref.namespace}/${ref.name} on ${ref.cluster}; LIST its ReplicaSets`,
          'PATCH spec.template to the template of the ReplicaSet with the previous revision (kubectl rollout undo)',
          'watch the rollout to completion',
        ];
  },
  async run(ctx, p) {
    return rollout(ctx, p);
  },
});

export async function kubeClientFor(ref: DeploymentRef): Promise<{ client: KubeClient; cluster: ClusterEndpoint }> {
  const [{ loadClusters }, { KubeClient }, { eksToken }] = await Promise.all([import('../kubernetes/clusters'), import('../kubernetes/client'), import('../kubernetes/eks-token')]);
  const cluster = loadClusters()[ref.cluster];
  if (!cluster) throw new Error(`cluster ${ref.cluster} is not in KUBE_CLUSTERS: the stack does not protect it`);
  return { cluster, client: new KubeClient({ cluster, token: () => eksToken({ clusterName: ref.cluster, region: cluster.region }) }) };
}

const selectorOf = (d: Deployment) => {
  const labels = d.spec.selector.matchLabels ?? {};
  if (Object.keys(labels).length === 0) throw new Error(`deployment ${d.metadata.name} has no matchLabels selector; matchExpressions are not supported`);
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
};

const revisionOf = (o: { metadata: { annotations?: Record<string, string> } }) => Number(o.metadata.annotations?.[REVISION] ?? NaN);

/** The template `kubectl rollout undo` applies: the ReplicaSet's, without the controller's pod-template-hash label. */
export function templateForUndo(rs: ReplicaSet): PodTemplateSpec {
  const t = structuredClone(rs.spec.template);
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return t;
}

/** The previous revision: the highest revision below the current one among ReplicaSets this Deployment controls. */
export function previousReplicaSet(d: Deployment, sets: ReplicaSet[]): { rs?: ReplicaSet; current: number; why: string } {
  const current = revisionOf(d);
  if (!Number.isFinite(current)) return { current, why: `deployment has no ${REVISION} annotation yet` };
  const owned = sets.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.kind === 'Deployment' && o.uid === d.metadata.uid));
  const older = owned.filter((rs) => revisionOf(rs) < current).sort((a, b) => revisionOf(b) - revisionOf(a));
  if (!older[0]) return { current, why: `no ReplicaSet of ${d.metadata.name} with a revision below ${current} (${owned.length} owned): nothing to undo to` };
  return { rs: older[0], current, why: `revision ${revisionOf(older[0])} (ReplicaSet ${older[0].metadata.name})` };
}

/** `kubectl rollout status`: done when the controller saw the latest spec and every replica is updated and available. */
export function rolloutStatus(d: Deployment): { done: boolean; failed?: string; summary: string } {
  const s = d.status ?? {};
  const want = d.spec.replicas ?? 1;
  const summary = `generation ${d.metadata.generation}/observed ${s.observedGeneration ?? '-'}, updated ${s.updatedReplicas ?? 0}/${want}, available ${s.availableReplicas ?? 0}, total ${s.replicas ?? 0}`;
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, failed: `rollout exceeded its progress deadline: ${progressing.message ?? ''}`.trim(), summary };
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return { done: false, summary };
  const done = (s.updatedReplicas ?? 0) >= want && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
  return { done, summary };
}

async function rollout(ctx: ActionContext, p: Params): Promise<ActionResult> {
  const ref = parseDeploymentRef(ctx.resource.id);
  const { client } = await kubeClientFor(ref);
  const marker = `${ctx.incidentId}/${ctx.request.rung}`;
  const before = await client.getDeployment(ref.namespace, ref.name);
  if (before.spec.paused) return { outcome: 'failed', reason: `deployment ${ref.namespace}/${ref.name} is paused: a human is rolling it out; nothing changed` };
  const steps: string[] = [];
  let patched: Deployment;

  if (before.metadata.annotations?.[INCIDENT_ANNOTATION] === marker) {
    // A redelivery after the patch landed: watch, do not patch again.
    patched = before;
    steps.push(`already patched for ${marker}`);
  } else if (p.mode === 'restart') {
    const at = new Date().toISOString();
    patched = await client.patchDeployment(
      ref.namespace,
      ref.name,
      { metadata: { annotations: { [INCIDENT_ANNOTATION]: marker } }, spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } },
      'strategic',
    );
    steps.push(`restartedAt=${at}`);
  } else {
    const sets = await client.listReplicaSets(ref.namespace, selectorOf(before));
    const prev = previousReplicaSet(before, sets);
    if (!prev.rs) return { outcome: 'failed', reason: `cannot undo ${ref.namespace}/${ref.name}: ${prev.why}; nothing changed`, detail: { revision: prev.current } };
    const template = templateForUndo(prev.rs);
    // As kubectl: replace the whole template (a merge would keep keys the old revision lacked),
    // guarded by resourceVersion so a concurrent change makes us fail rather than clobber it.
    const annotations: Record<string, string> = { ...(before.metadata.annotations ?? {}), [INCIDENT_ANNOTATION]: marker };
    for (const [k, v] of Object.entries(prev.rs.metadata.annotations ?? {})) if (!CONTROLLER_ANNOTATIONS.has(k)) annotations[k] = v;
    patched = await client.patchDeployment(
      ref.namespace,
      ref.name,
      [
        { op: 'test', path: '/metadata/resourceVersion', value: before.metadata.resourceVersion },
        { op: 'replace', path: '/spec/template', value: template },
        { op: 'replace', path: '/metadata/annotations', value: annotations },
      ],
      'json',
    );
    steps.push(`template of ${prev.why} (was revision ${prev.current})`);
  }

  let last = rolloutStatus(patched);
  try {
    await waitFor(
      `rollout of ${ref.namespace}/${ref.name}`,
      async () => {
        const d = await client.getDeployment(ref.namespace, ref.name);
        last = rolloutStatus(d);
        if (last.failed) throw new Error(last.failed);
        return last.done ? d : undefined;
      },
      { intervalMs: ctx.pollIntervalMs, deadline: ctx.deadline },
    );
  } catch (e) {
    // No rollback: the patch is one step and its ReplicaSets are kept; the next rung (or a human) takes over.
    return { outcome: 'failed', reason: `${p.mode} of ${ref.namespace}/${ref.name} did not complete: ${(e as Error).message} (${last.summary})`, detail: { cluster: ref.cluster, steps, status: last.summary } };
  }
  steps.push(`rollout complete: ${last.summary}`);
  return { outcome: 'succeeded', detail: { cluster: ref.cluster, namespace: ref.namespace, deployment: ref.name, mode: p.mode, steps } };
}
