import type { ResourceRef } from '../../contracts/recovery-event';
import type { Diagnosers, Diagnosis } from '../diagnosis';
import { describeLambdaAlias } from '../lambda-alias';

/** Lambda aliases: the alias and its recent versions; always standalone. Reaches the Lambda client only. */
async function diagnoseLambdaAlias(resource: ResourceRef): Promise<Diagnosis> {
  const evidence: Record<string, unknown> = {};
  const d: Diagnosis = { resource: { ...resource, group: 'standalone' }, groupSize: 1, evidence };
  d.lambdaAlias = await describeLambdaAlias(resource.id);
  evidence.lambdaAlias = d.lambdaAlias ? { ...d.lambdaAlias, versions: d.lambdaAlias.versions.slice(0, 5) } : `alias ${resource.id} not found`;
  evidence.group = { name: d.resource.group, size: 1 };
  return d;
}

export const lambdaDiagnosers: Diagnosers = { 'lambda-alias': diagnoseLambdaAlias };
