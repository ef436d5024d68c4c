import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { EC2Client } from '@aws-sdk/client-ec2';
import { AlarmMuteRules } from './gaps/alarm-mute-rules';
import { ApiFaults } from './gaps/api-faults';
import { Ec2AutoRecovery } from './gaps/auto-recovery';
import { ChangeCalendar } from './gaps/change-calendar';
import { completeDetachVolume } from './gaps/detach-volume';
import { describeInstanceStatus, describeVolumeStatus } from './gaps/ec2-status';
import { HealthEvents } from './gaps/health';
import { Impairments, type LifecycleEvent } from './gaps/impairments';
import { MaintenanceOptions } from './gaps/maintenance-options';
import { alignRootDevice } from './gaps/root-device';
import { ec2Error, jsonError, parseAwsRequest, queryError, queryList, type AwsRequest, type StandInResponse } from './gaps/protocol';
import { SsmAutomation } from './gaps/ssm-automation';

/**
 * The AWS gap proxy: a small HTTP server in front of moto that the built
 * Lambda bundles talk to (AWS_ENDPOINT_URL). The bundles carry their own copy
 * of the AWS SDK, so stand-ins have to live at the HTTP level.
 *
 * Everything is forwarded to moto unchanged, except what moto lacks (each one a
 * documented stand-in under ./gaps):
 *   - SSM Automation executions (AWS-RestartEC2Instance really stops/starts the instance in moto);
 *   - SSM Change Calendar state;
 *   - EC2 DescribeInstanceStatus / DescribeVolumeStatus with injected impairments;
 *   - AWS Health DescribeEvents;
 *   - CloudWatch ListAlarmMuteRules (alarm mute rules; none unless a scenario mutes an alarm);
 *   - EC2 MaintenanceOptions (AutoRecovery) and EC2 simplified automatic recovery, which recovers a
 *     supported instance with a system status impairment in place and reports it to AWS Health;
 * plus API failures a scenario injects on purpose (ApiFaults), and one
 * fidelity fix (DetachVolume without InstanceId, which AWS accepts and moto does not).
 * Every request is recorded (service, operation, resource ids, status), so the
 * drill can report what the functions really did to the fleet.
 */
export interface CallRecord {
  at: Date;
  service: string;
  operation: string;
  /** Resource ids named in the request (instances, volumes, groups, ...). */
  ids: string[];
  status: number;
  /** Answered by a stand-in or an injected fault rather than moto. */
  by: 'moto' | 'stand-in' | 'injected-fault';
  error?: string;
  /** Access key id the request was signed with (SigV4 `Credential=<AKID>/...`): who made it. */
  caller?: string;
}

/**
 * Every signed request that reached the proxy, with what it asked for: enough to
 * authorize it afterwards (scripts/iam). Unlike `calls`, this also holds requests
 * of REST services (Lambda), whose operation is in the method and path.
 */
export interface SignedRequest {
  at: Date;
  /** Access key id of the SigV4 credential (the drill gives each function its own). */
  caller: string;
  service: string;
  /** Query/JSON operation name; '' for REST requests (see method, path). */
  operation: string;
  protocol: AwsRequest['protocol'];
  method: string;
  /** Request target: path and query string. */
  path: string;
  /** Query protocol: the flattened form (InstanceId.1, ...); JSON protocol: the body; REST: the JSON body, if any. */
  params: Record<string, unknown>;
  status: number;
  by: CallRecord['by'];
  /** What `facts` (startAwsGaps option) read about the request's resources before it was answered. */
  facts?: unknown;
}

export interface GapProxy {
  endpoint: string;
  upstream: string;
  impairments: Impairments;
  apiFaults: ApiFaults;
  health: HealthEvents;
  calendar: ChangeCalendar;
  muteRules: AlarmMuteRules;
  automation: SsmAutomation;
  maintenance: MaintenanceOptions;
  autoRecovery: Ec2AutoRecovery;
  calls: CallRecord[];
  /** Every signed request with its parameters and caller, in arrival order. */
  requests: SignedRequest[];
  /** Count of fleet-changing requests that reached moto (EC2, Auto Scaling): a cheap "did anything change?". */
  fleetChanges(): number;
  stop(): Promise<void>;
}

const ID_PARAM = /(InstanceId|VolumeId|AllocationId|AssociationId|SnapshotId|AutoScalingGroupName|LaunchTemplateId|ResourceId|Device)(\.\d+)?$/;

function idsOf(req: AwsRequest): string[] {
  if (req.protocol === 'query') {
    return [...req.form.entries()].filter(([k]) => ID_PARAM.test(k)).map(([, v]) => v);
  }
  const params = req.json.Parameters as Record<string, unknown> | undefined;
  const fromParams = params && Array.isArray(params.InstanceId) ? (params.InstanceId as string[]) : [];
  return fromParams;
}

function lifecycleOf(req: AwsRequest): { event: LifecycleEvent; ids: string[] } | undefined {
  if (req.service === 'ec2') {
    const ids = queryList(req.form, 'InstanceId');
    const event = (
      { StopInstances: 'stopped', StartInstances: 'started', RebootInstances: 'rebooted', TerminateInstances: 'terminated' } as Record<
        string,
        LifecycleEvent
      >
    )[req.operation];
    return event ? { event, ids } : undefined;
  }
  if (req.service === 'autoscaling' && req.operation === 'TerminateInstanceInAutoScalingGroup') {
    return { event: 'terminated', ids: [req.form.get('InstanceId') ?? ''] };
  }
  return undefined;
}

function restBody(body: Buffer): Record<string, unknown> {
  if (!body.length) return {};
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { body: v };
  } catch {
    return { body: body.toString('utf8').slice(0, 2000) };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function errorFor(req: AwsRequest, code: string, message: string, status: number): StandInResponse {
  if (req.protocol === 'json') return jsonError(code, message, status);
  if (req.service === 'ec2') return ec2Error(code, message, status);
  return queryError(code, message, status);
}

/** The access key id a request was signed with (SigV4 Authorization header), '' when unsigned. */
export function callerOf(headers: Record<string, string | string[] | undefined>): string {
  return /Credential=([^/,\s]+)\//.exec(String(headers['authorization'] ?? ''))?.[1] ?? '';
}

export interface AwsGapsOptions {
  upstream: string;
  region?: string;
  log?: (line: string) => void;
  /**
   * Read before a request is answered (so before it changes anything), kept on its
   * SignedRequest: e.g. the tags of the resources it names, which IAM conditions
   * (aws:ResourceTag) are evaluated against at request time.
   */
  facts?: (req: AwsRequest, signed: SignedRequest) => Promise<unknown>;
}

export async function startAwsGaps(opts: AwsGapsOptions): Promise<GapProxy> {
  const upstreamUrl = new URL(opts.upstream);
  // The stand-ins read and change the fleet in moto directly (not through this proxy).
  const ec2 = new EC2Client({
    endpoint: opts.upstream,
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  const impairments = new Impairments();
  const apiFaults = new ApiFaults();
  const health = new HealthEvents();
  const calendar = new ChangeCalendar();
  const muteRules = new AlarmMuteRules(opts.region ?? 'us-east-1');
  const automation = new SsmAutomation(ec2, impairments);
  const maintenance = new MaintenanceOptions();
  const autoRecovery = new Ec2AutoRecovery(ec2, impairments, health, maintenance, opts.region ?? 'us-east-1');
  // EC2 acts on its own time, not on a request: a short timer, as the played CloudWatch re-evaluates.
  const recoveryTimer = setInterval(() => void autoRecovery.tick().catch((e: unknown) => opts.log?.(`ec2 auto recovery: ${String(e)}`)), 200);
  recoveryTimer.unref();
  const calls: CallRecord[] = [];
  const requests: SignedRequest[] = [];
  let fleetChanges = 0;

  async function standIn(req: AwsRequest): Promise<StandInResponse | undefined> {
    if (req.service === 'ssm') return (await automation.handle(req)) ?? calendar.handle(req);
    if (req.service === 'health') return health.handle(req);
    if (req.service === 'monitoring') return muteRules.handle(req);
    if (req.service === 'ec2' && req.operation === 'DescribeInstanceStatus') return describeInstanceStatus(ec2, req, impairments);
    if (req.service === 'ec2' && req.operation === 'DescribeVolumeStatus') return describeVolumeStatus(ec2, req, impairments);
    if (req.service === 'ec2') return maintenance.handle(req);
    return undefined;
  }

  function forward(inbound: IncomingMessage, body: Buffer): Promise<StandInResponse> {
    return new Promise((resolve, reject) => {
      const headers = { ...inbound.headers, host: upstreamUrl.host, 'content-length': String(body.length) };
      const out = httpRequest(
        { hostname: upstreamUrl.hostname, port: upstreamUrl.port, path: inbound.url, method: inbound.method, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') h[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  const server: Server = createServer((inbound, res) => {
    void (async () => {
      const body = await readBody(inbound);
      const req = parseAwsRequest(inbound.headers, body);
      const caller = callerOf(inbound.headers);
      const record: CallRecord = { at: new Date(), service: req.service, operation: req.operation, ids: idsOf(req), status: 0, by: 'moto', caller };
      const signed: SignedRequest = {
        at: record.at,
        caller,
        service: req.service,
        operation: req.operation,
        protocol: req.protocol,
        method: inbound.method ?? 'GET',
        path: inbound.url ?? '/',
        params: req.protocol === 'query' ? Object.fromEntries(req.form.entries()) : req.protocol === 'json' ? req.json : restBody(body),
        status: 0,
        by: 'moto',
      };
      let answer: StandInResponse;
      try {
        if (opts.facts) signed.facts = await opts.facts(req, signed).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
        const fault = apiFaults.take(req);
        const stood = fault ? undefined : await standIn(req);
        if (fault) {
          record.by = 'injected-fault';
          answer = errorFor(req, fault.code, fault.message, fault.status ?? 400);
        } else if (stood) {
          record.by = 'stand-in';
          answer = stood;
        } else {
          answer = await forward(inbound, await completeDetachVolume(ec2, req, body));
          if (req.service === 'ec2' && req.operation === 'DescribeInstances' && answer.status < 300) answer = { ...answer, body: alignRootDevice(maintenance.overlay(answer.body)) };
          if (['ec2', 'autoscaling', 'rds', 'ecs'].includes(req.service) && !/^(Describe|Get|List)/.test(req.operation)) fleetChanges++;
          // Lambda's REST API has no operation name in the request: any write (alias update, publish) counts.
          if (req.service === 'lambda' && inbound.method !== 'GET') fleetChanges++;
          const lc = answer.status < 300 ? lifecycleOf(req) : undefined;
          if (lc) for (const id of lc.ids) impairments.onInstance(id, lc.event, `${req.service}:${req.operation}`);
        }
      } catch (e) {
        answer = errorFor(req, 'InternalFailure', `drill gap proxy: ${e instanceof Error ? e.message : String(e)}`, 500);
      }
      record.status = answer.status;
      if (answer.status >= 300) record.error = /<Code>([^<]+)<\/Code>|"__type":\s*"([^"]+)"/.exec(answer.body)?.slice(1).find(Boolean) ?? `HTTP ${answer.status}`;
      if (req.operation) calls.push(record);
      signed.status = answer.status;
      signed.by = record.by;
      if (req.service) requests.push(signed);
      opts.log?.(`${req.service}:${req.operation} -> ${answer.status} (${record.by})`);
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
      res.end(answer.body);
    })().catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`drill gap proxy: ${String(e)}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    upstream: opts.upstream,
    impairments,
    apiFaults,
    health,
    calendar,
    muteRules,
    automation,
    maintenance,
    autoRecovery,
    calls,
    requests,
    fleetChanges: () => fleetChanges,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(recoveryTimer);
        ec2.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
