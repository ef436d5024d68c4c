import type { ResourceRef } from '../../contracts/recovery-event';
import type { Diagnosers, Diagnosis } from '../diagnosis';

/** Kubernetes Deployments: k8s-rollout reads the Deployment itself (its IAM role has no Kubernetes read outside RBAC). */
async function diagnoseDeployment(resource: ResourceRef): Promise<Diagnosis> {
  return { resource: { ...resource, group: 'standalone' }, groupSize: 1, evidence: { deployment: resource.id } };
}

export const kubernetesDiagnosers: Diagnosers = { 'kubernetes-deployment': diagnoseDeployment };
