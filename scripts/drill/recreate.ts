import { PutMetricAlarmCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, UpdateTimeToLiveCommand, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ALERTMANAGER_WEBHOOK, FUNCTIONS, type FunctionName } from '../../functions/catalog';
import { ENV } from '../../functions/contracts/env';
import type { SynthResource, SynthResult } from '../../infra/synth/types';
import { ACCOUNT, REGION, type Clients } from './aws';
import { SynthIndex, T } from './synth-index';

/**
 * Recreates in moto what the drill needs from a synthesized stack, with the
 * program's own names, patterns, transformers and settings: alarms, the event
 * bus, rules and targets, queues, the ledger table, the kill-switch parameter
 * and the notification topic. Lambda functions cannot run in moto: each one
 * gets an SQS queue standing in for it (rule targets point there) and the
 * drill's Lambda runner invokes the built bundle with what arrives.
 */
export interface DeployedFunction {
  name: FunctionName;
  functionName: string;
  /** SQS queue standing in for the function as an EventBridge target. */
  standInQueueUrl: string;
  standInQueueArn: string;
  /** The synthesized environment, with resource references mapped to the emulator's names/URLs/ARNs. */
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  reservedConcurrency: number;
  /** Async invoke retries (FunctionEventInvokeConfig), Lambda's default 2. */
  maxRetries: number;
  /** Where Lambda parks an event whose retries are exhausted (on-failure destination), if a queue. */
  onFailureQueueUrl?: string;
}

export interface QueueSource {
  queueUrl: string;
  queueArn: string;
  fn: FunctionName;
  batchSize: number;
  reportsBatchItemFailures: boolean;
}

export interface RecreatedRule {
  name: string;
  bus: string;
  pattern: unknown;
  targets: { fn?: FunctionName; arn: string; delivery: string }[];
}

export interface Deployment {
  stage: string;
  alarms: Map<string, SynthResource>;
  functions: Map<FunctionName, DeployedFunction>;
  queueSources: QueueSource[];
  rules: RecreatedRule[];
  busName: string;
  tableName: string;
  modeParameter: string;
  topicArn: string;
  /** Subscribed to the topic by the drill: what people would have received. */
  notificationQueueUrl: string;
  /** Queues things land in when they fail (rule target DLQs, Lambda on-failure destinations, redrive targets). */
  deadLetters: { name: string; url: string }[];
  /** The stack's PrometheusRules (in-cluster objects): the Kubernetes scenario plays Prometheus with their alerts. */
  prometheusRules: PrometheusAlertRule[];
  /** What was not recreated, and why (printed once). */
  skipped: string[];
}

export interface PrometheusAlertRule {
  namespace: string;
  /** The PrometheusRule object's name. */
  object: string;
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export interface RecreateOptions {
  /**
   * EKS cluster name -> the loopback kube-api standing in for it: KUBE_CLUSTERS
   * (the clusters' endpoints and CAs, resolved at deploy time) is pointed there.
   */
  kubeEndpoints?: Map<string, string>;
  /**
   * Where the functions send their AWS requests (the gap proxy). The SQS client sends to the host of the queue
   * URL it is given (aws-sdk-js-v3's useQueueUrlAsEndpoint), not to AWS_ENDPOINT_URL: queue URLs in the
   * functions' environment are pointed here too, so their SendMessage reaches the proxy (and the IAM evidence).
   */
  functionsEndpoint?: string;
}

/** KUBE_CLUSTERS as synthesized, each cluster's endpoint swapped for its sandbox's (plain HTTP on loopback: no CA). */
function sandboxClusters(value: unknown, kubeEndpoints: Map<string, string>, where: string): string {
  const clusters = JSON.parse(typeof value === 'string' ? value : JSON.stringify(value)) as Record<string, { endpoint: string; certificateAuthority?: string; region?: string }>;
  const out: typeof clusters = {};
  for (const [name, info] of Object.entries(clusters)) {
    const endpoint = kubeEndpoints.get(name);
    if (!endpoint) throw new Error(`${where}: cluster ${name} (${info.endpoint}) has no kube-api sandbox; seed it with fleet.kubeCluster({ clusterName: '${name}', ... })`);
    out[name] = { endpoint, ...(info.region ? { region: info.region } : {}) };
  }
  return JSON.stringify(out);
}

export async function recreate(synth: SynthResult, c: Clients, stage: string, log: (l: string) => void, o: RecreateOptions = {}): Promise<Deployment> {
  const ix = new SynthIndex(synth);
  const skipped: string[] = [];

  // --- queues (dead-letter queues first: redrive policies point at them)
  const queueUrls = new Map<string, string>();
  const queues = ix.of(T.queue).sort((a, b) => Number(a.inputs.redrivePolicy !== undefined) - Number(b.inputs.redrivePolicy !== undefined));
  for (const q of queues) {
    const name = SynthIndex.nameOf(q);
    const attrs: Record<string, string> = {};
    const set = (k: string, v: unknown) => v !== undefined && (attrs[k] = String(v));
    set('DelaySeconds', q.inputs.delaySeconds);
    set('VisibilityTimeout', q.inputs.visibilityTimeoutSeconds);
    set('MessageRetentionPeriod', q.inputs.messageRetentionSeconds);
    set('ReceiveMessageWaitTimeSeconds', q.inputs.receiveWaitTimeSeconds);
    set('SqsManagedSseEnabled', q.inputs.sqsManagedSseEnabled);
    if (q.inputs.fifoQueue) attrs.FifoQueue = 'true';
    const redrive = str(q.inputs.redrivePolicy);
    if (redrive) {
      const policy = JSON.parse(redrive) as { deadLetterTargetArn: string; maxReceiveCount: number };
      const dlq = ix.require(T.queue, policy.deadLetterTargetArn, `queue ${name} redrivePolicy`);
      attrs.RedrivePolicy = JSON.stringify({ ...policy, deadLetterTargetArn: queueArn(SynthIndex.nameOf(dlq)) });
    }
    const out = await c.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attrs }));
    queueUrls.set(name, out.QueueUrl!);
  }
  const deadLetterNames = new Set<string>();
  const markDeadLetter = (arn: unknown, where: string) => deadLetterNames.add(SynthIndex.nameOf(ix.require(T.queue, arn, where)));
  for (const q of queues) {
    const redrive = str(q.inputs.redrivePolicy);
    if (redrive) markDeadLetter((JSON.parse(redrive) as { deadLetterTargetArn: string }).deadLetterTargetArn, `queue ${q.name} redrivePolicy`);
  }
  for (const t of ix.of(T.target)) {
    const arn = (t.inputs.deadLetterConfig as { arn?: string } | undefined)?.arn;
    if (arn) markDeadLetter(arn, `event target ${t.name}`);
  }
  for (const ic of ix.of(T.invokeConfig)) {
    const dest = (ic.inputs.destinationConfig as { onFailure?: { destination?: string } } | undefined)?.onFailure?.destination;
    if (dest && ix.resolve(T.queue, dest)) markDeadLetter(dest, `invoke config ${ic.name}`);
  }
  log(`queues: ${[...queueUrls.keys()].join(', ')}`);

  // --- ledger table
  const tables = ix.of(T.table);
  if (tables.length !== 1) throw new Error(`expected one DynamoDB ledger table in the stack, found ${tables.length}`);
  const table = tables[0];
  const tableName = SynthIndex.nameOf(table);
  const keySchema: KeySchemaElement[] = [{ AttributeName: str(table.inputs.hashKey)!, KeyType: 'HASH' }];
  if (str(table.inputs.rangeKey)) keySchema.push({ AttributeName: str(table.inputs.rangeKey)!, KeyType: 'RANGE' });
  const attributes = ((table.inputs.attributes ?? []) as { name: string; type: string }[]).map<AttributeDefinition>((a) => ({
    AttributeName: a.name,
    AttributeType: a.type as AttributeDefinition['AttributeType'],
  }));
  // @pulumi/aws 7 names an index's keys in keySchemas (hashKey/rangeKey are the deprecated form): read both.
  const gsis = (
    (table.inputs.globalSecondaryIndexes ?? []) as {
      name: string;
      keySchemas?: { attributeName: string; keyType: 'HASH' | 'RANGE' }[];
      hashKey?: string;
      rangeKey?: string;
      projectionType: string;
    }[]
  ).map((g) => ({
    ...g,
    keys: g.keySchemas?.length
      ? g.keySchemas.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType }))
      : [{ AttributeName: g.hashKey!, KeyType: 'HASH' as const }, ...(g.rangeKey ? [{ AttributeName: g.rangeKey, KeyType: 'RANGE' as const }] : [])],
  }));
  for (const g of gsis) if (g.keys.some((k) => !k.AttributeName)) throw new Error(`ledger index ${g.name}: no key attribute in the synthesized table (${JSON.stringify(g)})`);
  await c.dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: keySchema,
      AttributeDefinitions: attributes,
      BillingMode: 'PAY_PER_REQUEST',
      ...(gsis.length
        ? {
            GlobalSecondaryIndexes: gsis.map((g) => ({
              IndexName: g.name,
              KeySchema: g.keys,
              Projection: { ProjectionType: (g.projectionType ?? 'ALL') as 'ALL' },
            })),
          }
        : {}),
    }),
  );
  const ttl = table.inputs.ttl as { attributeName?: string; enabled?: boolean } | undefined;
  if (ttl?.attributeName && ttl.enabled !== false) {
    await c.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.attributeName, Enabled: true } }));
  }
  log(`ledger table ${tableName} (${keySchema.map((k) => k.AttributeName).join('/')}${ttl?.attributeName ? `, TTL ${ttl.attributeName}` : ''})`);

  // --- kill switch and other parameters
  let modeParameter = '';
  for (const p of ix.of(T.parameter)) {
    const name = SynthIndex.nameOf(p);
    const value = str(p.inputs.value) ?? str(p.inputs.insecureValue) ?? '';
    await c.ssm.send(new PutParameterCommand({ Name: name, Type: (str(p.inputs.type) ?? 'String') as 'String', Value: value, Overwrite: true }));
    if (name === `/recovery/${stage}/mode`) modeParameter = name;
  }
  if (!modeParameter) throw new Error(`the stack creates no kill-switch parameter /recovery/${stage}/mode`);
  log(`kill switch ${modeParameter}`);

  // --- notification topic, subscribed to a queue the drill reads
  const topics = ix.of(T.topic);
  if (topics.length !== 1) throw new Error(`expected one SNS notification topic, found ${topics.length}`);
  const topicName = SynthIndex.nameOf(topics[0]);
  // The topic's KMS key is not recreated: moto's SNS does not encrypt, and the drill reads messages in clear.
  const topicArn = (await c.sns.send(new CreateTopicCommand({ Name: topicName }))).TopicArn!;
  const notificationQueueUrl = (await c.sqs.send(new CreateQueueCommand({ QueueName: `drill-notifications-${stage}` }))).QueueUrl!;
  await c.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn(`drill-notifications-${stage}`), Attributes: { RawMessageDelivery: 'false' } }),
  );
  for (const s of ix.of(T.subscription)) skipped.push(`topic subscription ${s.name} (${String(s.inputs.protocol)}): the drill reads the topic through its own SQS subscription instead`);
  log(`topic ${topicName} -> queue drill-notifications-${stage}`);

  // --- event buses
  const buses = ix.of(T.bus);
  for (const b of buses) await c.events.send(new CreateEventBusCommand({ Name: SynthIndex.nameOf(b) }));
  if (buses.length !== 1) throw new Error(`expected one recovery event bus, found ${buses.length}`);
  const busName = SynthIndex.nameOf(buses[0]);

  // --- functions: a stand-in queue each (moto cannot run Lambda) and their environment
  const functions = new Map<FunctionName, DeployedFunction>();
  const invokeConfigs = ix.of(T.invokeConfig);
  for (const f of ix.of(T.fn)) {
    const functionName = SynthIndex.nameOf(f);
    const tags = (f.inputs.tags ?? {}) as Record<string, string>;
    // The webhook is deployed only with kubernetes-deployment targets, so it is not in FUNCTIONS.
    const specs = [...FUNCTIONS, ALERTMANAGER_WEBHOOK];
    const spec = specs.find((s) => tags['recovery-stack:function'] === s.name) ?? specs.find((s) => functionName.endsWith(`-${s.name}`));
    if (!spec) {
      skipped.push(`function ${functionName}: not in functions/catalog.ts`);
      continue;
    }
    const standInName = `drill-lambda-${functionName}`.slice(0, 80);
    const standInQueueUrl = (await c.sqs.send(new CreateQueueCommand({ QueueName: standInName }))).QueueUrl!;
    const variables = ((f.inputs.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {}) as Record<string, unknown>;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(variables)) {
      const where = `function ${functionName} env ${k}`;
      switch (k) {
        case ENV.ledgerTable:
          env[k] = SynthIndex.nameOf(ix.require(T.table, v, where));
          break;
        case ENV.eventBus:
          env[k] = SynthIndex.nameOf(ix.require(T.bus, v, where));
          break;
        case ENV.modeParameter:
        case ENV.webhookSecretParameter:
          env[k] = SynthIndex.nameOf(ix.require(T.parameter, v, where));
          break;
        case ENV.kubeClusters:
          env[k] = sandboxClusters(v, o.kubeEndpoints ?? new Map(), where);
          break;
        case ENV.verifyQueueUrl: {
          const url = queueUrls.get(SynthIndex.nameOf(ix.require(T.queue, v, where)))!;
          env[k] = o.functionsEndpoint ? `${o.functionsEndpoint.replace(/\/$/, '')}${new URL(url).pathname}` : url;
          break;
        }
        case ENV.topicArn:
          ix.require(T.topic, v, where);
          env[k] = topicArn;
          break;
        default:
          // Stage, guardrails JSON, automation role ARN (the SSM stand-in does not assume it), calendar name.
          env[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
    }
    const invokeConfig = invokeConfigs.find((ic) => ix.resolve(T.fn, ic.inputs.functionName) === f);
    const onFailure = (invokeConfig?.inputs.destinationConfig as { onFailure?: { destination?: string } } | undefined)?.onFailure?.destination;
    const onFailureQueue = onFailure ? ix.resolve(T.queue, onFailure) : undefined;
    functions.set(spec.name, {
      name: spec.name,
      functionName,
      standInQueueUrl,
      standInQueueArn: queueArn(standInName),
      env,
      timeoutSeconds: num(f.inputs.timeout) ?? 3,
      memoryMb: num(f.inputs.memorySize) ?? 128,
      reservedConcurrency: num(f.inputs.reservedConcurrentExecutions) ?? 10,
      maxRetries: num(invokeConfig?.inputs.maximumRetryAttempts) ?? 2,
      onFailureQueueUrl: onFailureQueue ? queueUrls.get(SynthIndex.nameOf(onFailureQueue)) : undefined,
    });
  }
  log(`functions (stand-in queues): ${[...functions.values()].map((f) => f.functionName).join(', ')}`);

  // --- SQS event sources (the verifier consumes the verify queue)
  const queueSources: QueueSource[] = [];
  for (const m of ix.of(T.eventSourceMapping)) {
    const q = ix.require(T.queue, m.inputs.eventSourceArn, `event source mapping ${m.name}`);
    const fnRes = ix.require(T.fn, m.inputs.functionName, `event source mapping ${m.name}`);
    const fn = [...functions.values()].find((f) => f.functionName === SynthIndex.nameOf(fnRes));
    if (!fn) throw new Error(`event source mapping ${m.name} targets ${SynthIndex.nameOf(fnRes)}, which is not a catalog function`);
    const qName = SynthIndex.nameOf(q);
    queueSources.push({
      queueUrl: queueUrls.get(qName)!,
      queueArn: queueArn(qName),
      fn: fn.name,
      batchSize: num(m.inputs.batchSize) ?? 10,
      reportsBatchItemFailures: ((m.inputs.functionResponseTypes ?? []) as string[]).includes('ReportBatchItemFailures'),
    });
  }

  // --- alarms, with the program's names, metrics, thresholds and missing-data handling
  const alarms = new Map<string, SynthResource>();
  for (const a of ix.of(T.alarm)) {
    const name = SynthIndex.nameOf(a);
    const i = a.inputs;
    const dims = (d: unknown) => Object.entries((d ?? {}) as Record<string, string>).map(([Name, Value]) => ({ Name, Value }));
    const metrics = ((i.metricQueries ?? []) as Record<string, unknown>[]).map<MetricDataQuery>((q) => {
      const m = q.metric as Record<string, unknown> | undefined;
      return {
        Id: str(q.id),
        Expression: str(q.expression),
        Label: str(q.label),
        ReturnData: q.returnData as boolean | undefined,
        Period: num(q.period),
        MetricStat: m
          ? {
              Metric: { Namespace: str(m.namespace), MetricName: str(m.metricName), Dimensions: dims(m.dimensions) },
              Period: num(m.period),
              Stat: str(m.stat),
              Unit: str(m.unit) as undefined,
            }
          : undefined,
      };
    });
    // Alarm actions are not recreated: the drill plays CloudWatch and emits the state-change events itself.
    await c.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: str(i.alarmDescription),
        ComparisonOperator: str(i.comparisonOperator) as 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: num(i.evaluationPeriods),
        DatapointsToAlarm: num(i.datapointsToAlarm),
        Threshold: num(i.threshold),
        TreatMissingData: str(i.treatMissingData),
        ...(metrics.length
          ? { Metrics: metrics }
          : {
              MetricName: str(i.metricName),
              Namespace: str(i.namespace),
              Statistic: str(i.statistic) as 'Maximum',
              ExtendedStatistic: str(i.extendedStatistic),
              Period: num(i.period),
              Dimensions: dims(i.dimensions),
              Unit: str(i.unit) as undefined,
            }),
      }),
    );
    alarms.set(name, a);
  }
  log(`alarms: ${alarms.size}`);

  // --- rules and targets, patterns and input transformers exactly as synthesized
  const rules: RecreatedRule[] = [];
  for (const r of ix.of(T.rule)) {
    const name = SynthIndex.nameOf(r);
    const bus = r.inputs.eventBusName === undefined ? 'default' : SynthIndex.nameOf(ix.require(T.bus, r.inputs.eventBusName, `rule ${name}`));
    await c.events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: bus,
        EventPattern: str(r.inputs.eventPattern),
        ScheduleExpression: str(r.inputs.scheduleExpression),
        Description: str(r.inputs.description),
        State: r.inputs.isEnabled === false || r.inputs.state === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      }),
    );
    rules.push({ name, bus, pattern: r.inputs.eventPattern ? JSON.parse(String(r.inputs.eventPattern)) : undefined, targets: [] });
  }
  for (const t of ix.of(T.target)) {
    const ruleRes = ix.require(T.rule, t.inputs.rule, `event target ${t.name}`);
    const rule = rules.find((x) => x.name === SynthIndex.nameOf(ruleRes))!;
    const fnRes = ix.resolve(T.fn, t.inputs.arn);
    const fn = fnRes ? [...functions.values()].find((f) => f.functionName === SynthIndex.nameOf(fnRes)) : undefined;
    let arn: string;
    if (fn) arn = fn.standInQueueArn;
    else if (ix.resolve(T.queue, t.inputs.arn)) arn = queueArn(SynthIndex.nameOf(ix.resolve(T.queue, t.inputs.arn)!));
    else {
      // PagerDuty / Opsgenie / Slack API destinations and the Chatbot topic: moto cannot
      // deliver to them (and this machine reaches no internet), so each gets a stand-in
      // queue that receives exactly what EventBridge would send, input transformer applied.
      const external = ix.resolve(T.apiDestination, t.inputs.arn) ?? ix.resolve(T.topic, t.inputs.arn);
      if (!external) throw new Error(`event target ${t.name}: target ${String(t.inputs.arn)} is neither a function, a queue, an API destination nor a topic of the stack`);
      const standIn = `drill-${SynthIndex.nameOf(external)}`.slice(0, 80);
      await c.sqs.send(new CreateQueueCommand({ QueueName: standIn }));
      arn = queueArn(standIn);
    }
    const target: Target = { Id: str(t.inputs.targetId) ?? t.name.slice(0, 64), Arn: arn };
    const transformer = t.inputs.inputTransformer as { inputTemplate: string; inputPaths?: Record<string, string> } | undefined;
    let delivery: string;
    if (transformer) {
      target.InputTransformer = { InputTemplate: transformer.inputTemplate, InputPathsMap: transformer.inputPaths };
      delivery = `input transformer ${transformer.inputTemplate.length > 60 ? `${transformer.inputTemplate.slice(0, 60)}...` : transformer.inputTemplate}`;
    } else if (str(t.inputs.inputPath)) {
      // moto ignores InputPath (it sends its default template); an input transformer
      // with the same JSONPath delivers exactly what EventBridge's InputPath does.
      target.InputTransformer = { InputPathsMap: { selected: str(t.inputs.inputPath)! }, InputTemplate: '<selected>' };
      delivery = `input path ${String(t.inputs.inputPath)}`;
    } else if (str(t.inputs.input)) {
      target.InputTransformer = { InputTemplate: str(t.inputs.input)! };
      delivery = 'constant input';
    } else {
      // EventBridge delivers the whole event; moto's default rendering drops `account`
      // and `version`, so ask for the whole event explicitly.
      target.InputTransformer = { InputTemplate: '<aws.events.event.json>' };
      delivery = 'whole event';
    }
    const retry = t.inputs.retryPolicy as { maximumEventAgeInSeconds?: number; maximumRetryAttempts?: number } | undefined;
    if (retry) target.RetryPolicy = { MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds, MaximumRetryAttempts: retry.maximumRetryAttempts };
    const dlq = (t.inputs.deadLetterConfig as { arn?: string } | undefined)?.arn;
    if (dlq) target.DeadLetterConfig = { Arn: queueArn(SynthIndex.nameOf(ix.require(T.queue, dlq, `event target ${t.name} dead letter`))) };
    await c.events.send(new PutTargetsCommand({ Rule: rule.name, EventBusName: rule.bus, Targets: [target] }));
    rule.targets.push({ fn: fn?.name, arn, delivery });
  }
  log(`rules: ${rules.map((r) => `${r.name}@${r.bus} -> ${r.targets.map((t) => t.fn ?? t.arn).join(',')}`).join('; ')}`);

  // --- PrometheusRules: no Prometheus here; scenarios play it with the stack's own alert rules
  const prometheusRules: PrometheusAlertRule[] = [];
  for (const r of ix.of(T.prometheusRule)) {
    const meta = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
    const groups = ((r.inputs.spec as { groups?: { rules?: Omit<PrometheusAlertRule, 'namespace' | 'object'>[] }[] } | undefined)?.groups ?? []);
    for (const rule of groups.flatMap((g) => g.rules ?? [])) {
      prometheusRules.push({ namespace: meta.namespace ?? 'default', object: meta.name ?? r.name, ...rule, labels: rule.labels ?? {}, annotations: rule.annotations ?? {} });
    }
  }
  if (prometheusRules.length) log(`prometheus alert rules (played): ${prometheusRules.map((p) => `${p.namespace}/${p.object}:${p.alert}`).join(', ')}`);

  // Everything else has no effect the drill could observe in the emulator; say what, once.
  const handled = new Set<string>([...Object.values(T)]);
  const others = new Map<string, number>();
  const kube = new Map<string, number>();
  for (const r of synth.resources.filter((x) => x.custom && !handled.has(x.type))) {
    const into = r.type.startsWith('kubernetes:') || r.type === 'pulumi:providers:kubernetes' ? kube : others;
    into.set(r.type, (into.get(r.type) ?? 0) + 1);
  }
  if (kube.size) {
    skipped.push(
      `${[...kube].map(([t, n]) => `${n} ${t.split(':').pop()}`).join(', ')}: in-cluster objects, not recreated (no Kubernetes cluster here: the kube-api sandbox serves the Deployment and enforces the Role's scope itself)`,
    );
  }
  if (others.size) {
    skipped.push(
      `${[...others].map(([t, n]) => `${n} ${t.split(':').pop()}`).join(', ')}: not recreated (moto does not enforce IAM, KMS or resource policies: the functions' requests are evaluated against their synthesized roles afterwards, scripts/iam)`,
    );
  }

  return {
    stage,
    alarms,
    functions,
    queueSources,
    rules,
    busName,
    tableName,
    modeParameter,
    topicArn,
    notificationQueueUrl,
    deadLetters: [...deadLetterNames].map((name) => ({ name, url: queueUrls.get(name)! })),
    prometheusRules,
    skipped,
  };
}
