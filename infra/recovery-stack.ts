import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ALERTMANAGER_WEBHOOK, type FunctionSpec } from '../functions/catalog';
import { ENV, type EnvKey } from '../functions/contracts/env';
import { detectorsFor } from './alarms/catalog';
import { alarmNameFor, metricAlarm } from './alarms/metric-alarm';
import { ConfigError, type StackConfig } from './config';
import { dashboard } from './dashboard';
import { lambdaFunction } from './functions/lambda-function';
import { ALWAYS_DEPLOYED, assertLaddersDeployed, deployedSpecs, functionFor, type StackFunctions } from './functions/stack-functions';
import { kubernetesClusters, kubernetesWorkloads } from './kubernetes';
import { planKubernetesPlaybooks } from './kubernetes/playbooks';
import { notificationChannels } from './notifications';
import { automationRole } from './iam/automation-role';
import { ebsKmsKeyProblems } from './iam/ebs-kms-keys';
import type { Placeholders } from './iam/policy-document';
import { protectedScope } from './iam/protected-scope';
import { assertNoPrefixOverlap, planPlaybooks, protectionPlaybooks } from './playbooks';
import { auditShipping } from './logs/audit-shipping';
import { logDetectorAlarms, planLogPlaybooks } from './logs/log-detectors';
import { alarmRules } from './routing/alarm-rules';
import { alarmOkRule } from './routing/alarm-ok-rule';
import { recoveryBusRules, recoveryEventBus } from './routing/recovery-bus';
import { ruleName } from './routing/rule-name';
import { killSwitch } from './storage/kill-switch';
import { ledgerTable } from './storage/ledger-table';
import { notifications } from './storage/notifications';
import { deadLetterQueue, verifyQueue } from './storage/queues';
import { resolveTargets } from './targets';

/**
 * Everything one environment needs for automatic fault recovery: detectors
 * (alarms), routing (rules), remediation functions with least-privilege
 * roles, the ledger, the kill switch, notifications and a dashboard.
 * Usable as a library from another Pulumi program:
 *
 *   const recovery = new RecoveryStack('recovery', { stage: 'prod', config: loadConfig({...}) });
 *   export const topicArn = recovery.topicArn;
 */
export interface RecoveryStackArgs {
  /** dev | staging | prod ...: part of every name. Lowercase letters, digits, hyphens. */
  stage: string;
  /** Validated config (see loadConfig in ./config). */
  config: StackConfig;
  /** Repository root holding functions/ (default: this package). */
  functionsRoot?: string;
  /** PagerDuty Events API v2 routing key as a secret Output (overrides config.notifications.pagerDutyRoutingKey). */
  pagerDutyRoutingKey?: pulumi.Input<string>;
}

/** Alarms created per event-loop turn (see createDetectorAlarms). */
const ALARMS_PER_TURN = 10;

/**
 * Detectors: one alarm per (resource, detector), once tag selectors resolve (infra/targets.ts); the alarm names
 * by playbook (log detectors' included), for the dashboard and the stack's outputs.
 */
async function createDetectorAlarms(
  a: {
    stage: string;
    config: StackConfig;
    plan: ReturnType<typeof planPlaybooks>;
    dashboardName: string;
    ruleNames: Map<string, string>;
    logAlarms: ReturnType<typeof logDetectorAlarms>;
  },
  child: pulumi.CustomResourceOptions,
): Promise<Record<string, string[]>> {
  const { stage, plan } = a;
  const resources = await resolveTargets(a.config);
  const byPlaybook: Record<string, string[]> = Object.fromEntries(plan.playbooks.map((p) => [p.params.name, [] as string[]]));
  let created = 0;
  for (const r of resources) {
    for (const detector of detectorsFor(r.kind)) {
      const pb = plan.forTarget(r.targetIndex, detector.name);
      if (!pb) continue; // detector disabled in this stack
      metricAlarm(pb, r, { stage, dashboardName: a.dashboardName, ledgerTableName: `recovery-${stage}-ledger`, ruleName: a.ruleNames.get(pb.params.name)! }, child);
      byPlaybook[pb.params.name].push(alarmNameFor(stage, pb.params.name, r.id));
      // Yield to the event loop every few alarms so registrations already started can finish
      // before more begin: creating a whole fleet's alarms in one synchronous pass keeps every one
      // of them in flight at once (~250 KB of runtime promises each; 20,000 alarms ran a synth out
      // of heap). The same alarms are created in the same sequence; only the scheduling changes.
      if (++created % ALARMS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  for (const l of a.logAlarms) (byPlaybook[l.playbook.params.name] ??= []).push(l.alarmName);
  return byPlaybook;
}

/** What the config asks for, before any resource: playbooks, the functions their ladders need, the protected scope. */
function stackPlan(config: StackConfig) {
  const plan = planPlaybooks(config);
  // Log detectors route through the same one-rule-per-playbook scheme (infra/logs).
  const logPlan = planLogPlaybooks(config);
  assertNoPrefixOverlap([...plan.playbooks, ...logPlan.playbooks].map((p) => p.params.name));
  // Least privilege: only the action kinds some ladder runs get a function, role, log group and bus rule.
  const ladders = [...plan.playbooks, ...logPlan.playbooks, ...planKubernetesPlaybooks(config)];
  const specs = deployedSpecs(ladders);
  return { plan, logPlan, ladders, specs, deploysSsmAutomation: specs.some((s) => s.name === 'ssm-automation'), scope: protectedScope(config) };
}

/** Storage and plumbing every function refers to: ledger, kill switch, queues, notifications, the recovery bus. */
function storage(
  stage: string,
  config: StackConfig,
  specs: FunctionSpec[],
  where: { account: pulumi.Output<string>; partition: pulumi.Output<string> },
  child: pulumi.CustomResourceOptions,
) {
  const functionsDlq = deadLetterQueue(`recovery-${stage}-functions-dlq`, child);
  const verifierSpec = specs.find((f) => f.name === 'verifier')!;
  return {
    table: ledgerTable(`recovery-${stage}-ledger`, child),
    mode: killSwitch(stage, config.mode, child),
    eventsDlq: deadLetterQueue(`recovery-${stage}-events-dlq`, child),
    functionsDlq,
    verify: verifyQueue(`recovery-${stage}-verify`, { verifierTimeoutSeconds: verifierSpec.timeoutSeconds, deadLetterArn: functionsDlq.arn }, child),
    notify: notifications({ stage, emails: config.notifications.emails, account: where.account, partition: where.partition }, child),
    bus: recoveryEventBus(stage, child),
  };
}

/**
 * Only this stack's rules may dead-letter into its events queue (exact rule ARNs, not a name prefix another
 * stage could share).
 */
function eventsDeadLetterPolicy(stage: string, queue: aws.sqs.Queue, ruleArns: pulumi.Input<string>[], child: pulumi.CustomResourceOptions): aws.sqs.QueuePolicy {
  return new aws.sqs.QueuePolicy(
    `recovery-${stage}-events-dlq`,
    {
      queueUrl: queue.url,
      policy: pulumi.all([queue.arn, pulumi.all(ruleArns)]).apply(([arn, sourceArns]) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'RecoveryRulesDeadLetter',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: arn,
              Condition: { ArnEquals: { 'aws:SourceArn': sourceArns } },
            },
          ],
        }),
      ),
    },
    child,
  );
}

/** Where the stack is deployed (the deploying identity's account, region, partition) and its EBS keys, checked against them. */
function deploymentTarget(config: StackConfig, parent: pulumi.Resource) {
  const invokeOpts = { parent };
  const identity = pulumi.output(aws.getCallerIdentity({}, invokeOpts));
  const account = identity.accountId;
  const region = pulumi.output(aws.getRegion({}, invokeOpts)).region;
  const partitionInfo = pulumi.output(aws.getPartition({}, invokeOpts));
  const partition = partitionInfo.partition;
  // The configured EBS keys, once they are known to be of this partition and region.
  const ebsKmsKeyArns = pulumi.all([partition, region]).apply(([p, r]) => {
    const problems = ebsKmsKeyProblems(config.ebsKmsKeys, { partition: p, region: r });
    if (problems.length > 0) throw new ConfigError(problems);
    return config.ebsKmsKeys;
  });
  return { account, region, partition, dnsSuffix: partitionInfo.dnsSuffix, ebsKmsKeyArns };
}

export class RecoveryStack extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;
  readonly busName: pulumi.Output<string>;
  readonly ledgerTableName: pulumi.Output<string>;
  readonly dashboardUrl: pulumi.Output<string>;
  /** Names of every alarm created (resolved after tag selectors are looked up). */
  readonly alarmNames: pulumi.Output<string[]>;
  /** Names of the deployed functions: verifier and notifier always, an action kind only when a ladder uses it. */
  readonly functionNames: StackFunctions<pulumi.Output<string>>;

  constructor(name: string, args: RecoveryStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('recovery-stack:index:RecoveryStack', name, {}, opts);
    const { stage, config } = args;
    if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(stage)) {
      throw new Error(`RecoveryStack: stage "${stage}" must be 1-16 lowercase letters, digits or hyphens (it is part of every resource name)`);
    }
    const child: pulumi.CustomResourceOptions = { parent: this };
    const { plan, logPlan, ladders, specs, deploysSsmAutomation, scope } = stackPlan(config);

    const { account, region, partition, dnsSuffix, ebsKmsKeyArns } = deploymentTarget(config, this);

    const { table, mode, eventsDlq, functionsDlq, verify, notify, bus } = storage(stage, config, specs, { account, partition }, child);
    const changeCalendarArn = config.changeCalendar
      ? pulumi.interpolate`arn:${partition}:ssm:${region}:${account}:document/${config.changeCalendar}`
      : undefined;

    const scalarPlaceholders = pulumi.all({
      partition,
      region,
      account,
      stage,
      ledgerTableArn: table.arn,
      busArn: bus.arn,
      modeParameterArn: mode.arn,
      verifyQueueArn: verify.arn,
      topicArn: notify.topic.arn,
      topicKeyArn: notify.key.arn,
      changeCalendarArn: changeCalendarArn ?? '',
      dnsSuffix,
    });
    const basePlaceholders: pulumi.Output<Placeholders> = pulumi
      .all([scalarPlaceholders, ebsKmsKeyArns])
      .apply(([scalars, keys]): Placeholders => ({ ...scalars, ebsKmsKeyArns: keys }));
    // The role SSM Automation assumes (stop/start protected instances) exists only for the ssm-automation function.
    const automation = deploysSsmAutomation
      ? automationRole(`recovery-${stage}-automation`, { placeholders: basePlaceholders, scope, account }, child)
      : undefined;
    const placeholders: pulumi.Output<Placeholders> = pulumi
      .all([basePlaceholders, automation?.role.arn])
      .apply(([base, automationRoleArn]): Placeholders => ({ ...base, automationRoleArn, changeCalendarArn: base.changeCalendarArn || undefined }));

    // Kubernetes clusters first: the k8s-rollout function reads their endpoints from KUBE_CLUSTERS.
    const kube = kubernetesClusters(stage, config, region, child);
    const env: Partial<Record<EnvKey, pulumi.Input<string>>> = {
      [ENV.stage]: stage,
      [ENV.account]: account,
      [ENV.ledgerTable]: table.name,
      [ENV.eventBus]: bus.name,
      [ENV.modeParameter]: mode.name,
      [ENV.verifyQueueUrl]: verify.url,
      [ENV.guardrails]: JSON.stringify(config.guardrails),
      [ENV.topicArn]: notify.topic.arn,
      ...(automation ? { [ENV.automationRoleArn]: automation.role.arn } : {}),
      ...(config.changeCalendar ? { [ENV.changeCalendar]: config.changeCalendar } : {}),
      [ENV.kubeClusters]: kube.clustersJson,
      [ENV.protectionPlaybooks]: JSON.stringify(protectionPlaybooks(plan.playbooks)),
      ...(config.ansible ? { [ENV.ansiblePlaybook]: JSON.stringify(config.ansible) } : {}),
    };

    const buildFunction = (spec: FunctionSpec, fnEnv: typeof env) =>
      lambdaFunction(
        {
          stage,
          spec,
          env: fnEnv,
          placeholders,
          scope,
          failureQueueArn: functionsDlq.arn,
          logRetentionDays: config.lambda.logRetentionDays,
          logLevel: config.lambda.logLevel,
          rootDir: args.functionsRoot,
        },
        child,
      );
    const built = specs.map((spec) => ({ spec, ...buildFunction(spec, env) }));
    const functions = Object.fromEntries(built.map((b) => [b.spec.name, b.fn])) as StackFunctions<aws.lambda.Function>;
    for (const name of ALWAYS_DEPLOYED) functionFor(functions, name, 'recovery stack');
    // A ladder naming a kind without its function would strand escalations: fail the synth, not the incident.
    assertLaddersDeployed(ladders, functions);
    new aws.lambda.EventSourceMapping(
      `recovery-${stage}-verify`,
      { eventSourceArn: verify.arn, functionName: functions.verifier.arn, batchSize: 10, functionResponseTypes: ['ReportBatchItemFailures'] },
      child,
    );

    // Routing: O(playbooks) rules on the default bus, O(action kinds) on the recovery bus.
    const routes = alarmRules(stage, [...plan.playbooks, ...logPlan.playbooks], functions, eventsDlq.arn, child);
    // Their OK transitions -> notifier: resolves incidents escalated to humans (no Verified follows an Escalated).
    // None without alarms (e.g. only Kubernetes targets): its pattern would list no alarm name (EventBridge refuses empty arrays).
    const alarmPlaybooks = [...plan.playbooks, ...logPlan.playbooks].map((p) => p.params.name);
    const okRoute = alarmPlaybooks.length ? alarmOkRule(stage, alarmPlaybooks, functions.notifier, eventsDlq.arn, child) : undefined;
    const busRules = recoveryBusRules(stage, bus, functions, eventsDlq.arn, child);
    // PagerDuty / Opsgenie / Slack: recovery-bus rules, each a config switch.
    const channels = notificationChannels(
      { stage, account, region, partition, config: config.notifications, busName: bus.name, deadLetterArn: eventsDlq.arn, pagerDutyRoutingKey: args.pagerDutyRoutingKey },
      child,
    );
    // Kubernetes workloads: access entries, RBAC, PodDisruptionBudgets, alerts, the Alertmanager webhook, playbook rules.
    const kubeWorkloads = kubernetesWorkloads(
      {
        stage,
        config,
        clusters: kube,
        bus,
        functions,
        // Only when a Kubernetes ladder has a rollout rung; notify-only Kubernetes playbooks need no cluster access.
        rolloutRoleArn: built.find((b) => b.spec.name === 'k8s-rollout')?.role.arn,
        deadLetterArn: eventsDlq.arn,
        webhookFunction: (extra) => buildFunction(ALERTMANAGER_WEBHOOK, { ...env, ...extra }).fn,
      },
      child,
    );
    // Every rule of the stack: the ones that may dead-letter into the events queue.
    const ruleArns = [...routes.map((r) => r.rule.arn), ...busRules.rules.map((r) => r.rule.arn), ...channels.rules.map((r) => r.arn)];
    if (okRoute) ruleArns.push(okRoute.rule.arn);
    for (const r of kubeWorkloads?.rules ?? []) ruleArns.push(r.rule.arn);
    eventsDeadLetterPolicy(stage, eventsDlq, ruleArns, child);

    // Detectors: one alarm per (resource, detector), after tag selectors resolve.
    const dashboardName = config.dashboard.name ?? `recovery-${stage}`;
    const ruleNames = new Map(routes.map((r) => [r.playbook.params.name, ruleName('recovery', stage, r.playbook.params.name)]));
    const logAlarms = logDetectorAlarms(stage, config, logPlan, child);
    if (config.auditLogs.enabled) {
      auditShipping({ stage, config: config.auditLogs, logGroups: built.map((b) => b.logGroup), account, region, partition }, child);
    }
    // Awaited through the outputs below (alarmNames, the dashboard): a failed lookup fails the deploy.
    const alarmsPromise = createDetectorAlarms({ stage, config, plan, dashboardName, ruleNames, logAlarms }, child);
    this.alarmNames = pulumi.output(alarmsPromise).apply((m) => Object.values(m).flat());

    if (config.dashboard.enabled) {
      dashboard(
        {
          stage,
          name: dashboardName,
          region,
          account,
          partition,
          alarmsByPlaybook: alarmsPromise,
          functionNames: built.map((b) => b.fn.name),
          deadLetterQueueNames: [eventsDlq.name, functionsDlq.name, verify.name],
          ledgerTableName: table.name,
        },
        child,
      );
    }

    this.topicArn = notify.topic.arn;
    this.busName = bus.name;
    this.ledgerTableName = table.name;
    this.dashboardUrl = config.dashboard.enabled
      ? pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`
      : pulumi.output('');
    this.functionNames = Object.fromEntries(built.map((b) => [b.spec.name, b.fn.name])) as StackFunctions<pulumi.Output<string>>;
    // Registering the alarm names keeps the program alive until every alarm is registered.
    this.registerOutputs({
      topicArn: this.topicArn,
      busName: this.busName,
      ledgerTableName: this.ledgerTableName,
      dashboardUrl: this.dashboardUrl,
      alarmNames: this.alarmNames,
    });
  }
}
