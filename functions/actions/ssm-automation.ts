import { z } from 'zod';
import { defineAction } from './declaration';

export const ssmAutomation = defineAction({
  name: 'ssm-automation',
  description: 'Start an SSM Automation runbook against the instance and track the execution to success or failure.',
  destructive: false,
  input: z.object({
    documentName: z.string().regex(/^[a-zA-Z0-9_.:/-]{3,128}$/),
    parameters: z.record(z.string(), z.array(z.string())).optional(),
  }),
  permissions: [
    {
      sid: 'StartRunbooks',
      actions: ['ssm:StartAutomationExecution'],
      resources: [
        'arn:{partition}:ssm:{region}::automation-definition/AWS-RestartEC2Instance:*',
        'arn:{partition}:ssm:{region}:{account}:automation-definition/recovery-{stage}-*:*',
      ],
    },
    {
      sid: 'TrackExecutions',
      actions: ['ssm:GetAutomationExecution'],
      resources: ['arn:{partition}:ssm:{region}:{account}:automation-execution/*'],
    },
    {
      sid: 'PassAutomationRole',
      actions: ['iam:PassRole'],
      resources: ['{automationRoleArn}'],
      condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
    },
  ],
  async run() {
    throw new Error('ssm-automation: not implemented yet');
  },
});

/** What the role that SSM Automation assumes may do (AWS-RestartEC2Instance stops and starts). */
export const automationRolePermissions = [
  {
    sid: 'DescribeInstances',
    actions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
    resources: ['*'],
  },
  {
    sid: 'RestartProtectedInstances',
    actions: ['ec2:StopInstances', 'ec2:StartInstances'],
    resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
    scope: 'protected' as const,
  },
];
