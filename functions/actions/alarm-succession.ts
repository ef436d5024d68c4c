import type { PermissionStatement } from '../contracts/permissions';

/**
 * What a function needs to hand its stack's alarms on to a resource's successor
 * (functions/runtime/carried-protection.ts): read the predecessor's alarms by
 * name, read their tags, and create (or, for a moved volume, update) alarms
 * under the stack's own name prefix only. PutMetricAlarm with Tags also needs
 * cloudwatch:TagResource (PutMetricAlarm API reference, "Tags":
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * No DeleteAlarms: the predecessor's alarms are the deployment's, left as they are.
 */
export const ALARM_SUCCESSION_PERMISSIONS: PermissionStatement[] = [
  {
    sid: 'CarryAlarmsToSuccessor',
    actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource', 'cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'],
    resources: ['arn:{partition}:cloudwatch:{region}:{account}:alarm:recovery-{stage}-*'],
  },
];
