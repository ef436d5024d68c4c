import { handler as ansible } from '../../functions/handlers/ansible';
import { handler as ecsRedeploy } from '../../functions/handlers/ecs-redeploy';
import { handler as k8sRollout } from '../../functions/handlers/k8s-rollout';
import { handler as lambdaRollback } from '../../functions/handlers/lambda-rollback';
import { handler as notifier } from '../../functions/handlers/notifier';
import { handler as rebootDb } from '../../functions/handlers/reboot-db';
import { handler as replaceInstance } from '../../functions/handlers/replace-instance';
import { handler as restoreDb } from '../../functions/handlers/restore-db';
import { handler as restoreVolume } from '../../functions/handlers/restore-volume';
import { handler as ssmAutomation } from '../../functions/handlers/ssm-automation';
import { handler as verifier } from '../../functions/handlers/verifier';
import { alarmName } from '../../functions/contracts/naming';
import { ACCOUNT, REGION } from '../support/aws';
import { countMutations, stubAutomation } from './sdk-probes';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { alarmEvent, aws, busEvents, cloudWatchTime, createStack, playbook, putAlarm, recordActed, request, setMode, STAGE, TABLE, type TestStack } from './stack';

/**
 * Malformed, foreign and hostile inputs, against every function that takes
 * events (the nine action kinds, the verifier, the notifier), on moto. Each
 * input must be refused with a message that names the field, what was
 * expected and what was seen, and must change nothing: no fleet call, no
 * page, no recovery event; one record of the rejection in the ledger
 * (`rejected#<function>`) and nothing else. Every mutating call is counted by
 * middleware on the functions' own SDK clients, not taken from the handler's
 * word. The expected messages are written from the AWS event shapes and the
 * stack's own names, not copied from the code's output.
 */
jest.setTimeout(180_000);

type Fn = (event: unknown) => Promise<unknown>;
type Kind = 'alarm' | 'alert';

interface Judge {
  name: string;
  fn: Fn;
  kind: Kind;
  /** Playbook and rung that run this function. */
  playbook: string;
  rung: string;
  /** The alarm's resource dimensions (alarm judges). */
  dims: Record<string, string>;
  /** The resource dimension the hostile-id cases poison. */
  idDimension?: string;
}

const ALARM_JUDGES: Judge[] = [
  { name: 'ssm-automation', fn: ssmAutomation, kind: 'alarm', playbook: 'status', rung: 'reboot', dims: { InstanceId: 'i-0123456789abcdef0' }, idDimension: 'InstanceId' },
  { name: 'replace-instance', fn: replaceInstance, kind: 'alarm', playbook: 'replace', rung: 'replace-instance', dims: { InstanceId: 'i-0123456789abcdef1' }, idDimension: 'InstanceId' },
  { name: 'restore-volume', fn: restoreVolume, kind: 'alarm', playbook: 'stalled', rung: 'restore-volume', dims: { VolumeId: 'vol-0123456789abcdef0', InstanceId: 'i-0123456789abcdef2' }, idDimension: 'VolumeId' },
  { name: 'reboot-db', fn: rebootDb, kind: 'alarm', playbook: 'db', rung: 'reboot-db', dims: { DBInstanceIdentifier: 'orders' }, idDimension: 'DBInstanceIdentifier' },
  { name: 'restore-db', fn: restoreDb, kind: 'alarm', playbook: 'dbrestore', rung: 'restore-db', dims: { DBInstanceIdentifier: 'ledger' }, idDimension: 'DBInstanceIdentifier' },
  { name: 'lambda-rollback', fn: lambdaRollback, kind: 'alarm', playbook: 'errors', rung: 'lambda-rollback', dims: { FunctionName: 'checkout', Resource: 'checkout:live' }, idDimension: 'FunctionName' },
  { name: 'ecs-redeploy', fn: ecsRedeploy, kind: 'alarm', playbook: 'tasks', rung: 'ecs-redeploy', dims: { ClusterName: 'shop', ServiceName: 'web' }, idDimension: 'ServiceName' },
  { name: 'ansible', fn: ansible, kind: 'alarm', playbook: 'runbook', rung: 'ansible', dims: { InstanceId: 'i-0123456789abcdef3' }, idDimension: 'InstanceId' },
];
const K8S: Judge = { name: 'k8s-rollout', fn: k8sRollout, kind: 'alert', playbook: 'k8s-cart', rung: 'rollout-restart', dims: {} };
const NOTIFIER: Judge = { name: 'notifier', fn: notifier, kind: 'alarm', playbook: 'storage', rung: '', dims: { DBInstanceIdentifier: 'orders' }, idDimension: 'DBInstanceIdentifier' };
const VERIFIER: Judge = { name: 'verifier', fn: verifier, kind: 'alarm', playbook: 'status', rung: 'reboot', dims: { InstanceId: 'i-0123456789abcdef4' }, idDimension: 'InstanceId' };
const JUDGES = [...ALARM_JUDGES, K8S, NOTIFIER, VERIFIER];

const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function alertEvent(name: string, startsAt: string) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Alertmanager Alert',
    source: 'recovery-stack',
    account: ACCOUNT,
    time: iso(Date.now()),
    region: REGION,
    resources: [],
    detail: {
      version: 1,
      status: 'firing',
      alertName: name,
      fingerprint: '0123456789abcdef',
      startsAt,
      playbook: K8S.playbook,
      deployment: { cluster: 'prod-eks', namespace: 'shop', name: 'cart', id: 'prod-eks/shop/cart' },
      labels: { alertname: name },
      annotations: {},
      receiver: 'recovery',
    },
  };
}

/** The valid request each judge takes (the verifier: the request inside its message). */
function validRequest(j: Judge): any {
  const ladder = j === NOTIFIER ? [] : [j.rung];
  const event = j.kind === 'alert' ? alertEvent('KubeDeploymentUnavailable', iso(Date.now() - 60_000)) : alarmEvent(alarmName(STAGE, j.playbook, Object.values(j.dims).join('_')), j.dims, cloudWatchTime(new Date(Date.now() - 60_000)));
  const req: any = request(playbook(j.playbook, ladder), event as never);
  if (j === VERIFIER) req.incidentId = 'inc-00000000000000f1';
  return JSON.parse(JSON.stringify(req));
}

/** What the judge is handed for a request (or any value in its place). */
function input(j: Judge, req: unknown, actedAt = iso(Date.now() - 1000)): unknown {
  if (j !== VERIFIER) return req;
  const isRequest = req !== null && typeof req === 'object' && !Array.isArray(req) && 'event' in (req as object);
  const body = isRequest ? JSON.stringify({ request: req, actedAt }) : JSON.stringify(req);
  return { Records: [{ messageId: 'm-1', body, attributes: { ApproximateReceiveCount: '1' } }] };
}

interface Case {
  name: string;
  /** A new input from a fresh copy of the judge's valid request; undefined = the case does not exist for this kind of fault. */
  make: (v: any, j: Judge) => unknown;
  /** The message, per judge where they differ (`action`: every action kind). */
  expect: RegExp | { action?: RegExp; notifier?: RegExp; verifier?: RegExp; alert?: RegExp; default?: RegExp };
  only?: Kind;
  /** The judges the case applies to (default: all of its kind). */
  judges?: (j: Judge) => boolean;
}

const ev = (v: any) => v.event;
const det = (v: any) => v.event.detail;
const alarmOnly = 'alarm' as const;
const withMetrics = (v: any, metrics: unknown[]) => ((det(v).configuration = { metrics }), v);
const dimsWith = (v: any, j: Judge, value: string) => {
  const m = det(v).configuration.metrics[0].metricStat.metric;
  m.dimensions = { ...m.dimensions, [j.idDimension!]: value };
  return v;
};

const cases: Case[] = [
  { name: 'null', make: () => null, expect: { default: /^remediation request: expected a JSON object, got null$/, notifier: /^event: expected a JSON object, got null$/, verifier: /^body: expected a JSON object, got null$/ } },
  { name: 'an array', make: () => [], expect: /expected a JSON object, got an array$/ },
  { name: 'a string', make: () => 'reboot everything', expect: /expected a JSON object, got string "reboot everything"$/ },
  { name: 'a number', make: () => 42, expect: /expected a JSON object, got number 42$/ },
  { name: 'an empty object', make: () => ({}), expect: { default: /version: expected 1, got nothing; playbook: expected object, got nothing/, notifier: /^event: expected a recovery-stack event .* got source nothing, detail-type nothing$/, verifier: /body\.request: expected object, got nothing/ } },
  { name: 'envelope version 2', make: (v) => ({ ...v, version: 2 }), expect: /version: expected 1, got 2/ },
  { name: 'no event', make: (v) => ({ ...v, event: undefined }), expect: /event: expected object, got nothing/ },
  { name: 'a string detail', make: (v) => ((ev(v).detail = 'ALARM'), v), expect: /event\.detail: expected object, got "ALARM"/ },
  { name: 'no detail', make: (v) => (delete ev(v).detail, v), expect: /event\.detail: expected object, got nothing/ },
  {
    name: 'a spoofed source',
    make: (v) => ((ev(v).source = 'my.app'), v),
    expect: { default: /event\.source: expected "aws\.cloudwatch", got "my\.app"/, alert: /event\.source: expected "recovery-stack", got "my\.app"/ },
  },
  {
    name: 'another detail-type',
    make: (v) => ((ev(v)['detail-type'] = 'AWS API Call via CloudTrail'), v),
    expect: /event\.detail-type: expected one of "CloudWatch Alarm State Change" \| "Alertmanager Alert", got "AWS API Call via CloudTrail"/,
  },
  {
    name: 'a state value of the wrong type',
    make: (v, j) => (j.kind === 'alert' ? (det(v).status = 7) : (det(v).state.value = 7), v),
    expect: { default: /event\.detail\.state\.value: expected one of "OK" \| "ALARM" \| "INSUFFICIENT_DATA", got 7/, alert: /event\.detail\.status: expected one of "firing" \| "resolved", got 7/ },
  },
  { name: 'INSUFFICIENT_DATA', only: alarmOnly, make: (v) => ((det(v).state.value = 'INSUFFICIENT_DATA'), v), expect: /event\.detail\.state\.value: expected "ALARM" .*, got "INSUFFICIENT_DATA"/ },
  {
    name: 'an OK transition (a resolved alert)',
    make: (v, j) => (j.kind === 'alert' ? (det(v).status = 'resolved') : (det(v).state.value = 'OK'), v),
    expect: { default: /event\.detail\.state\.value: expected "ALARM" .*, got "OK"/, alert: /event\.detail\.status: expected "firing" .*, got "resolved"/ },
  },
  { name: 'another account', make: (v) => ((ev(v).account = '999999999999'), v), expect: /event\.account: expected "123456789012" \(this function's account\), got "999999999999"/ },
  { name: 'another region', make: (v) => ((ev(v).region = 'eu-west-1'), v), expect: /event\.region: expected "us-east-1" \(this function's region\), got "eu-west-1"/ },
  {
    name: 'an alarm of another stage',
    only: alarmOnly,
    make: (v) => ((det(v).alarmName = det(v).alarmName.replace(`recovery-${STAGE}-`, 'recovery-prod-')), v),
    expect: /event\.detail\.alarmName: expected an alarm of (playbook \S+ of )?stage test \(prefix recovery-test-\S*\), got "recovery-prod-/,
  },
  {
    name: 'a foreign alarm name',
    only: alarmOnly,
    make: (v) => ((det(v).alarmName = 'billing-alert-high-spend'), v),
    expect: /event\.detail\.alarmName: expected an alarm of (playbook \S+ of )?stage test \(prefix recovery-test-\S*\), got "billing-alert-high-spend"/,
  },
  {
    name: 'control characters in the alarm (alert) name',
    make: (v, j) => (j.kind === 'alert' ? (det(v).alertName = 'Kube\u001b[2J\u0007Down') : (det(v).alarmName = `${det(v).alarmName}\u001b[31m\r\nFAKE LOG LINE`), v),
    // Shown JSON-escaped: visible, and no terminal escape reaches a log line or a page.
    expect: { default: /event\.detail\.alarmName: expected printable characters only, got "recovery-test-\S*\\u001b\[31m\\r\\nF/, alert: /event\.detail\.alertName: expected printable characters only, got "Kube\\u001b\[2J\\u0007Down"/ },
  },
  {
    name: 'path characters in the resource id',
    only: alarmOnly,
    make: (v, j) => dimsWith(v, j, '../../etc/passwd'),
    expect: /^event\.detail\.configuration\.metrics\.0\.metricStat\.metric\.dimensions\.\w+: expected an? .+, got "\.\.\/\.\.\/etc\/passwd"$/,
  },
  {
    name: 'shell metacharacters in the resource id',
    only: alarmOnly,
    make: (v, j) => dimsWith(v, j, 'i-0123; aws ec2 terminate-instances $(id)'),
    expect: /^event\.detail\.configuration\.metrics\.0\.metricStat\.metric\.dimensions\.\w+: expected an? .+, got "i-0123; aws ec2 terminate-instances \$\(id\)"$/,
  },
  {
    name: 'a huge description',
    only: alarmOnly,
    make: (v) => ((det(v).configuration.description = 'x'.repeat(5000)), v),
    expect: /event\.detail\.configuration\.description: expected at most 1024 characters, got "x{20,}\.\.\. \(5002 characters\)/,
  },
  {
    name: '1,000 metrics',
    only: alarmOnly,
    make: (v) => withMetrics(v, Array.from({ length: 1000 }, () => det(v).configuration.metrics[0])),
    expect: /event\.detail\.configuration\.metrics: expected at most 20 items, got an array of 1000/,
  },
  { name: 'an unparseable time', make: (v) => ((ev(v).time = 'yesterday'), v), expect: /event\.time: expected an ISO 8601 time with a zone, got "yesterday"/ },
  { name: 'a time in the future', make: (v) => ((ev(v).time = iso(Date.now() + 2 * HOUR)), v), expect: /event\.time: expected a time not after now .*, got "\d{4}-/ },
  {
    name: 'an event 30 h old',
    make: (v, j) => {
      ev(v).time = iso(Date.now() - 30 * HOUR);
      // The verifier's message is bounded by when the action acted, as EventBridge retries bound a first delivery.
      return j === VERIFIER ? { __actedAt: iso(Date.now() - 30 * HOUR), req: v } : v;
    },
    // The verifier's request is an incident's, bounded by the whole ladder's span (and its actedAt by its delay).
    expect: { default: /event\.time: expected a time within the last 180 min .*\(30\.0 h old\)/, verifier: /(event\.time|body\.actedAt): expected a time within the last \d+ min .*\(30\.0 h old\)/ },
  },
  {
    name: 'an unparseable state timestamp (alert start)',
    make: (v, j) => (j.kind === 'alert' ? (det(v).startsAt = 'soon') : (det(v).state.timestamp = '10:00 yesterday'), v),
    expect: { default: /event\.detail\.state\.timestamp: expected an ISO 8601 time with a zone, got "10:00 yesterday"/, alert: /event\.detail\.startsAt: expected an ISO 8601 time with a zone, got "soon"/ },
  },
  {
    name: 'an unknown rung',
    make: (v) => ((v.playbook.ladder = ['format-disk']), v),
    expect: /playbook\.ladder\.0: expected one of "reboot" \| .*, got "format-disk"/,
  },
  {
    name: 'a rung out of range',
    make: (v) => ({ ...v, rung: 3, incidentId: 'inc-0123456789abcdef' }),
    expect: { action: /rung: expected 0\.\.0 \(playbook \S+'s ladder of 1\), got 3/, alert: /rung: expected 0\.\.0 .*, got 3/, verifier: /rung: expected 0\.\.0 .*, got 3/, notifier: /rung: expected 0 \(a notify-only playbook has no rungs\), got 3/ },
  },
  {
    name: 'an escalation without incident id',
    make: (v, j) => (j === NOTIFIER ? { ...v, rung: 1 } : { ...v, rung: 1, incidentId: undefined, playbook: { ...v.playbook, ladder: [v.playbook.ladder[0], v.playbook.ladder[0]] } }),
    expect: { default: /incidentId: expected the incident's id \(an escalation continues an incident\), got nothing/, notifier: /rung: expected 0 \(a notify-only playbook has no rungs\), got 1/ },
  },
  {
    name: 'a malformed incident id',
    make: (v) => ({ ...v, incidentId: 'inc-<script>' }),
    expect: /incidentId: expected an incident id like inc-0123456789abcdef, got "inc-<script>"/,
  },
  {
    name: 'a playbook that is not the alarm\'s (prefix mismatch)',
    make: (v) => ((v.playbook.name = 'other'), v),
    expect: {
      default: /event\.detail\.alarmName: expected an alarm of playbook other of stage test \(prefix recovery-test-other-\), got "recovery-test-/,
      alert: /event\.detail\.playbook: expected "other" \(the request's playbook\), got "k8s-cart"/,
    },
  },
  {
    name: 'a rung of another action kind',
    // Not for the verifier: it verifies any rung of the playbook it is handed and cannot know the real ladder
    // (a check against the incident's own records in the ledger would; see the project's notes).
    judges: (j) => j !== VERIFIER,
    make: (v, j) => ((v.playbook.ladder = [j.rung === 'restore-volume' || j === NOTIFIER ? 'reboot' : 'restore-volume']), v),
    expect: {
      action: /rung: expected a rung this \S+ function runs, got rung 0 \((restore-volume|reboot)\), which runs (restore-volume|ssm-automation)/,
      alert: /rung: expected a rung this k8s-rollout function runs, got rung 0 \(restore-volume\)/,
      notifier: /playbook\.ladder: expected an empty ladder \(notify-only playbook\), got 1 rung/,
    },
  },
  {
    name: 'a mismatched action field',
    make: (v, j) => (j === NOTIFIER ? { ...v, rung: 0, playbook: { ...v.playbook, ladder: [] }, action: 'ansible' } : { ...v, action: j.name === 'ansible' ? 'ecs-redeploy' : 'ansible' }),
    expect: { default: /action: expected "\S+" \(rung 0, \S+\), got "(ansible|ecs-redeploy)"/, notifier: /^action: expected nothing \(a notify-only playbook runs no action\), got "ansible"$/ },
  },
  {
    name: 'an escalation requested in the future',
    make: (v, j) => ({ ...v, rung: j === NOTIFIER ? 0 : v.rung, incidentId: 'inc-0123456789abcdef', requestedAt: iso(Date.now() + 3 * HOUR) }),
    expect: /requestedAt: expected a time not after now/,
  },
  { name: 'an oversized event', make: (v) => ((det(v).padding = 'x'.repeat(300_000)), v), expect: /expected at most 262144 bytes \(the EventBridge event limit\), got 30\d{4} bytes/ },
];

function expectedFor(c: Case, j: Judge): RegExp {
  if (c.expect instanceof RegExp) return c.expect;
  const e = c.expect;
  const role = j === NOTIFIER ? e.notifier : j === VERIFIER ? e.verifier : j.kind === 'alert' ? (e.alert ?? e.action) : e.action;
  return (role ?? e.default)!;
}

/** The judge's rejection records (a Query, paginated: the kept inputs make a Scan page short). */
async function rejections(fn: string): Promise<Array<Record<string, any>>> {
  const out: Array<Record<string, any>> = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await aws().docs.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `rejected#${fn}` }, ExclusiveStartKey }));
    out.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}
const keysOf = async (fn: string) => new Set((await rejections(fn)).map((r) => String(r.sk)));
const newSince = async (fn: string, before: Set<string>) => (await rejections(fn)).filter((r) => !before.has(String(r.sk)));

/** Every string in a stored item, for the control-character check (the stored input is JSON text, escaped). */
const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);

/** The outcome a judge reports: its result, or for the verifier the rejection record it left (SQS gets no outcome). */
async function reasonOf(j: Judge, out: unknown, before: Set<string>): Promise<{ outcome: string; reason?: string }> {
  if (j !== VERIFIER) return out as { outcome: string; reason?: string };
  const records = await newSince('verifier', before);
  expect(out).toEqual({ batchItemFailures: [] });
  return records.length === 1 ? { outcome: 'rejected', reason: records[0].reason } : { outcome: `${records.length} rejection records` };
}

describe('malformed, foreign and hostile inputs, against every function that takes events', () => {
  let stack: TestStack;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  const seen = new Map<string, number>();

  beforeAll(async () => {
    stack = await createStack();
    process.env.KUBE_CLUSTERS = JSON.stringify({ 'prod-eks': { endpoint: 'https://127.0.0.1:1', certificateAuthority: 'Y2E=', region: REGION } });
    process.env.ANSIBLE_PLAYBOOK = JSON.stringify({ source: 'S3', path: 's3://runbooks/web.yml' });
    // The alarms exist and are in ALARM (a valid event's fault is real); their resources need not.
    for (const j of [...ALARM_JUDGES, NOTIFIER, VERIFIER]) await putAlarm(j.playbook, Object.values(j.dims).join('_'), Object.keys(j.dims)[0]);
    // The verifier's incident: its action recorded that it acted (what an action writes before asking for verification).
    await recordActed(validRequest(VERIFIER).incidentId, 0);
    automation = await stubAutomation();
  });
  afterAll(() => automation.restore());

  it('an oversized event of multibyte characters is still kept (cut to fit a DynamoDB item, which AWS and moto bound at 400 KB)', async () => {
    // Prepare: 190,000 three-byte characters: fewer characters than a character bound would cut, 570 KB of UTF-8.
    const v = validRequest(ALARM_JUDGES[0]);
    v.event.detail.padding = '\u20ac'.repeat(190_000);
    const before = await keysOf('ssm-automation');
    // Act
    const out = await ssmAutomation(v);
    // Assess
    expect(out).toEqual({ outcome: 'rejected', reason: expect.stringMatching(/expected at most 262144 bytes \(the EventBridge event limit\), got 5\d{5} bytes/) });
    const [kept] = await newSince('ssm-automation', before);
    expect(kept).toMatchObject({ inputTruncated: true, inputBytes: Buffer.byteLength(JSON.stringify(v)) });
    expect(Buffer.byteLength(kept.input)).toBeLessThanOrEqual(200_000);
    expect(JSON.stringify(v).startsWith(kept.input)).toBe(true);
  });

  it('verifier: a message whose incident has no recorded action comes back, then is refused; nothing verified, nobody paged', async () => {
    // Prepare: well-formed, this stack's alarm in ALARM, but no action of incident inc-...f2 ever ran.
    await busEvents(stack);
    const v = { ...validRequest(VERIFIER), incidentId: 'inc-00000000000000f2' };
    const delivered = (count: number) => {
      const m = input(VERIFIER, v) as { Records: Array<{ attributes: { ApproximateReceiveCount: string } }> };
      m.Records[0].attributes.ApproximateReceiveCount = String(count);
      return m;
    };
    const before = await keysOf('verifier');
    const counter = await countMutations();
    // Act: the first receives (the action's record may still be on its way), then the last.
    const early = await verifier(delivered(1));
    const last = await verifier(delivered(3));
    // Assess
    await counter.detach();
    expect(early).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(last).toEqual({ batchItemFailures: [] });
    const kept = await newSince('verifier', before);
    expect(kept.map((r) => r.reason)).toEqual([
      'incident inc-00000000000000f2 has no Remediation Succeeded record at rung 0 after 3 receives: not a verification of this stack\'s action; nothing verified, nobody paged',
    ]);
    // Two reads of the incident's records (one per receive), one write: the rejection record.
    expect(counter.all).toEqual(['dynamodb:QueryCommand', 'dynamodb:QueryCommand', 'dynamodb:PutItemCommand']);
    expect(await busEvents(stack)).toEqual([]);
  });

  it('has at least 30 kinds of input, and every function that takes events judges them', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
    expect(JUDGES.map((j) => j.name).sort()).toEqual(
      ['ansible', 'ecs-redeploy', 'k8s-rollout', 'lambda-rollback', 'notifier', 'reboot-db', 'replace-instance', 'restore-db', 'restore-volume', 'ssm-automation', 'verifier'].sort(),
    );
  });

  const matrix = JUDGES.flatMap((j) => cases.filter((c) => (!c.only || c.only === j.kind) && (!c.judges || c.judges(j))).map((c) => [j.name, c.name, j, c] as const));

  it.each(matrix)('%s refuses %s: named, nothing changed, nobody paged, kept once', async (_j, _c, j, c) => {
    // Prepare
    const made = c.make(validRequest(j), j) as any;
    const given = made && typeof made === 'object' && '__actedAt' in made ? input(j, made.req, made.__actedAt) : input(j, made);
    const before = await keysOf(j.name);
    const counter = await countMutations();
    // Act
    const out = await j.fn(given);
    // Assess
    await counter.detach();
    const { outcome, reason } = await reasonOf(j, out, before);
    expect({ outcome, reason }).toEqual({ outcome: 'rejected', reason: expect.stringMatching(expectedFor(c, j)) });
    expect(reason).not.toMatch(/Invalid input/);
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f]/);
    // One write (the rejection record), no fleet call, no recovery event (no page), no message.
    expect(counter.all).toEqual(['dynamodb:PutItemCommand']);
    expect(automation.started).toEqual([]);
    const kept = await newSince(j.name, before);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ pk: `rejected#${j.name}`, function: j.name, reason });
    expect(strings(kept[0]).filter((x) => /[\u0000-\u001f\u007f]/.test(x))).toEqual([]);
    seen.set(j.name, (seen.get(j.name) ?? 0) + 1);
  });

  it.each(JUDGES.map((j) => [j.name, j] as const))('%s: an alarm (alert) that does not exist is never acted on, nobody paged', async (_n, j) => {
    // Prepare: a well-formed event of this stack whose alarm (alert state) was never created.
    const v = validRequest(j);
    if (j.kind === 'alert') v.event.detail.fingerprint = 'fedcba9876543210';
    else v.event.detail.alarmName = `${v.event.detail.alarmName}-gone`;
    await busEvents(stack);
    const before = await keysOf(j.name);
    const counter = await countMutations();
    // Act
    const out = await j.fn(input(j, v));
    // Assess
    await counter.detach();
    const said = j === VERIFIER || j === NOTIFIER ? await reasonOf(j, out, before) : (out as { outcome: string; reason?: string });
    const expected = j === VERIFIER || j === NOTIFIER ? 'rejected' : 'skipped';
    expect(said).toMatchObject({ outcome: expected, reason: expect.stringMatching(/(alarm recovery-test-\S+-gone|alert KubeDeploymentUnavailable \(fedcba9876543210\) on prod-eks\/shop\/cart) does not exist \(.+\): not a fault of this stack/) });
    expect(counter.fleet).toEqual([]);
    expect(automation.started).toEqual([]);
    // At most the skip is told (email, severity info); no escalation, no page.
    expect((await busEvents(stack)).map((e) => e.detailType).filter((t) => t !== 'Remediation Skipped')).toEqual([]);
  });

  it.each(JUDGES.map((j) => [j.name, j] as const))('%s takes the valid input every case was derived from (the cases fail for their defect only)', async (_n, j) => {
    // Prepare: the kill switch off, so a function that accepts the input stands down instead of acting.
    await setMode('off');
    const v = validRequest(j);
    const before = await keysOf(j.name);
    // Act
    const out = (await j.fn(input(j, v))) as { outcome?: string; batchItemFailures?: unknown[] };
    // Assess: not rejected (the notifier pages whatever the switch says; the verifier verifies).
    expect(await newSince(j.name, before)).toEqual([]);
    if (j === VERIFIER) expect(out).toEqual({ batchItemFailures: [] });
    else expect(out.outcome).toMatch(j === NOTIFIER ? /^escalated$/ : /^skipped$/);
    await setMode('auto');
  });
});
