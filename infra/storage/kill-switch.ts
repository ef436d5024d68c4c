import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { modeParameterName } from '../../functions/contracts/naming';

/**
 * `/recovery/<stage>/mode` = auto | dry-run | off, read by every action on
 * each invocation. Operators flip it without a deploy, so later deploys must
 * not reset it: the value is only the initial one (ignoreChanges).
 */
export function killSwitch(stage: string, mode: string, opts: pulumi.CustomResourceOptions): aws.ssm.Parameter {
  const name = modeParameterName(stage);
  return new aws.ssm.Parameter(
    `recovery-${stage}-mode`,
    {
      name,
      type: 'String',
      value: mode,
      allowedPattern: '^(auto|dry-run|off)$',
      description: 'recovery-stack kill switch: auto = act, dry-run = plan and record only, off = stand down. Change it with `aws ssm put-parameter --overwrite`.',
      tags: { 'recovery-stack:role': 'kill-switch' },
    },
    { ...opts, ignoreChanges: ['value'] },
  );
}
