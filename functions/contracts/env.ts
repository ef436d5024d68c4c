/**
 * Environment variables the Pulumi program gives every function, and the only
 * way functions learn about the stack. infra/ sets them, functions/ reads them,
 * the drill copies them from the synthesized stack. AWS_ENDPOINT_URL (read by
 * the AWS SDK itself) points the same bundles at the local emulator.
 */
export const ENV = {
  /** dev | staging | prod: the stack name, part of every alarm name. */
  stage: 'RECOVERY_ENV',
  /**
   * The 12-digit account the stack is deployed to: events claiming another
   * account are not this stack's (functions/runtime/provenance.ts). The region
   * is the Lambda runtime's own AWS_REGION.
   */
  account: 'RECOVERY_ACCOUNT',
  /** DynamoDB ledger table (pk/sk, TTL attribute `expiresAt`); also holds idempotency records. */
  ledgerTable: 'LEDGER_TABLE',
  /** Name of the stack's own EventBridge bus for recovery events. */
  eventBus: 'RECOVERY_BUS',
  /** SSM parameter holding the kill switch: auto | dry-run | off. */
  modeParameter: 'MODE_PARAMETER',
  /** SQS queue the actions send verification requests to (DelaySeconds = verifyAfterSeconds). */
  verifyQueueUrl: 'VERIFY_QUEUE_URL',
  /** JSON of the validated guardrails (functions/contracts/guardrails.ts). */
  guardrails: 'GUARDRAILS',
  /** SNS topic the notifier publishes to (notifier only). */
  topicArn: 'NOTIFY_TOPIC_ARN',
  /** Role SSM Automation assumes (ssm-automation only). */
  automationRoleArn: 'AUTOMATION_ROLE_ARN',
  /** Optional SSM Change Calendar name; CLOSED means no action. */
  changeCalendar: 'CHANGE_CALENDAR',
  /** JSON map EKS cluster name -> { endpoint, certificateAuthority, region } (k8s-rollout only; functions/kubernetes/clusters.ts). */
  kubeClusters: 'KUBE_CLUSTERS',
  /** SSM SecureString holding the Alertmanager webhook's shared secret (alertmanager-webhook only). */
  webhookSecretParameter: 'WEBHOOK_SECRET_PARAMETER',
  /**
   * JSON map resource kind (instance, volume) -> the playbooks whose alarms watch every protected resource of that
   * kind, one alarm each named recovery-<stage>-<playbook>-<id> (replace-instance and restore-volume only): a
   * replacement or restored volume gets its predecessor's alarms (functions/runtime/carried-protection.ts).
   */
  protectionPlaybooks: 'PROTECTION_PLAYBOOKS',
  /** JSON of the validated `recovery-stack:ansible` playbook source (functions/contracts/ansible.ts; ansible only). */
  ansiblePlaybook: 'ANSIBLE_PLAYBOOK',
} as const;

export type EnvKey = (typeof ENV)[keyof typeof ENV];
