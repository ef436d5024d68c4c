import type { ResourceRef } from '../../contracts/recovery-event';
import { describeDbInstance } from '../db-instance';
import { GROUP_TAG, type Diagnosers, type Diagnosis } from '../diagnosis';

/** RDS instances: their facts; the blast-radius group is the `recovery-group` tag, else standalone. Reaches the RDS client only. */
async function diagnoseDbInstance(resource: ResourceRef): Promise<Diagnosis> {
  const evidence: Record<string, unknown> = {};
  const d: Diagnosis = { resource: { ...resource, group: 'standalone' }, groupSize: 1, evidence };
  d.dbInstance = await describeDbInstance(resource.id);
  evidence.dbInstance = d.dbInstance ?? `DB instance ${resource.id} not found`;
  if (d.dbInstance?.tags[GROUP_TAG]) d.resource.group = d.dbInstance.tags[GROUP_TAG];
  evidence.group = { name: d.resource.group, size: 1 };
  return d;
}

export const rdsDiagnosers: Diagnosers = { 'rds-instance': diagnoseDbInstance };
