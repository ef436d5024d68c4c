import type { FaultEvent } from '../contracts/remediation-request';
import { isAlert } from './fault';
import type { ResourceRef } from '../contracts/recovery-event';
import { shown } from './printable';
import { InvalidRequest } from './request';

/**
 * Which resource an alarm is about, from its metric dimensions (InstanceId,
 * VolumeId, AutoScalingGroupName, DBInstanceIdentifier; FunctionName +
 * Resource for a Lambda alias; ClusterName + ServiceName for an ECS service).
 * The most specific kind wins (volume > instance > group); two different
 * resources of that kind are refused rather than guessed at.
 */
const PATTERNS = {
  InstanceId: { type: 'instance', re: /^i-[0-9a-f]{8,17}$/, like: 'an instance id like i-0123456789abcdef0' },
  VolumeId: { type: 'volume', re: /^vol-[0-9a-f]{8,17}$/, like: 'a volume id like vol-0123456789abcdef0' },
  AutoScalingGroupName: { type: 'autoscaling-group', re: /^[\w+=,.@/-][\w +=,.@/:-]{0,254}$/, like: 'an Auto Scaling group name' },
  DBInstanceIdentifier: { type: 'rds-instance', re: /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, like: 'a DB instance identifier (a letter, then letters, digits, dashes)' },
} as const;

/** The path of metric `i`'s dimension `name` in the event, for messages. */
const dimPath = (i: number, name: string) => `event.detail.configuration.metrics.${i}.metricStat.metric.dimensions.${name}`;

/** The alarm's metrics name no resource at all (a log detector's alarm may not): not a bad value. */
export class NoResource extends InvalidRequest {}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ALIAS_NAME = /^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$/;
const ECS_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/**
 * Resources named by two dimensions together (AWS/Lambda alias metrics,
 * ECS/ContainerInsights service metrics). `hints` collects dimensions that
 * look like a resource but are not one we act on (a whole Lambda function).
 */
function pairedRef(dims: Record<string, string>, hints: string[], i: number): ResourceRef | undefined {
  if (dims.FunctionName !== undefined) {
    const fn = dims.FunctionName;
    if (!FUNCTION_NAME.test(fn)) throw new InvalidRequest(`${dimPath(i, 'FunctionName')}: expected a Lambda function name (letters, digits, - and _), got ${shown(fn)}`);
    // Lambda publishes alias metrics with Resource = `<function>:<alias>`; without it the metric is the whole function.
    const res = dims.Resource;
    if (res === undefined) {
      hints.push(`FunctionName=${fn} without an alias (expected a Resource dimension "${fn}:<alias>")`);
      return undefined;
    }
    const alias = res.startsWith(`${fn}:`) ? res.slice(fn.length + 1) : undefined;
    if (!alias || !ALIAS_NAME.test(alias)) throw new InvalidRequest(`${dimPath(i, 'Resource')}: expected "${shown(fn).slice(1, -1)}:<alias>" (a version number is not an alias), got ${shown(res)}`);
    return { type: 'lambda-alias', id: res };
  }
  if (dims.ClusterName !== undefined || dims.ServiceName !== undefined) {
    const [cluster, service] = [dims.ClusterName, dims.ServiceName];
    if (cluster === undefined || service === undefined) {
      throw new InvalidRequest(`${dimPath(i, cluster === undefined ? 'ClusterName' : 'ServiceName')}: expected an ECS name (an ECS service metric needs both ClusterName and ServiceName), got nothing`);
    }
    for (const [name, value] of [['ClusterName', cluster], ['ServiceName', service]] as const) {
      if (!ECS_NAME.test(value)) throw new InvalidRequest(`${dimPath(i, name)}: expected an ECS name (letters, digits, - and _, at most 255), got ${shown(value)}`);
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
  for (const [i, m] of event.detail.configuration.metrics.entries()) {
    const dims = m.metricStat?.metric.dimensions ?? {};
    for (const [name, spec] of Object.entries(PATTERNS)) {
      const value = dims[name];
      if (value === undefined) continue;
      if (!spec.re.test(value)) throw new InvalidRequest(`${dimPath(i, name)}: expected ${spec.like}, got ${shown(value)}`);
      found.set(`${spec.type}:${value}`, { type: spec.type, id: value });
    }
    const paired = pairedRef(dims, hints, i);
    if (paired) found.set(`${paired.type}:${paired.id}`, paired);
  }
  if (found.size === 0) {
    throw new NoResource(
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
