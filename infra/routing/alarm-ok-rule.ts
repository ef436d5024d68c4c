import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { alarmOkPattern } from './event-patterns';
import { ruleName } from './rule-name';
import { lambdaTarget } from './targets';

/**
 * ONE rule on the default bus for the OK transitions of every playbook's
 * alarms (same name prefixes as the alarm rules), delivering the whole
 * `CloudWatch Alarm State Change` event to the notifier. An incident escalated
 * to humans (ladder exhausted, destructive rung handed over, notify-only
 * playbook) gets no `Remediation Verified`; this is what resolves its page when
 * the alarm recovers. The notifier acts only on alarms with an open escalation
 * in the ledger; the others it logs and leaves.
 */
export const ALARM_OK_RULE_SUFFIX = 'alarm-ok';

export function alarmOkRule(
  stage: string,
  playbookNames: string[],
  notifier: aws.lambda.Function,
  deadLetterArn: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
) {
  const name = ruleName('recovery', stage, ALARM_OK_RULE_SUFFIX);
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name,
      description: `recovery-stack ${stage}: OK of the stack's alarms -> notifier (resolves incidents escalated to humans)`,
      eventPattern: JSON.stringify(alarmOkPattern(stage, playbookNames)),
      state: 'ENABLED',
    },
    opts,
  );
  const { target } = lambdaTarget(name, { rule, fn: notifier, deadLetterArn }, opts);
  return { rule, target };
}
