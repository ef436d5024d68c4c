import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { ACTION_KINDS } from '../../functions/contracts/rungs';
import type { StackFunctions } from '../functions/stack-functions';
import { notifyPattern, remediationRequestedPattern } from './event-patterns';
import { ruleName } from './rule-name';
import { lambdaTarget } from './targets';

/**
 * The stack's own bus for recovery events (source `recovery-stack`):
 * `Remediation Requested` escalations go to the action kind's function with
 * the RemediationRequest itself ($.detail); the notifier hears the rest.
 */
export function recoveryEventBus(stage: string, opts: pulumi.CustomResourceOptions): aws.cloudwatch.EventBus {
  const busName = `recovery-${stage}`;
  return new aws.cloudwatch.EventBus(busName, { name: busName, description: `recovery-stack ${stage}: remediation events` }, opts);
}

/**
 * One escalation rule per deployed action kind, plus the notifier's. A kind no
 * ladder uses has no function (infra/functions/stack-functions.ts) and gets no
 * rule: escalations only ask for rungs of the playbook's own ladder.
 */
export function recoveryBusRules(
  stage: string,
  bus: aws.cloudwatch.EventBus,
  functions: StackFunctions<aws.lambda.Function>,
  deadLetterArn: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
) {
  const rules = ACTION_KINDS.flatMap((action) => {
    const fn = functions[action];
    if (!fn) return [];
    const name = ruleName('recovery', stage, 'requested', action);
    const rule = new aws.cloudwatch.EventRule(
      name,
      {
        name,
        eventBusName: bus.name,
        description: `recovery-stack ${stage}: escalations to the ${action} function`,
        eventPattern: JSON.stringify(remediationRequestedPattern(action)),
      },
      opts,
    );
    const { target } = lambdaTarget(name, { rule, eventBusName: bus.name, fn, deadLetterArn, inputPath: '$.detail' }, opts);
    return [{ rule, target }];
  });
  const notifyName = ruleName('recovery', stage, 'notify');
  const notifyRule = new aws.cloudwatch.EventRule(
    notifyName,
    { name: notifyName, eventBusName: bus.name, description: `recovery-stack ${stage}: outcomes people hear about`, eventPattern: JSON.stringify(notifyPattern()) },
    opts,
  );
  const notify = lambdaTarget(notifyName, { rule: notifyRule, eventBusName: bus.name, fn: functions.notifier, deadLetterArn }, opts);
  return { rules: [...rules, { rule: notifyRule, target: notify.target }] };
}
