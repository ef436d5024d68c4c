import * as aws from '@pulumi/aws';
import type { ProtectedResource } from './alarms/detector';
import type { StackConfig } from './config';
import { FAILED_REPLACEMENT, LINEAGE_TAG, RETIRED } from '../functions/contracts/naming';

/**
 * Turns config targets into concrete resources. Tag selectors are resolved at
 * deploy time with data-source invokes (mocked under synth); volumes of
 * protected standalone instances are looked up per instance so their alarms
 * carry both VolumeId and InstanceId. The first target that names a resource
 * wins (its ladder and group apply).
 *
 * Protection follows the stack's own recoveries: an instance replace-instance
 * retired (or a replacement it gave up on) is not protected again, and an
 * `id:` target whose instance was replaced protects the replacement, found by
 * its recovery:lineage tag (the id the config names, carried through every
 * replacement). The alarms the replacement got at run time have the names
 * this declares, so the deploy takes them over (functions/runtime/carried-protection.ts).
 */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** recovery:state of instances the stack itself took out of service (functions/actions/replace-instance.ts). */
const OUT_OF_SERVICE = [RETIRED, FAILED_REPLACEMENT];

type InstanceInfo = Awaited<ReturnType<typeof aws.ec2.getInstance>>;

function inService(info: InstanceInfo): boolean {
  return !OUT_OF_SERVICE.includes(info.tags?.['recovery:state'] ?? '');
}

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
  const info = new Map<string, InstanceInfo>();

  for (const [i, t] of config.targets.entries()) {
    switch (t.kind) {
      case 'instance': {
        const candidates = t.id
          ? [t.id, ...(await aws.ec2.getInstances({ instanceTags: { [LINEAGE_TAG]: t.id }, instanceStateNames: LIVE_STATES })).ids.sort()]
          : [...(await aws.ec2.getInstances({ instanceTags: t.tags, instanceStateNames: LIVE_STATES })).ids].sort();
        await mapLimit(candidates.filter((id) => !info.has(id)), opts.parallelism ?? 16, async (id) => info.set(id, await aws.ec2.getInstance({ instanceId: id })));
        let ids = candidates.filter((id) => inService(info.get(id)!));
        // Every instance of an id's lineage out of service: the named one stays protected (as the config says).
        if (t.id && ids.length === 0) ids = [t.id];
        for (const id of ids) {
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

  // Attached EBS volumes of each protected standalone instance (read above, with bounded parallelism).
  const volumes = instances.map((inst) => {
    const i = info.get(inst.id)!;
    const ids = [...i.rootBlockDevices.map((d) => d.volumeId), ...i.ebsBlockDevices.map((d) => d.volumeId)].filter(Boolean);
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
