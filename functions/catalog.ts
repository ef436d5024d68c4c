import { ssmAutomation, automationRolePermissions as restartPermissions } from './actions/ssm-automation';
import { EBS_KMS_KEY_PERMISSIONS } from './actions/ebs-kms-keys';
import { replaceInstance } from './actions/replace-instance';
import { restoreVolume } from './actions/restore-volume';
import { k8sRollout } from './actions/k8s-rollout';
import { rebootDb } from './actions/reboot-db';
import { restoreDb } from './actions/restore-db';
import { lambdaRollback } from './actions/lambda-rollback';
import { ecsRedeploy } from './actions/ecs-redeploy';
import { ansible } from './actions/ansible';
import type { ActionDeclaration } from './actions/declaration';
import { ENV, type EnvKey } from './contracts/env';
import type { PermissionStatement } from './contracts/permissions';
import type { ActionKind } from './contracts/rungs';

/**
 * Every Lambda function the stack deploys: infra/ bundles `entry` with esbuild
 * and builds the role from `permissions`. SDK-free to import.
 */
export type FunctionName = ActionKind | 'verifier' | 'notifier' | 'alertmanager-webhook';

export interface FunctionSpec {
  name: FunctionName;
  /** Handler source, relative to the repository root; the bundle exports `handler`. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  reservedConcurrency: number;
  /** Environment variables it needs (values are filled in by infra/). */
  env: EnvKey[];
  permissions: PermissionStatement[];
  destructive: boolean;
}

/**
 * Records, guards and idempotency in the ledger. DeleteItem: Powertools idempotency deletes a delivery's
 * in-progress record when the function fails (so a retry runs), and paging withdraws a page claim whose event
 * could not be sent (functions/runtime/open-escalations.ts forgetEscalation): both failure paths, so the drill
 * does not use it.
 */
const LEDGER: PermissionStatement = {
  sid: 'Ledger',
  actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  resources: ['{ledgerTableArn}'],
};
/** The verifier reads an incident's records (its action's Succeeded record at the rung: functions/handlers/verifier.ts). */
const LEDGER_INCIDENT_RECORDS: PermissionStatement = { sid: 'LedgerIncidentRecords', actions: ['dynamodb:Query'], resources: ['{ledgerTableArn}'] };
const PUT_RECOVERY_EVENTS: PermissionStatement = {
  sid: 'RecoveryEvents',
  actions: ['events:PutEvents'],
  resources: ['{busArn}'],
};

/** What every action function needs around its own calls: guards, ledger, events, verification. */
const ACTION_RUNTIME: PermissionStatement[] = [
  LEDGER,
  PUT_RECOVERY_EVENTS,
  { sid: 'KillSwitch', actions: ['ssm:GetParameter'], resources: ['{modeParameterArn}'] },
  { sid: 'ScheduleVerification', actions: ['sqs:SendMessage'], resources: ['{verifyQueueArn}'] },
  { sid: 'HealthStandDown', actions: ['health:DescribeEvents'], resources: ['*'] },
  { sid: 'ChangeCalendar', actions: ['ssm:GetCalendarState'], resources: ['{changeCalendarArn}'] },
  // functions/guards/alarm-mute.ts: a read-only list across the account's mute rules, filtered by alarm name in
  // the request; the rules are other teams' resources (any name), so it is not narrowed to an ARN pattern.
  { sid: 'AlarmMuteRules', actions: ['cloudwatch:ListAlarmMuteRules'], resources: ['*'] },
  { sid: 'AlarmEvidence', actions: ['cloudwatch:DescribeAlarms'], resources: ['arn:{partition}:cloudwatch:{region}:{account}:alarm:recovery-{stage}-*'] },
];
/**
 * Read-only EC2 and Auto Scaling evidence gathered before acting (functions/runtime/diagnosis/ec2.ts), for the
 * functions that diagnose instances, volumes and groups only (their handlers pass ec2Diagnosers); AWS does not
 * scope these reads. The other functions' diagnosers read their own services under their own declarations.
 */
const EC2_DIAGNOSIS: PermissionStatement = {
  sid: 'Diagnose',
  actions: [
    'ec2:DescribeInstances',
    'ec2:DescribeInstanceStatus',
    // Whether the instance type supports EC2 simplified automatic recovery (functions/guards/ec2-auto-recovery.ts).
    'ec2:DescribeInstanceTypes',
    'ec2:DescribeVolumes',
    'ec2:DescribeVolumeStatus',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeAutoScalingInstances',
  ],
  resources: ['*'],
};
export const DIAGNOSES_EC2: ReadonlySet<string> = new Set(['ssm-automation', 'replace-instance', 'restore-volume', 'ansible']);

// CHANGE_CALENDAR is listed although optional: infra/ passes only the keys a spec lists, and a calendar
// configured but not passed is a freeze that is never read.
const ACTION_ENV: EnvKey[] = [ENV.stage, ENV.account, ENV.ledgerTable, ENV.eventBus, ENV.modeParameter, ENV.verifyQueueUrl, ENV.guardrails, ENV.changeCalendar];

function actionFunction(d: ActionDeclaration, extra: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    name: d.name,
    entry: `functions/handlers/${d.name}.ts`,
    description: d.description,
    timeoutSeconds: 900,
    memoryMb: 256,
    reservedConcurrency: 5,
    env: ACTION_ENV,
    permissions: [...ACTION_RUNTIME, ...(DIAGNOSES_EC2.has(d.name) ? [EC2_DIAGNOSIS] : []), ...d.permissions],
    destructive: d.destructive,
    ...extra,
  };
}

export const ACTIONS: Record<ActionKind, ActionDeclaration> = {
  'ssm-automation': ssmAutomation,
  'replace-instance': replaceInstance,
  'restore-volume': restoreVolume,
  'k8s-rollout': k8sRollout,
  'reboot-db': rebootDb,
  'restore-db': restoreDb,
  'lambda-rollback': lambdaRollback,
  'ecs-redeploy': ecsRedeploy,
  ansible,
};

export const FUNCTIONS: FunctionSpec[] = [
  actionFunction(ssmAutomation, { env: [...ACTION_ENV, ENV.automationRoleArn] }),
  actionFunction(replaceInstance, { env: [...ACTION_ENV, ENV.protectionPlaybooks] }),
  actionFunction(restoreVolume, { env: [...ACTION_ENV, ENV.protectionPlaybooks] }),
  actionFunction(k8sRollout, { env: [...ACTION_ENV, ENV.kubeClusters] }),
  actionFunction(rebootDb),
  actionFunction(restoreDb),
  actionFunction(lambdaRollback),
  actionFunction(ecsRedeploy),
  actionFunction(ansible, { env: [...ACTION_ENV, ENV.ansiblePlaybook] }),
  {
    name: 'verifier',
    entry: 'functions/handlers/verifier.ts',
    description: 'After verifyAfterSeconds, re-read the alarm: OK -> Verified; ALARM -> next rung; ladder exhausted -> Escalated.',
    timeoutSeconds: 60,
    memoryMb: 256,
    reservedConcurrency: 5,
    env: [ENV.stage, ENV.account, ENV.ledgerTable, ENV.eventBus, ENV.modeParameter, ENV.guardrails],
    permissions: [
      LEDGER,
      LEDGER_INCIDENT_RECORDS,
      PUT_RECOVERY_EVENTS,
      { sid: 'KillSwitch', actions: ['ssm:GetParameter'], resources: ['{modeParameterArn}'] },
      { sid: 'ReadAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: ['arn:{partition}:cloudwatch:{region}:{account}:alarm:recovery-{stage}-*'] },
      {
        sid: 'ConsumeVerifyQueue',
        // What the SQS event source mapping polls with (Lambda Developer Guide, "Creating and configuring an Amazon
        // SQS event source mapping", execution role permissions: ReceiveMessage, DeleteMessage, GetQueueAttributes,
        // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html); the verifier hands a
        // message back through batchItemFailures, not ChangeMessageVisibility.
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: ['{verifyQueueArn}'],
      },
    ],
    destructive: false,
  },
  {
    name: 'notifier',
    entry: 'functions/handlers/notifier.ts',
    description:
      'Recovery events -> SNS messages; notify-only alarms and Alertmanager alerts -> Escalated (paging channels); an alarm back to OK or a resolved Alertmanager alert -> Resolved for its incidents escalated to humans.',
    timeoutSeconds: 30,
    memoryMb: 128,
    reservedConcurrency: 2,
    env: [ENV.stage, ENV.account, ENV.topicArn, ENV.ledgerTable, ENV.eventBus, ENV.modeParameter],
    permissions: [
      { sid: 'Notify', actions: ['sns:Publish'], resources: ['{topicArn}'] },
      { sid: 'EncryptForTopic', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['{topicKeyArn}'] },
      // Escalations filed under their fault (fault#<fault>/escalation#<incident>) and the incidents' audit records.
      { sid: 'Escalations', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'], resources: ['{ledgerTableArn}'] },
      // A notify-only alarm is re-read right after its page: OK by then -> resolved at once (functions/runtime/paging.ts).
      // (A notify-only alert is re-read from the ledger, alert#<fingerprint>/state: GetItem above.)
      { sid: 'ReadAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: ['arn:{partition}:cloudwatch:{region}:{account}:alarm:recovery-{stage}-*'] },
      PUT_RECOVERY_EVENTS,
      // The mode recorded in a notify-only escalation (the kill switch never stops a page).
      { sid: 'KillSwitch', actions: ['ssm:GetParameter'], resources: ['{modeParameterArn}'] },
    ],
    destructive: false,
  },
];

/**
 * Deployed only when the config protects Kubernetes workloads (infra/kubernetes): a Lambda
 * function URL that takes Alertmanager's webhook and puts fault events on the recovery bus.
 */
export const ALERTMANAGER_WEBHOOK: FunctionSpec = {
  name: 'alertmanager-webhook',
  entry: 'functions/handlers/alertmanager-webhook.ts',
  description: 'Alertmanager webhook (v4, bearer token): normalized alert events on the recovery bus, alert state in the ledger.',
  timeoutSeconds: 30,
  memoryMb: 256,
  reservedConcurrency: 5,
  env: [ENV.stage, ENV.ledgerTable, ENV.eventBus, ENV.webhookSecretParameter],
  permissions: [
    PUT_RECOVERY_EVENTS,
    { sid: 'AlertState', actions: ['dynamodb:PutItem'], resources: ['{ledgerTableArn}'] },
    // SecureString under the AWS managed key aws/ssm: its key policy already lets SSM decrypt for callers in the account.
    { sid: 'WebhookSecret', actions: ['ssm:GetParameter'], resources: ['arn:{partition}:ssm:{region}:{account}:parameter/recovery/{stage}/alertmanager-webhook-secret'] },
  ],
  destructive: false,
};

/**
 * The role SSM Automation assumes: the runbook's stop/start, and the configured EBS keys, since
 * StartInstances of an instance whose volumes use a customer managed key needs kms:CreateGrant
 * (functions/actions/ebs-kms-keys.ts).
 */
export const automationRolePermissions: PermissionStatement[] = [...restartPermissions, ...EBS_KMS_KEY_PERMISSIONS];
