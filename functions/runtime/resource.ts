import type { FaultEvent } from '../contracts/remediation-request';
import { isAlert } from './fault';
import type { ResourceRef } from '../contracts/recovery-event';
import { InvalidRequest } from './request';

/**
 * Which resource an alarm is about, from its metric dimensions (InstanceId,
 * VolumeId, AutoScalingGroupName, DBInstanceIdentifier; FunctionName +
 * Resource for a Lambda alias; ClusterName + ServiceName for an ECS service).
 * The most specific kind wins (volume > instance > group); two different
 * resources of that kind are refused rather than guessed at.
 */
const PATTERNS = {
  InstanceId: { type: 'instance', re: /^i-[0-9a-f]{8,17}$/ },
  VolumeId: { type: 'volume', re: /^vol-[0-9a-f]{8,17}$/ },
  AutoScalingGroupName: { type: 'autoscaling-group', re: /^[\w+=,.@/-][\w +=,.@/:-]{0,254}$/ },
  DBInstanceIdentifier: { type: 'rds-instance', re: /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/ },
} as const;

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ALIAS_NAME = /^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$/;
const ECS_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/**
 * Resources named by two dimensions together (AWS/Lambda alias metrics,
 * ECS/ContainerInsights service metrics). `hints` collects dimensions that
 * look like a resource but are not one we act on (a whole Lambda function).
 */
function pairedRef(dims: Record<string, string>, hints: string[]): ResourceRef | undefined {
  if (dims.FunctionName !== undefined) {
    const fn = dims.FunctionName;
    if (!FUNCTION_NAME.test(fn)) throw new InvalidRequest(`metric dimension FunctionName=${JSON.stringify(fn.slice(0, 80))} is not a valid Lambda function name`);
    // Lambda publishes alias metrics with Resource = `<function>:<alias>`; without it the metric is the whole function.
    const res = dims.Resource;
    if (res === undefined) {
      hints.push(`FunctionName=${fn} without an alias (expected a Resource dimension "${fn}:<alias>")`);
      return undefined;
    }
    const alias = res.startsWith(`${fn}:`) ? res.slice(fn.length + 1) : undefined;
    if (!alias || !ALIAS_NAME.test(alias)) throw new InvalidRequest(`metric dimension Resource=${JSON.stringify(res.slice(0, 80))} is not "${fn}:<alias>" (a version number is not an alias)`);
    return { type: 'lambda-alias', id: res };
  }
  if (dims.ClusterName !== undefined || dims.ServiceName !== undefined) {
    const [cluster, service] = [dims.ClusterName, dims.ServiceName];
    if (cluster === undefined || service === undefined) throw new InvalidRequest('an ECS service metric needs both ClusterName and ServiceName dimensions');
    if (!ECS_NAME.test(cluster) || !ECS_NAME.test(service)) {
      throw new InvalidRequest(`metric dimensions ClusterName=${JSON.stringify(cluster.slice(0, 80))}, ServiceName=${JSON.stringify(service.slice(0, 80))} are not valid ECS names`);
    }
    return { type: 'ecs-service', id: `${cluster}/${service}` };
  }
  return undefined;
}

export function resolveResource(event: FaultEvent): ResourceRef {
  // An Alertmanager alert names its Deployment (validated by the webhook and the request schema).
  if (isAlert(event)) return { type: 'kubernetes-deployment', id: event.detail.deployment.id };
  const found = new Map<string, ResourceRef>();
  const hints: string[] = [];
  for (const m of event.detail.configuration.metrics) {
    const dims = m.metricStat?.metric.dimensions ?? {};
    for (const [name, spec] of Object.entries(PATTERNS)) {
      const value = dims[name];
      if (value === undefined) continue;
      if (!spec.re.test(value)) throw new InvalidRequest(`metric dimension ${name}=${JSON.stringify(value.slice(0, 80))} is not a valid ${spec.type} id`);
      found.set(`${spec.type}:${value}`, { type: spec.type, id: value });
    }
    const paired = pairedRef(dims, hints);
    if (paired) found.set(`${paired.type}:${paired.id}`, paired);
  }
  if (found.size === 0) {
    throw new InvalidRequest(
      'the alarm names no resource: expected an InstanceId, VolumeId, AutoScalingGroupName or DBInstanceIdentifier dimension, FunctionName + Resource (alias) or ClusterName + ServiceName' +
        (hints.length ? `; got ${hints.join(', ')}` : ''),
    );
  }
  // Metrics name several kinds at once (VolumeStalledIOCheck: VolumeId + InstanceId; custom
  // instance metrics may add AutoScalingGroupName): the most specific kind is the resource.
  const refs = [...found.values()];
  const kind = (['volume', 'instance', 'autoscaling-group', 'rds-instance', 'lambda-alias', 'ecs-service'] as const).find((t) => refs.some((r) => r.type === t))!;
  const pick = refs.filter((r) => r.type === kind);
  if (pick.length > 1) throw new InvalidRequest(`the alarm's metrics name ${pick.length} resources (${pick.map((r) => r.id).join(', ')}); one alarm must watch one resource`);
  return pick[0];
}
