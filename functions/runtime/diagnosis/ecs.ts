import type { ResourceRef } from '../../contracts/recovery-event';
import type { Diagnosers, Diagnosis } from '../diagnosis';
import { describeEcsService } from '../ecs-service';

/** ECS services: the service's deployments and tasks; always standalone. Reaches the ECS client only. */
async function diagnoseEcsService(resource: ResourceRef): Promise<Diagnosis> {
  const evidence: Record<string, unknown> = {};
  const d: Diagnosis = { resource: { ...resource, group: 'standalone' }, groupSize: 1, evidence };
  d.ecsService = await describeEcsService(resource.id);
  evidence.ecsService = d.ecsService ?? `ECS service ${resource.id} not found`;
  evidence.group = { name: d.resource.group, size: 1 };
  return d;
}

export const ecsDiagnosers: Diagnosers = { 'ecs-service': diagnoseEcsService };
