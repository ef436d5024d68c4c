import * as aws from '@pulumi/aws';
import type { ProtectedResource } from './alarms/detector';
import type { StackConfig } from './config';

/**
 * Turns config targets into concrete resources. Tag selectors are resolved at
 * deploy time with data-source invokes (mocked under synth); volumes of
 * protected standalone instances are looked up per instance so their alarms
 * carry both VolumeId and InstanceId. The first target that names a resource
 * wins (its ladder and group apply).
 */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

export async function resolveTargets(config: StackConfig, opts: { parallelism?: number } = {}): Promise<ProtectedResource[]> {
  const out: ProtectedResource[] = [];
  const seen = new Set<string>();
  const add = (r: ProtectedResource) => {
    const key = `${r.kind}:${r.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(r);
  };
  const instances: ProtectedResource[] = [];

  for (const [i, t] of config.targets.entries()) {
    switch (t.kind) {
      case 'instance': {
        const ids = t.id
          ? [t.id]
          : (await aws.ec2.getInstances({ instanceTags: t.tags, instanceStateNames: LIVE_STATES })).ids;
        for (const id of [...ids].sort()) {
          const r: ProtectedResource = { kind: 'instance', id, group: t.group ?? 'standalone', targetIndex: i, attributes: {} };
          if (!seen.has(`instance:${id}`)) instances.push(r);
          add(r);
        }
        break;
      }
      case 'autoscaling-group': {
        const names = t.name
          ? [t.name]
          : (
              await aws.autoscaling.getAmiIds({
                filters: Object.entries(t.tags!).map(([k, v]) => ({ name: `tag:${k}`, values: [v] })),
              })
            ).names;
        for (const name of [...names].sort()) add({ kind: 'autoscaling-group', id: name, group: t.group ?? name, targetIndex: i, attributes: {} });
        break;
      }
      case 'rds-instance':
        add({ kind: 'rds-instance', id: t.identifier, group: t.group ?? 'rds', targetIndex: i, attributes: {} });
        break;
      case 'lambda-alias':
        add({
          kind: 'lambda-alias',
          id: `${t.functionName}:${t.alias}`,
          group: t.group ?? 'lambda',
          targetIndex: i,
          attributes: { functionName: t.functionName },
        });
        break;
      case 'ecs-service':
        add({
          kind: 'ecs-service',
          id: `${t.cluster}/${t.service}`,
          group: t.group ?? t.cluster,
          targetIndex: i,
          attributes: { cluster: t.cluster, service: t.service },
        });
        break;
    }
  }

  // Attached EBS volumes of each protected standalone instance (bounded parallelism for big fleets).
  const volumes = await mapLimit(instances, opts.parallelism ?? 16, async (inst) => {
    const info = await aws.ec2.getInstance({ instanceId: inst.id });
    const ids = [...info.rootBlockDevices.map((d) => d.volumeId), ...info.ebsBlockDevices.map((d) => d.volumeId)].filter(Boolean);
    return ids.map<ProtectedResource>((v) => ({
      kind: 'volume',
      id: v,
      group: inst.group,
      targetIndex: inst.targetIndex,
      attributes: { instanceId: inst.id },
    }));
  });
  volumes.flat().forEach(add);
  return out;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
