import { ecs } from './sdk';

/** An ECS service's counts and deployments, as ecs-redeploy decides from them. */
export interface EcsServiceFacts {
  cluster: string;
  service: string;
  arn?: string;
  status: string;
  desired: number;
  running: number;
  pending: number;
  deployments: { id: string; status?: string; rolloutState?: string; taskDefinition?: string; running?: number; desired?: number; createdAt?: string }[];
}

/** `cluster/service` (how the alarm's ClusterName + ServiceName become one resource id) -> its parts. */
export function splitServiceId(id: string): { cluster: string; service: string } {
  const i = id.indexOf('/');
  return { cluster: id.slice(0, i), service: id.slice(i + 1) };
}

export async function describeEcsService(id: string): Promise<EcsServiceFacts | undefined> {
  const { cluster, service } = splitServiceId(id);
  const { client, sdk } = await ecs();
  let out;
  try {
    out = await client.send(new sdk.DescribeServicesCommand({ cluster, services: [service] }));
  } catch (e) {
    if ((e as { name?: string }).name === 'ClusterNotFoundException') return undefined;
    throw e;
  }
  const s = out.services?.[0];
  if (!s) return undefined;
  return {
    cluster,
    service,
    arn: s.serviceArn,
    status: s.status ?? 'unknown',
    desired: s.desiredCount ?? 0,
    running: s.runningCount ?? 0,
    pending: s.pendingCount ?? 0,
    deployments: (s.deployments ?? []).map((d) => ({
      id: d.id ?? '',
      status: d.status,
      rolloutState: d.rolloutState,
      taskDefinition: d.taskDefinition,
      running: d.runningCount,
      desired: d.desiredCount,
      createdAt: d.createdAt instanceof Date ? d.createdAt.toISOString() : undefined,
    })),
  };
}
