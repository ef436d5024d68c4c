import * as z from 'zod/mini';
import { defineAction } from './declaration';
import { ssm } from '../runtime/sdk';
import { waitFor } from '../runtime/poll';

const RUNNING = new Set(['Pending', 'InProgress', 'Waiting', 'Cancelling', 'RunbookInProgress', 'PendingApproval', 'Approved', 'Scheduled', 'PendingChangeCalendarOverride', 'ChangeCalendarOverrideApproved']);

export const ssmAutomation = defineAction({
  name: 'ssm-automation',
  description: 'Start an SSM Automation runbook against the instance and track the execution to success or failure.',
  destructive: false,
  input: z.object({
    documentName: z.string().check(z.regex(/^[a-zA-Z0-9_.:/-]{3,128}$/)),
    parameters: z.optional(z.record(z.string(), z.array(z.string()))),
  }),
  permissions: [
    {
      sid: 'StartRunbooks',
      // The Service Authorization Reference lists three resource types for StartAutomationExecution: the
      // automation definition (required), the document and the new execution
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html). Field
      // reports differ on whether the last two are checked; the reference is granted, narrowed to the runbooks
      // this stage runs (the IAM evidence, scripts/iam, evaluated every reboot as denied without them).
      actions: ['ssm:StartAutomationExecution'],
      resources: [
        'arn:{partition}:ssm:{region}::automation-definition/AWS-RestartEC2Instance:*',
        'arn:{partition}:ssm:{region}:{account}:automation-definition/recovery-{stage}-*:*',
        'arn:{partition}:ssm:{region}::document/AWS-RestartEC2Instance',
        'arn:{partition}:ssm:{region}:{account}:document/recovery-{stage}-*',
        'arn:{partition}:ssm:{region}:{account}:automation-execution/*',
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
  fits(d, p) {
    if (!d.instance) return `no instance to run the runbook against (${d.resource.type} ${d.resource.id} has no identifiable target)`;
    // The runbook stops the instance (its role may only stop and start), and Auto Scaling's EC2 health check
    // counts a member in any state other than running as unhealthy and terminates it (EC2 Auto Scaling User
    // Guide, "Health checks for instances in an Auto Scaling group"), deleting its DeleteOnTermination volumes.
    // The next rung (replace-instance) keeps them. Membership comes from diagnosis (the aws:autoscaling:groupName
    // tag or DescribeAutoScalingInstances), so an instance target selected by tags is covered too.
    const group = d.instance.autoScalingGroupName;
    if (group) return `instance ${d.instance.instanceId} is a member of Auto Scaling group ${group}: ${p.documentName} would stop it, and the group terminates a stopped member (deleting its DeleteOnTermination volumes)`;
    if (d.instance.state !== 'running') return `instance ${d.instance.instanceId} is ${d.instance.state}, not running: a restart runbook does not fit`;
    return undefined;
  },
  plan(d, p) {
    return [`StartAutomationExecution ${p.documentName} on ${d.instance?.instanceId}`, 'GetAutomationExecution until Success | Failed | TimedOut | Cancelled'];
  },
  async run(ctx, p) {
    const instanceId = ctx.diagnosis.instance!.instanceId;
    const { client, sdk } = await ssm();
    const parameters: Record<string, string[]> = { InstanceId: [instanceId], ...(p.parameters ?? {}) };
    if (ctx.automationRoleArn) parameters.AutomationAssumeRole = [ctx.automationRoleArn];
    const started = await client.send(
      new sdk.StartAutomationExecutionCommand({
        DocumentName: p.documentName,
        Parameters: parameters,
        // Same incident + rung = same token: a retried start does not start a second execution.
        ClientToken: ctx.clientToken('start-automation'),
      }),
    );
    const executionId = started.AutomationExecutionId;
    if (!executionId) return { outcome: 'failed', reason: 'StartAutomationExecution returned no execution id' };
    ctx.log.info('automation started', { executionId, documentName: p.documentName, instanceId });
    try {
      const final = await waitFor(
        `automation ${executionId}`,
        async () => {
          const e = (await client.send(new sdk.GetAutomationExecutionCommand({ AutomationExecutionId: executionId }))).AutomationExecution;
          const status = e?.AutomationExecutionStatus ?? 'Pending';
          return RUNNING.has(status) ? undefined : { status, failureMessage: e?.FailureMessage };
        },
        { intervalMs: ctx.pollIntervalMs, deadline: ctx.deadline },
      );
      const detail = { executionId, documentName: p.documentName, status: final.status };
      if (final.status === 'Success') return { outcome: 'succeeded', detail };
      return { outcome: 'failed', reason: `automation ${executionId} ended ${final.status}${final.failureMessage ? `: ${final.failureMessage}` : ''}`, detail };
    } catch (e) {
      // Out of Lambda time: the runbook keeps running in SSM; verification will read the alarm anyway.
      return { outcome: 'failed', reason: `automation ${executionId} did not finish within the function's time: ${(e as Error).message}`, detail: { executionId } };
    }
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
