import { createHash } from 'node:crypto';

/**
 * The mock engine's answers: plausible ids and ARNs for every resource (ARNs
 * end with the physical name, like AWS's do), and deterministic answers to
 * the data-source invokes the program makes, so a tag selector resolves to
 * the same fleet every run. Shaped like @pulumi/pulumi's runtime.Mocks.
 */
export interface MockOptions {
  account?: string;
  region?: string;
  partition?: string;
  /** Instances a tag selector (aws:ec2/getInstances) resolves to. Default 3. */
  instancesPerSelector?: number;
  /** Auto Scaling groups a tag selector resolves to. Default 2. */
  groupsPerSelector?: number;
  /**
   * A known fleet (e.g. what the drill seeded in moto): tag selectors and
   * instance lookups are answered from it, as `pulumi up` answers them from
   * the account, instead of from a synthetic fleet.
   */
  fleet?: MockFleet;
}

/** One instance as the EC2 data sources (getInstances, getInstance) describe it. */
export interface MockInstance {
  id: string;
  state: string;
  tags: Record<string, string>;
  availabilityZone?: string;
  instanceType?: string;
  rootBlockDevices: { volumeId: string; deviceName: string }[];
  ebsBlockDevices: { volumeId: string; deviceName: string }[];
}

export interface MockFleet {
  instances: MockInstance[];
}

/**
 * An invoke failure as the mock monitor passes it on: the runtime rebuilds the
 * error from a gRPC-style `details` field, so a plain Error arrives empty.
 */
function invokeError(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

/** aws:ec2/getInstances' default: every state but shutting-down and terminated. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

interface NewResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  id?: string;
}

function hex(seed: string, len: number): string {
  let out = '';
  for (let i = 0; out.length < len; i++) out += createHash('sha256').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, len);
}

function unwrap(v: unknown): unknown {
  // Secret inputs arrive wrapped ({<sig>: <secret sig>, value}); names are never secret here, but be safe.
  if (v && typeof v === 'object' && 'value' in (v as object) && Object.keys(v as object).length === 2) return (v as { value: unknown }).value;
  return v;
}

export function createMocks(opts: MockOptions = {}) {
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const partition = opts.partition ?? 'aws';
  const warnings: string[] = [];
  const perSelector = opts.instancesPerSelector ?? 3;
  const groupsPerSelector = opts.groupsPerSelector ?? 2;
  const arn = (service: string, resource: string, global = false) => `arn:${partition}:${service}:${global ? '' : region}:${global ? account : account}:${resource}`;

  function newResource(args: NewResourceArgs): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs;
    const name = String(unwrap(inputs.name) ?? unwrap(inputs.dashboardName) ?? args.name);
    const state: Record<string, unknown> = { ...inputs };
    let id = name;
    switch (args.type) {
      case 'aws:sqs/queue:Queue':
        state.arn = arn('sqs', name);
        state.url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
        id = state.url as string;
        break;
      case 'aws:lambda/function:Function':
        state.arn = arn('lambda', `function:${name}`);
        state.invokeArn = `arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
        state.qualifiedArn = `${state.arn}:$LATEST`;
        state.version = '$LATEST';
        break;
      case 'aws:iam/role:Role':
        state.arn = `arn:${partition}:iam::${account}:role/${name}`;
        state.uniqueId = `AROA${hex(name, 17).toUpperCase()}`;
        break;
      case 'aws:dynamodb/table:Table':
        state.arn = arn('dynamodb', `table/${name}`);
        break;
      case 'aws:cloudwatch/eventBus:EventBus':
        state.arn = arn('events', `event-bus/${name}`);
        break;
      case 'aws:cloudwatch/eventRule:EventRule': {
        const bus = unwrap(inputs.eventBusName);
        state.arn = arn('events', bus && bus !== 'default' ? `rule/${String(bus)}/${name}` : `rule/${name}`);
        break;
      }
      case 'aws:sns/topic:Topic':
        state.arn = arn('sns', name);
        id = state.arn as string;
        break;
      case 'aws:sns/topicSubscription:TopicSubscription':
        id = `${String(unwrap(inputs.topic))}:${hex(args.name, 8)}-${hex(args.name + 'b', 4)}`;
        state.arn = id;
        break;
      case 'aws:kms/key:Key':
        id = `${hex(args.name, 8)}-${hex(args.name, 12).slice(8, 12)}-4${hex(args.name, 15).slice(12, 15)}-8${hex(args.name, 18).slice(15, 18)}-${hex(args.name, 30).slice(18, 30)}`;
        state.keyId = id;
        state.arn = arn('kms', `key/${id}`);
        break;
      case 'aws:ssm/parameter:Parameter':
        state.arn = arn('ssm', `parameter${name.startsWith('/') ? '' : '/'}${name}`);
        break;
      case 'aws:cloudwatch/logGroup:LogGroup':
        state.arn = arn('logs', `log-group:${name}`);
        break;
      case 'aws:cloudwatch/metricAlarm:MetricAlarm':
        state.arn = arn('cloudwatch', `alarm:${name}`);
        break;
      case 'aws:cloudwatch/dashboard:Dashboard':
        state.dashboardArn = `arn:${partition}:cloudwatch::${account}:dashboard/${name}`;
        break;
      default: {
        // type token aws:<module>/<resource>:<Type> -> arn:aws:<module>:<region>:<account>:<resource>/<name>
        const m = /^aws:([^/]+)\/([^:]+):/.exec(args.type);
        if (m) state.arn = arn(m[1].toLowerCase(), `${m[2].toLowerCase()}/${name}`);
        id = `${args.name}-${hex(args.type + args.name, 8)}`;
      }
    }
    if (state.tags && !state.tagsAll) state.tagsAll = state.tags;
    return { id: args.id || id, state };
  }

  /** Deterministic instance id for a tag selector's n-th match. */
  const instanceId = (seed: string, i: number) => `i-${hex(`${seed}/${i}`, 17)}`;
  const volumeId = (seed: string) => `vol-${hex(seed, 17)}`;

  function call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown> {
    const inputs = args.inputs;
    switch (args.token) {
      case 'aws:index/getCallerIdentity:getCallerIdentity':
        return { accountId: account, arn: `arn:${partition}:iam::${account}:user/synth`, userId: 'AIDASYNTH', id: account };
      case 'aws:index/getRegion:getRegion':
        return { name: region, region, id: region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
      case 'aws:index/getPartition:getPartition':
        return { partition, id: partition, dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
      case 'aws:ec2/getInstances:getInstances': {
        const tags = (inputs.instanceTags ?? {}) as Record<string, string>;
        if (opts.fleet) {
          const states = (inputs.instanceStateNames as string[] | undefined) ?? LIVE_STATES;
          const ids = opts.fleet.instances.filter((i) => states.includes(i.state) && Object.entries(tags).every(([k, v]) => i.tags[k] === v)).map((i) => i.id);
          return { id: region, ids, privateIps: ids.map((_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`), publicIps: [], ipv6Addresses: [], instanceTags: tags };
        }
        const seed = Object.keys(tags).sort().map((k) => `${k}=${tags[k]}`).join(',');
        // The synthetic fleet is as deployed, before any recovery: no instance carries the stack's own recovery:*
        // tags (e.g. recovery:lineage, which an id target's replacement would), so such a selector finds none.
        const ids = Object.keys(tags).some((k) => k.startsWith('recovery:')) ? [] : Array.from({ length: perSelector }, (_, i) => instanceId(seed, i));
        return { id: region, ids, privateIps: ids.map((_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`), publicIps: [], ipv6Addresses: [], instanceTags: tags };
      }
      case 'aws:ec2/getInstance:getInstance': {
        const id = String(inputs.instanceId);
        if (opts.fleet) {
          const i = opts.fleet.instances.find((x) => x.id === id);
          // As the provider does for an instance the account does not have.
          if (!i) throw invokeError(`aws:ec2/getInstance: no instance ${id} in the fleet (your query returned no results)`);
          return { id, instanceId: id, instanceType: i.instanceType, availabilityZone: i.availabilityZone, rootBlockDevices: i.rootBlockDevices, ebsBlockDevices: i.ebsBlockDevices, tags: i.tags };
        }
        return {
          id,
          instanceId: id,
          instanceType: 'm7g.large',
          availabilityZone: `${region}a`,
          rootBlockDevices: [{ volumeId: volumeId(`${id}/root`), deviceName: '/dev/xvda', volumeSize: 20, volumeType: 'gp3' }],
          ebsBlockDevices: [{ volumeId: volumeId(`${id}/data`), deviceName: '/dev/sdf', volumeSize: 100, volumeType: 'gp3' }],
          tags: {},
        };
      }
      case 'aws:autoscaling/getAmiIds:getAmiIds': {
        const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
        const seed = filters.map((f) => `${f.name}=${f.values.join('|')}`).join(',');
        const slug = filters.flatMap((f) => f.values).join('-').replace(/[^A-Za-z0-9-]/g, '') || 'group';
        const names = Array.from({ length: groupsPerSelector }, (_, i) => `${slug}-${hex(seed, 6)}-${i}`);
        return { id: region, names, arns: names.map((n) => arn('autoscaling', `autoScalingGroup:${hex(n, 8)}:autoScalingGroupName/${n}`)) };
      }
      case 'aws:eks/getCluster:getCluster': {
        const name = String(inputs.name);
        return {
          id: name,
          name,
          arn: arn('eks', `cluster/${name}`),
          endpoint: `https://${hex(name, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
          certificateAuthorities: [{ data: Buffer.from(`-----BEGIN CERTIFICATE-----\nsynth-${name}\n-----END CERTIFICATE-----\n`).toString('base64') }],
          version: '1.31',
          status: 'ACTIVE',
          accessConfigs: [{ authenticationMode: 'API_AND_CONFIG_MAP' }],
        };
      }
      default:
        // Unknown data source: echo its arguments (Pulumi's usual mock answer) and say so.
        warnings.push(`no mock for invoke ${args.token}: returned its arguments (add one to infra/synth/mocks.ts)`);
        return { id: 'mock', ...inputs };
    }
  }

  return { newResource, call, warnings };
}
