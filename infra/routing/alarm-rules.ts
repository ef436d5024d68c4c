import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { alarmRuleInputTemplate } from '../../functions/contracts/remediation-request';
import { functionFor, type StackFunctions } from '../functions/stack-functions';
import type { Playbook } from '../playbooks';
import { alarmPattern } from './event-patterns';
import { ruleName } from './rule-name';
import { lambdaTarget } from './targets';

/**
 * ONE rule per playbook on the default bus: every resource's alarm of that
 * playbook matches by name prefix, so the rule count never grows with the
 * fleet. The target builds the RemediationRequest envelope with an input
 * transformer and invokes the first rung's function (or the notifier).
 */
export function alarmRules(
  stage: string,
  playbooks: Playbook[],
  functions: StackFunctions<aws.lambda.Function>,
  deadLetterArn: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
) {
  return playbooks.map((pb) => {
    const name = ruleName('recovery', stage, pb.params.name);
    const rule = new aws.cloudwatch.EventRule(
      name,
      {
        name,
        description: `recovery-stack ${stage}: ALARM of playbook ${pb.params.name} (${pb.detector.name}) -> ${pb.firstFunction}`,
        eventPattern: JSON.stringify(alarmPattern(stage, pb.params.name)),
        state: 'ENABLED',
      },
      opts,
    );
    const { target } = lambdaTarget(
      name,
      { rule, fn: functionFor(functions, pb.firstFunction, `alarm rule of playbook ${pb.params.name}`), deadLetterArn, inputTransformer: { inputTemplate: alarmRuleInputTemplate(pb.params) } },
      opts,
    );
    return { playbook: pb, rule, target };
  });
}
