/**
 * How long `npm run audit -- --resource` takes on a ledger of some 30,000
 * audit records, through the audit indexes and with --scan, against moto
 * (README "Reading the audit trail" quotes the numbers). Not a test: it
 * times things. Run: `npx tsx scripts/audit/measure-resource.ts [records]`.
 *
 * The ledger: 1,000 instances, 200 of them members of 20 Auto Scaling
 * groups, each with incidents of three decisions (Started, Succeeded,
 * Verified) spread over the last 90 days; records shaped and sized as
 * recordDecision writes them (~1.1 KB with their evidence), index keys
 * included. Written with BatchWriteItem (the handlers would take hours).
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ledgerIndexKeys, ledgerTableKeys } from '../../functions/contracts/ledger-indexes';
import type { RecoveryEventDetail } from '../../functions/contracts/recovery-event';
import { startMoto } from '../sandbox/moto';
import { runAudit } from './run';

const TABLE = 'recovery-measure-ledger';
const RECORDS = Number(process.argv[2] ?? 30_000);
const INSTANCES = 1_000;
const DETAIL_TYPES = ['Remediation Started', 'Remediation Succeeded', 'Remediation Verified'];

const instanceId = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
const groupOf = (n: number) => (n < 200 ? `web-${Math.floor(n / 10)}` : 'standalone');

function record(n: number, now: number): Record<string, unknown> {
  const incident = Math.floor(n / DETAIL_TYPES.length);
  const inst = incident % INSTANCES;
  const id = instanceId(inst);
  const at = new Date(now - ((incident * 7919) % (90 * 86400)) * 1000 + (n % DETAIL_TYPES.length) * 60_000).toISOString();
  const incidentId = `inc-${incident.toString(16).padStart(16, '0')}`;
  const detailType = DETAIL_TYPES[n % DETAIL_TYPES.length];
  const detail: RecoveryEventDetail = {
    incidentId,
    stage: 'prod',
    playbook: 'status',
    rung: 0,
    action: 'ssm-automation',
    resource: { type: 'instance', id, group: groupOf(inst) },
    mode: 'auto',
    at,
    evidence: {
      instance: { instanceId: id, state: 'running', availabilityZone: 'us-east-1a', instanceStatus: 'impaired', systemStatus: 'ok', tags: { Name: `app-${inst}`, team: 'platform' } },
      group: { name: groupOf(inst), size: inst < 200 ? 10 : 1 },
      alarmStateNow: 'ALARM',
      healthReadAt: at,
      plan: `StartAutomationExecution AWS-RestartEC2Instance on ${id}; GetAutomationExecution until Success | Failed | TimedOut | Cancelled`,
      result: { executionId: `exec-${incident}`, documentName: 'AWS-RestartEC2Instance', status: 'Success' },
      notes: 'x'.repeat(600),
    },
  };
  return { pk: `incident#${incidentId}`, sk: `${at}#r0#${detailType}`, detailType, ...detail, ...ledgerIndexKeys(detail), expiresAt: Math.floor(now / 1000) + 90 * 86400 };
}

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    Object.assign(process.env, { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const ddb = new DynamoDBClient({});
    const docs = DynamoDBDocumentClient.from(ddb);
    await ddb.send(new CreateTableCommand({ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST', ...ledgerTableKeys() }));
    const now = Date.now();
    const loadStarted = Date.now();
    for (let n = 0; n < RECORDS; n += 25) {
      const items = Array.from({ length: Math.min(25, RECORDS - n) }, (_, k) => ({ PutRequest: { Item: record(n + k, now) } }));
      await docs.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items } }));
    }
    console.log(`loaded ${RECORDS} records (~${JSON.stringify(record(0, now)).length} bytes each as JSON) in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

    const cases: Array<[string, string[]]> = [
      ['instance, index, --since 90d', ['--resource', instanceId(42), '--since', '90d']],
      ['instance, --scan, --since 90d', ['--resource', instanceId(42), '--since', '90d', '--scan', '--max-pages', '1000']],
      ['ASG name, index, --since 90d', ['--resource', 'web-4', '--since', '90d']],
      ['ASG name, --scan, --since 90d', ['--resource', 'web-4', '--since', '90d', '--scan', '--max-pages', '1000']],
      ['instance, index, --since 24h', ['--resource', instanceId(42)]],
    ];
    for (const [label, argv] of cases) {
      const times: number[] = [];
      let last = '';
      for (let run = 0; run < 3; run++) {
        const err: string[] = [];
        const started = Date.now();
        const code = await runAudit(['--table', TABLE, ...argv], { out: () => undefined, err: (l) => err.push(l) }, now);
        times.push(Date.now() - started);
        last = `exit ${code}; ${err.join(' | ')}`;
      }
      times.sort((a, b) => a - b);
      console.log(`${label}: median ${(times[1] / 1000).toFixed(2)} s (runs ${times.map((t) => (t / 1000).toFixed(2)).join(', ')}); ${last}`);
    }
  } finally {
    await moto.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
