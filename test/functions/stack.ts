import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand, type AlarmMuteRuleStatus, type ListAlarmMuteRulesCommandInput } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateLaunchTemplateCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  AttachVolumeCommand,
  DescribeImagesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AlarmStateChangeEvent } from '../../functions/contracts/alarm-event';
import { ENV } from '../../functions/contracts/env';
import type { Guardrails } from '../../functions/contracts/guardrails';
import { ledgerTableKeys } from '../../functions/contracts/ledger-indexes';
import { alarmName, modeParameterName } from '../../functions/contracts/naming';
import { RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import type { FaultEvent, PlaybookParams, RemediationRequest } from '../../functions/contracts/remediation-request';
import { forgetMode } from '../../functions/guards/kill-switch';
import { forgetSharedReadings } from '../../functions/guards/shared-readings';
import * as sdk from '../../functions/runtime/sdk';
import { asEventBridgeDelivered } from '../../scripts/drill/eventbridge-delivery';
import { ACCOUNT, REGION, clientConfig, resetEmulator, useEmulatorEnv } from '../support/aws';

/**
 * The stack's runtime resources recreated in moto the way infra/ creates them:
 * ledger table (pk/sk strings, TTL expiresAt, the audit indexes unless
 * `ledgerIndexes: false`), recovery bus with a rule routing
 * every recovery-stack event to an SQS queue (stand-in for the notifier's
 * Lambda/SNS targets, which moto cannot invoke), verify queue, mode parameter,
 * topic; plus the function environment pointing at them.
 */
export const STAGE = 'test';
export const TABLE = 'recovery-test-ledger';
export const BUS = 'recovery-test-bus';

export const aws = () => {
  const c = clientConfig();
  const ddb = new DynamoDBClient(c);
  return {
    ec2: new EC2Client(c),
    asg: new AutoScalingClient(c),
    cw: new CloudWatchClient(c),
    ddb,
    docs: DynamoDBDocumentClient.from(ddb),
    events: new EventBridgeClient(c),
    sqs: new SQSClient(c),
    ssm: new SSMClient(c),
    sns: new SNSClient(c),
  };
};

export interface TestStack {
  verifyQueueUrl: string;
  eventsQueueUrl: string;
  topicArn: string;
  topicQueueUrl: string;
}

export async function createStack(
  guardrails: Partial<Guardrails> = {},
  mode: 'auto' | 'dry-run' | 'off' | string = 'auto',
  opts: { ledgerIndexes?: boolean } = {},
): Promise<TestStack> {
  useEmulatorEnv();
  await resetEmulator();
  forgetMode();
  forgetSharedReadings();
  const a = aws();
  // The audit indexes as infra/storage/ledger-table.ts declares them (one definition); without
  // them (ledgerIndexes: false), the table of a stack deployed before they existed.
  await a.ddb.send(new CreateTableCommand({ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST', ...ledgerTableKeys({ indexes: opts.ledgerIndexes !== false }) }));
  await a.ddb.send(new UpdateTimeToLiveCommand({ TableName: TABLE, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
  await a.events.send(new CreateEventBusCommand({ Name: BUS }));
  const verifyQueueUrl = (await a.sqs.send(new CreateQueueCommand({ QueueName: 'recovery-test-verify' }))).QueueUrl!;
  const eventsQueueUrl = (await a.sqs.send(new CreateQueueCommand({ QueueName: 'recovery-test-events' }))).QueueUrl!;
  const eventsQueueArn = (await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: eventsQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await a.events.send(new PutRuleCommand({ Name: 'all-recovery-events', EventBusName: BUS, EventPattern: JSON.stringify({ source: [RECOVERY_SOURCE] }) }));
  await a.events.send(new PutTargetsCommand({ Rule: 'all-recovery-events', EventBusName: BUS, Targets: [{ Id: 'q', Arn: eventsQueueArn }] }));
  await a.ssm.send(new PutParameterCommand({ Name: modeParameterName(STAGE), Value: mode, Type: 'String' }));
  const topicArn = (await a.sns.send(new CreateTopicCommand({ Name: 'recovery-test-notify' }))).TopicArn!;
  const topicQueueUrl = (await a.sqs.send(new CreateQueueCommand({ QueueName: 'recovery-test-inbox' }))).QueueUrl!;
  const topicQueueArn = (await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: topicQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await a.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: topicQueueArn, Attributes: { RawMessageDelivery: 'false' } }));

  Object.assign(process.env, {
    [ENV.stage]: STAGE,
    [ENV.account]: ACCOUNT,
    [ENV.ledgerTable]: TABLE,
    [ENV.eventBus]: BUS,
    [ENV.modeParameter]: modeParameterName(STAGE),
    [ENV.verifyQueueUrl]: verifyQueueUrl,
    [ENV.guardrails]: JSON.stringify(guardrails),
    [ENV.topicArn]: topicArn,
    [ENV.automationRoleArn]: `arn:aws:iam::${ACCOUNT}:role/recovery-test-automation`,
    POLL_INTERVAL_MS: '5',
    MODE_CACHE_SECONDS: '0',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env[ENV.changeCalendar];
  await installMuteRuleStandIn();
  return { verifyQueueUrl, eventsQueueUrl, topicArn, topicQueueUrl };
}

// ---------- alarm mute rules (stand-in) ----------

/**
 * STAND-IN for CloudWatch ListAlarmMuteRules, which moto 5.2 does not
 * implement (it answers HTTP 500 with an HTML page, which the SDK would retry
 * on every guarded invocation). createStack installs it on the functions' own
 * CloudWatch client with aws-sdk-client-mock: only ListAlarmMuteRulesCommand
 * is answered here, every other command (DescribeAlarms, ...) calls through
 * to moto. It answers from the rules a test declares (`muteRules.put`), none
 * by default, honouring the AlarmName and Statuses filters as AWS does.
 */
export interface MuteRule {
  name: string;
  /** The alarms the rule targets (MuteTargets.AlarmNames). */
  alarmNames: string[];
  status: AlarmMuteRuleStatus;
  muteType?: 'ONE_TIME' | 'RECURRING';
  expireDate?: Date;
}

class MuteRulesStandIn {
  private rules: MuteRule[] = [];
  private failure: Error | undefined;
  /** Every ListAlarmMuteRules request the functions sent (the stub bypasses client middleware). */
  readonly requests: ListAlarmMuteRulesCommandInput[] = [];

  put(rule: MuteRule): string {
    this.rules.push(rule);
    return this.arnOf(rule.name);
  }

  /** From now on every ListAlarmMuteRules fails as AWS refuses it (e.g. AccessDeniedException). */
  failWith(name: string, message: string): void {
    this.failure = Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
  }

  reset(): void {
    this.rules = [];
    this.failure = undefined;
    this.requests.length = 0;
  }

  arnOf(name: string): string {
    return `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm-mute-rule:${name}`;
  }

  answer(input: ListAlarmMuteRulesCommandInput) {
    this.requests.push(input);
    if (this.failure) return Promise.reject(this.failure);
    const rules = this.rules.filter(
      (r) => (!input.AlarmName || r.alarmNames.includes(input.AlarmName)) && (!input.Statuses?.length || input.Statuses.includes(r.status)),
    );
    return Promise.resolve({
      $metadata: {},
      AlarmMuteRuleSummaries: rules.map((r) => ({
        AlarmMuteRuleArn: this.arnOf(r.name),
        Status: r.status,
        MuteType: r.muteType ?? 'ONE_TIME',
        ExpireDate: r.expireDate,
        LastUpdatedTimestamp: new Date(),
      })),
    });
  }
}

export const muteRules = new MuteRulesStandIn();
let muteStub: { client: object; send: unknown; restore: () => void } | undefined;

async function installMuteRuleStandIn(): Promise<void> {
  muteRules.reset();
  const { client } = await sdk.cloudwatch();
  // Once per client (a test file keeps its functions' clients): only the declared rules are reset.
  if (muteStub?.client === client && client.send === muteStub.send) return;
  const { mockClient } = await import('aws-sdk-client-mock');
  const cw = await import('@aws-sdk/client-cloudwatch');
  const mock = mockClient(client);
  mock.send.callThrough();
  mock.on(cw.ListAlarmMuteRulesCommand).callsFake((input: ListAlarmMuteRulesCommandInput) => muteRules.answer(input));
  muteStub = { client, send: client.send, restore: () => mock.restore() };
}

/**
 * Sends the functions' ListAlarmMuteRules to AWS_ENDPOINT_URL again (the bench's gap proxy answers it
 * over HTTP, as AWS would), so the call is timed and counted like every other.
 */
export function removeMuteRuleStandIn(): void {
  muteStub?.restore();
  muteStub = undefined;
}

export async function setMode(mode: string): Promise<void> {
  await aws().ssm.send(new PutParameterCommand({ Name: modeParameterName(STAGE), Value: mode, Type: 'String', Overwrite: true }));
  forgetMode();
}

// ---------- fleet ----------

export async function imageId(): Promise<string> {
  const images = (await aws().ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images ?? [];
  return images[0].ImageId!;
}

export async function subnet(): Promise<{ subnetId: string; az: string }> {
  const s = (await aws().ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: [`${REGION}a`] }] }))).Subnets![0];
  return { subnetId: s.SubnetId!, az: s.AvailabilityZone! };
}

export async function runInstances(count: number, tags: Record<string, string> = {}): Promise<string[]> {
  const { subnetId } = await subnet();
  const Tags: Tag[] = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  const out = await aws().ec2.send(
    new RunInstancesCommand({
      ImageId: await imageId(),
      InstanceType: 't3.micro',
      MinCount: count,
      MaxCount: count,
      SubnetId: subnetId,
      TagSpecifications: Tags.length ? [{ ResourceType: 'instance', Tags }] : undefined,
    }),
  );
  return out.Instances!.map((i) => i.InstanceId!);
}

/** `where`: image and subnet already looked up (seeding many groups asks once). */
export async function createAsg(name: string, size: number, where?: { imageId: string; subnetId: string }): Promise<void> {
  const a = aws();
  const { subnetId } = where ?? (await subnet());
  await a.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: `${name}-lt`, LaunchTemplateData: { ImageId: where?.imageId ?? (await imageId()), InstanceType: 't3.micro' } }));
  await a.asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: `${name}-lt`, Version: '$Latest' },
      MinSize: size,
      MaxSize: size + 2,
      DesiredCapacity: size,
      VPCZoneIdentifier: subnetId,
    }),
  );
}

/** A data volume at /dev/sdf with `snapshots` completed snapshots (moto completes them at once). */
export async function dataVolumeWithSnapshots(instanceId: string, snapshots: number): Promise<{ volumeId: string; snapshotIds: string[] }> {
  const a = aws();
  const { az } = await subnet();
  const volumeId = (await a.ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 8, VolumeType: 'gp3' }))).VolumeId!;
  await a.ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: '/dev/sdf' }));
  const snapshotIds: string[] = [];
  for (let i = 0; i < snapshots; i++) {
    snapshotIds.push((await a.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: `backup ${i}` }))).SnapshotId!);
    // StartTime has second resolution in moto: keep snapshots apart so "latest" is well defined.
    await new Promise((r) => setTimeout(r, 1100));
  }
  return { volumeId, snapshotIds };
}

// ---------- alarms and requests ----------

export async function putAlarm(playbook: string, resourceId: string, dimension: string, state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' = 'ALARM'): Promise<string> {
  const name = alarmName(STAGE, playbook, resourceId);
  const cw = aws().cw;
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed',
      Dimensions: [{ Name: dimension, Value: resourceId }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 2,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
  await setAlarmState(name, state);
  return name;
}

export async function setAlarmState(name: string, state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA'): Promise<void> {
  await aws().cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'test' }));
}

/** CloudWatch's state timestamp format (2019-10-02T17:04:40.989+0000) for `at`. */
export function cloudWatchTime(at = new Date()): string {
  return at.toISOString().replace('Z', '+0000');
}

/**
 * One moment per test file (when it loaded), as the fixed default transition time: two events built
 * with the default timestamp are deliveries of the same transition. Recent, as an event of ours must be
 * (functions/runtime/provenance.ts bounds an event's age).
 */
const LOADED_AT = new Date();

/** As EventBridge delivers it; `timestamp` (the alarm's state timestamp) tells one transition from another. */
export function alarmEvent(name: string, dimensions: Record<string, string>, timestamp = cloudWatchTime(LOADED_AT)): AlarmStateChangeEvent {
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: LOADED_AT.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`],
    detail: {
      alarmName: name,
      state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp },
      previousState: { value: 'OK', timestamp: cloudWatchTime(new Date(Date.parse(timestamp.replace('+0000', 'Z')) - 3600_000)) },
      configuration: {
        metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'AWS/EC2', name: 'StatusCheckFailed', dimensions }, period: 60, stat: 'Maximum' }, returnData: true }],
      },
    },
  };
}

export function playbook(name: string, ladder: string[], verifyAfterSeconds = 0): PlaybookParams {
  return { name, ladder, verifyAfterSeconds };
}

export function request(p: PlaybookParams, event: FaultEvent, rung = 0): RemediationRequest {
  return { version: 1, playbook: p, rung, event };
}

// ---------- observing what happened ----------

export interface SeenEvent {
  detailType: string;
  detail: Record<string, any>;
  /** The whole event as the bus delivered it (what a rule hands a target). */
  event: Record<string, any>;
}

/** Everything put on the recovery bus so far (through the bus rule -> SQS). */
export async function busEvents(stack: TestStack): Promise<SeenEvent[]> {
  return drain(stack.eventsQueueUrl, (body) => {
    const e = asEventBridgeDelivered(JSON.parse(body)) as Record<string, any>;
    return { detailType: e['detail-type'], detail: e.detail, event: e };
  });
}

export async function drain<T>(queueUrl: string, map: (body: string) => T): Promise<T[]> {
  const sqs = aws().sqs;
  const out: T[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, AttributeNames: ['All'] }));
    if (!r.Messages?.length) return out;
    for (const m of r.Messages) {
      out.push(map(m.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}

export async function ledgerItems(prefix = ''): Promise<Array<Record<string, any>>> {
  const out = await aws().docs.send(new ScanCommand({ TableName: TABLE }));
  return (out.Items ?? []).filter((i) => String(i.pk).startsWith(prefix));
}

/**
 * The record an action writes once it acted (rung `rung` of `incidentId` succeeded): what the verifier
 * looks for before it verifies. For tests that hand the verifier a message of an incident whose action
 * ran elsewhere. Written with the test's own client (no middleware of the functions' clients sees it).
 */
export async function recordActed(incidentId: string, rung: number, at = new Date().toISOString()): Promise<void> {
  const detailType = 'Remediation Succeeded';
  await aws().docs.send(new PutCommand({ TableName: TABLE, Item: { pk: `incident#${incidentId}`, sk: `${at}#r${rung}#${detailType}`, detailType, incidentId, rung, at } }));
}

export async function incidentRecords(incidentId: string): Promise<Array<Record<string, any>>> {
  const out = await aws().docs.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `incident#${incidentId}` } }));
  return out.Items ?? [];
}

/**
 * The verify queue's event source mapping, played (moto runs no Lambda): the
 * messages waiting on the queue as the verifier's SQS batch, each with the
 * receive count SQS reports.
 */
export async function verifyBatch(stack: TestStack) {
  const r = await aws().sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.verifyQueueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }));
  const Records = (r.Messages ?? []).map((m) => ({ messageId: m.MessageId!, body: m.Body!, attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' } }));
  return { Records };
}
