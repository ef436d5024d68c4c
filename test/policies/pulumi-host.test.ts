import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as analyzerrpc from '@pulumi/pulumi/proto/analyzer_grpc_pb';
import * as analyzerproto from '@pulumi/pulumi/proto/analyzer_pb';
import * as policyProtoutil from '@pulumi/policy/protoutil';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { ALL_POLICIES } from '../../policies/all';
import { analyzeRequest, analyzeStackRequest, runPolicies, type AnalyzedResource } from '../../policies/runner/analyze';
import { loadPolicyPackConfig, reconcilePolicyPackConfig } from '../../policies/runner/config';
import { resource, T, urnOf } from './fixtures';

/**
 * Parity with the real thing: the pack is started exactly as `pulumi preview
 * --policy-pack policies` starts it (@pulumi/pulumi's run-policy-pack host,
 * TypeScript type-checked, PolicyPack serving gRPC), configured through the
 * `configure` RPC with config.prod.json, and fed the same Analyze /
 * AnalyzeStack requests the offline runner builds. Both must report the same
 * diagnostics. (Only the Pulumi engine itself is absent: this test plays its part.)
 */
const REPO = path.resolve(__dirname, '../..');
const UNKNOWN_STRING = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const protoutil = policyProtoutil as unknown as { mapEnforcementLevel(level: string): analyzerproto.EnforcementLevel; convertEnforcementLevel(n: number): string };

const RESOURCES: AnalyzedResource[] = [
  resource(T.instance, 'web', { ami: 'ami-1', tags: { Name: 'web' } }),
  resource(T.volume, 'data', { availabilityZone: 'us-east-1a', size: 10 }),
  resource(T.volume, 'scratch', { availabilityZone: 'us-east-1a', size: 10, encrypted: '1c4a061d-8072-4f0a-a4cb-0ff528b18fe7' }),
  resource(T.fn, 'restart', { name: 'restart', runtime: 'nodejs16.x', handler: 'i.h', role: 'r', tags: { 'recovery:remediation': 'true' } }),
  resource(T.invokeConfig, 'restart-async', { functionName: 'restart', destinationConfig: { onFailure: { destination: 'arn:aws:sqs:us-east-1:1:q' } } }),
  resource(T.target, 't', { rule: 'r', arn: 'x', retryPolicy: { maximumRetryAttempts: 1 } }),
  resource(T.alarm, 'recovery-web', { name: 'recovery-prod-reboot-web', dimensions: { InstanceId: UNKNOWN_STRING } }, { dependencies: [urnOf(T.instance, 'web')] }),
  resource(T.iamPolicy, 'admin', { policy: { Statement: [{ Effect: 'Allow', Action: ['ec2:*'], Resource: '*' }] } }, { secretPaths: ['policy'] }),
  resource(T.rds, 'db', { engine: 'postgres', backupRetentionPeriod: 1, deletionProtection: false, skipFinalSnapshot: true }),
  resource(T.deployment, 'shop', { spec: { replicas: 1, template: { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop' }] } } } }),
];

type Diag = string;
function diagsOf(resp: analyzerproto.AnalyzeResponse, subject?: string): Diag[] {
  return resp.getDiagnosticsList().map((d) => `${d.getPolicyname()} | ${protoutil.convertEnforcementLevel(d.getEnforcementlevel())} | ${d.getUrn() || subject} | ${d.getMessage()}`);
}

let host: ChildProcess;
let client: analyzerrpc.AnalyzerClient;

beforeAll(async () => {
  host = spawn(process.execPath, [path.join(REPO, 'node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js'), '127.0.0.1:1', '.'], {
    cwd: path.join(REPO, 'policies'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  host.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    host.stdout!.on('data', (d: Buffer) => resolve(d.toString().trim().split('\n')[0]));
    host.on('exit', (code) => reject(new Error(`policy pack host exited ${code}: ${stderr}`)));
  });
  client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  // What the engine sends after reconciling --policy-pack-config with the pack's schema defaults.
  const config = reconcilePolicyPackConfig(ALL_POLICIES, loadPolicyPackConfig(path.join(REPO, 'policies/config.prod.json')));
  const req = new analyzerproto.ConfigureAnalyzerRequest();
  for (const [name, c] of Object.entries(config)) {
    const pc = new analyzerproto.PolicyConfig();
    pc.setEnforcementlevel(protoutil.mapEnforcementLevel(c.enforcementLevel));
    pc.setProperties(Struct.fromJavaScript(c.properties as never));
    req.getPolicyconfigMap().set(name, pc);
  }
  await new Promise<void>((resolve, reject) => client.configure(req, (err) => (err ? reject(err) : resolve())));
}, 120_000);

afterAll(() => {
  client?.close();
  host?.kill();
});

describe('offline runner vs the pack served by the Pulumi policy host', () => {
  it('reports identical diagnostics for the same resources and config', async () => {
    // Prepare
    const config = reconcilePolicyPackConfig(ALL_POLICIES, loadPolicyPackConfig(path.join(REPO, 'policies/config.prod.json')));
    // Act: the real host, resource by resource, then the stack
    const fromHost: Diag[] = [];
    for (const r of RESOURCES) {
      const req = await analyzeRequest(r);
      const resp = await new Promise<analyzerproto.AnalyzeResponse>((resolve, reject) => client.analyze(req, (e, out) => (e ? reject(e) : resolve(out))));
      fromHost.push(...diagsOf(resp, r.urn));
    }
    const stackReq = await analyzeStackRequest(RESOURCES);
    const stackResp = await new Promise<analyzerproto.AnalyzeResponse>((resolve, reject) => client.analyzeStack(stackReq, (e, out) => (e ? reject(e) : resolve(out))));
    fromHost.push(...diagsOf(stackResp));
    // Act: the offline runner
    const offline = await runPolicies(RESOURCES, { policies: ALL_POLICIES, config });
    // The runner drops the description prefix the runtime puts on violation messages ("can't run" ones have none).
    const raw = (m: string, d: string) => (m.startsWith("can't run") ? m : `${d}\n${m}`);
    const fromRunner = offline.findings.map((f) => `${f.policyName} | ${f.enforcementLevel} | ${f.urn} | ${raw(f.message, f.description)}`);
    // Assess
    expect(offline.errors).toEqual([]);
    expect(fromHost.length).toBe(20); // counted by hand from RESOURCES: 3 coverage, 2+2 EBS, 3 RDS, 3 Lambda, 1 target, 1 alarm, 2 IAM, 3 k8s
    expect(fromHost.filter((d) => d.includes("can't run policy 'ebs-encrypted'"))).toHaveLength(1);
    expect(fromRunner.sort()).toEqual(fromHost.sort());
  });
});
