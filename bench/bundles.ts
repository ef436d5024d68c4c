import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FUNCTIONS } from '../functions/catalog';
import { bundleFunction, REPO_ROOT, twoPassForAnalysis } from '../infra/functions/bundle';
import { percentile, round } from './stats';

/**
 * (4) Bundles: every catalog function's deployed bundle size, and its cold
 * init in a fresh node process (load the bundle, construct the clients its
 * code can reach), next to a baseline process that requires the same SDK
 * clients unbundled from node_modules and constructs them.
 *
 * The bundle cannot hand out its internal clients, so the init probe is the
 * same handler built by the same pipeline with one extra export that calls its
 * client accessors (functions/runtime/sdk.ts).
 */
const CLIENTS: Record<string, { accessor: string; pkg: string; ctor: string }> = {
  ec2: { accessor: 'ec2', pkg: '@aws-sdk/client-ec2', ctor: 'EC2Client' },
  autoscaling: { accessor: 'autoscaling', pkg: '@aws-sdk/client-auto-scaling', ctor: 'AutoScalingClient' },
  ssm: { accessor: 'ssm', pkg: '@aws-sdk/client-ssm', ctor: 'SSMClient' },
  cloudwatch: { accessor: 'cloudwatch', pkg: '@aws-sdk/client-cloudwatch', ctor: 'CloudWatchClient' },
  events: { accessor: 'events', pkg: '@aws-sdk/client-eventbridge', ctor: 'EventBridgeClient' },
  sqs: { accessor: 'sqs', pkg: '@aws-sdk/client-sqs', ctor: 'SQSClient' },
  sns: { accessor: 'sns', pkg: '@aws-sdk/client-sns', ctor: 'SNSClient' },
  health: { accessor: 'health', pkg: '@aws-sdk/client-health', ctor: 'HealthClient' },
  dynamodb: { accessor: 'dynamodb', pkg: '@aws-sdk/client-dynamodb', ctor: 'DynamoDBClient' },
  rds: { accessor: 'rds', pkg: '@aws-sdk/client-rds', ctor: 'RDSClient' },
  lambda: { accessor: 'lambda', pkg: '@aws-sdk/client-lambda', ctor: 'LambdaClient' },
  ecs: { accessor: 'ecs', pkg: '@aws-sdk/client-ecs', ctor: 'ECSClient' },
};

export interface BundleRow {
  name: string;
  bytes: number;
  clients: string[];
  coldInitMs: number;
  baselineInitMs: number;
  ratio: number;
}

export interface BundlesResult {
  runs: number;
  rows: BundleRow[];
  maxBytes: number;
  maxColdInitMs: number;
}

function timeNode(script: string, runs: number): number {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, env: { ...process.env, AWS_REGION: 'us-east-1' }, encoding: 'utf8' });
    xs.push(Number(out.trim().split('\n').pop()));
  }
  return round(percentile(xs, 50), 1);
}

const timed = (body: string) =>
  `const t=process.hrtime.bigint();(async()=>{${body}})().then(()=>console.log(Number(process.hrtime.bigint()-t)/1e6),(e)=>{console.error(e);process.exit(1)})`;

export async function bundles(runs: number, log: (s: string) => void): Promise<BundlesResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'recovery-bundles-'));
  const rows: BundleRow[] = [];
  for (const spec of FUNCTIONS) {
    const b = await bundleFunction(spec);
    const entry = path.resolve(REPO_ROOT, spec.entry);
    // Only the client modules the handler can reach (the first pass sees every `import()` in sdk.ts).
    const { reachableInputs } = await twoPassForAnalysis(entry, path.dirname(entry));
    const clients = [...reachableInputs.keys()]
      .map((f) => /runtime\/clients\/([\w-]+)\.ts$/.exec(f)?.[1])
      .filter((k): k is string => !!k && k in CLIENTS)
      .sort();
    const probe = path.join(dir, `${spec.name}-probe.ts`);
    const sdkPath = path.join(REPO_ROOT, 'functions', 'runtime', 'sdk');
    writeFileSync(
      probe,
      `export { handler } from ${JSON.stringify(entry.replace(/\.ts$/, ''))};\nimport * as sdk from ${JSON.stringify(sdkPath)};\n` +
        `export const construct = () => Promise.all([${clients.map((c) => `sdk.${CLIENTS[c].accessor}()`).join(', ')}]);\n`,
    );
    const built = await twoPassForAnalysis(probe, path.dirname(entry));
    const probeFile = path.join(dir, `${spec.name}.js`);
    writeFileSync(probeFile, built.code);
    const coldInitMs = timeNode(timed(`await require(${JSON.stringify(probeFile)}).construct();`), runs);
    const baselineInitMs = timeNode(timed(clients.map((c) => `new (require(${JSON.stringify(CLIENTS[c].pkg)}).${CLIENTS[c].ctor})({});`).join('')), runs);
    const row = { name: spec.name, bytes: b.bytes, clients, coldInitMs, baselineInitMs, ratio: round(coldInitMs / baselineInitMs) };
    log(`  ${spec.name}: ${(b.bytes / 1024).toFixed(0)} KiB, init ${coldInitMs} ms (unbundled SDK ${baselineInitMs} ms)`);
    rows.push(row);
  }
  return { runs, rows, maxBytes: Math.max(...rows.map((r) => r.bytes)), maxColdInitMs: Math.max(...rows.map((r) => r.coldInitMs)) };
}
