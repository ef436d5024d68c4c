/**
 * IAM permissions as the functions declare them. infra/ turns these into each
 * function's role, so permissions live next to the code that needs them.
 *
 * Resource strings are ARN templates. infra/ substitutes these placeholders:
 *   {partition} {region} {account} {stage}
 *   {ledgerTableArn} {busArn} {modeParameterArn} {verifyQueueArn} {topicArn}
 *   {topicKeyArn} {automationRoleArn} {changeCalendarArn} {dnsSuffix}
 * and one list placeholder, {ebsKmsKeyArns} (recovery-stack:ebsKmsKeys): a
 * resource naming it becomes one resource per key; no keys, no statement.
 * `*` is allowed in the resource part (never in `actions`); describe/list
 * calls that AWS does not scope take resource `*`.
 */
export interface PermissionStatement {
  /** Why the function needs it; becomes the statement's Sid (alphanumeric). */
  sid: string;
  /** Never `*` or `service:*`; checked by tests and by the policy pack. */
  actions: string[];
  resources: string[];
  /** IAM condition block, passed through as-is. */
  condition?: Record<string, Record<string, string | string[]>>;
  /**
   * `protected`: a destructive statement that infra/ narrows to the protected
   * targets: explicit ARNs for id/name targets and an `aws:ResourceTag/<key>`
   * condition for tag-selector targets (one statement each).
   */
  scope?: 'protected';
}
