import { describeIssues } from '../runtime/validation';
import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionContext, ActionResult } from '../runtime/action-context';
import { AnsiblePlaybook, documentParameters } from '../contracts/ansible';
import { ENV } from '../contracts/env';
import { waitFor } from '../runtime/poll';
import { ssm } from '../runtime/sdk';

/**
 * Run the configured Ansible playbook on the instance through SSM Run Command
 * (AWS-owned document AWS-ApplyAnsiblePlaybooks): the same playbook that
 * built the host puts its configuration back. The playbook source comes from
 * config (ANSIBLE_PLAYBOOK); SendCommand is not idempotent, so a retry of the
 * same incident finds its earlier command by its comment instead of sending a
 * second one.
 */
export const ANSIBLE_DOCUMENT = 'AWS-ApplyAnsiblePlaybooks';
const TERMINAL = ['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling'];

/** The playbook from the function's environment; a clear error names the config key. */
export function configuredPlaybook(env: NodeJS.ProcessEnv = process.env): { playbook?: AnsiblePlaybook; why?: string } {
  const raw = env[ENV.ansiblePlaybook];
  if (!raw) return { why: `no playbook configured: set recovery-stack:ansible (${ENV.ansiblePlaybook} is empty)` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { why: `${ENV.ansiblePlaybook} is not JSON: fix recovery-stack:ansible` };
  }
  const parsed = AnsiblePlaybook.safeParse(json);
  return parsed.success ? { playbook: parsed.data } : { why: `${ENV.ansiblePlaybook} is invalid (${describeIssues(parsed.error.issues, json, { max: 3 })}): fix recovery-stack:ansible` };
}

export const ansible = defineAction({
  name: 'ansible',
  description: 'Run the configured Ansible playbook on the instance through SSM Run Command (AWS-ApplyAnsiblePlaybooks) and wait for its result.',
  destructive: false,
  input: z.strictObject({}),
  permissions: [
    {
      sid: 'RunAnsibleDocument',
      actions: ['ssm:SendCommand'],
      resources: [`arn:{partition}:ssm:{region}::document/${ANSIBLE_DOCUMENT}`],
    },
    { sid: 'RunOnProtectedInstance', actions: ['ssm:SendCommand'], resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'], scope: 'protected' },
    // Command status reads: AWS does not scope these to a resource.
    { sid: 'ReadCommandResults', actions: ['ssm:ListCommands', 'ssm:GetCommandInvocation'], resources: ['*'] },
  ],
  fits(d) {
    const { why } = configuredPlaybook();
    if (why) return why;
    if (!d.instance) return `no instance found for ${d.resource.type} ${d.resource.id}`;
    if (d.instance.state !== 'running') return `instance ${d.instance.instanceId} is ${d.instance.state}: Run Command needs a running instance with the SSM agent`;
    return undefined;
  },
  plan(d) {
    const { playbook } = configuredPlaybook();
    const src = playbook?.source;
    return [
      `SendCommand ${ANSIBLE_DOCUMENT} to ${d.instance?.instanceId}: ${src?.type} ${src?.type === 'GitHub' ? `${src.owner}/${src.repository}/${src.path}` : src?.path} playbook ${playbook?.playbookFile}${playbook?.check ? ' (check mode)' : ''}`,
      `wait for the invocation to finish (up to ${playbook?.timeoutSeconds}s)`,
    ];
  },
  async run(ctx) {
    return runPlaybook(ctx, configuredPlaybook().playbook!);
  },
});

async function runPlaybook(ctx: ActionContext, playbook: AnsiblePlaybook): Promise<ActionResult> {
  const { client, sdk } = await ssm();
  const instanceId = ctx.diagnosis.instance!.instanceId;
  const comment = `recovery ${ctx.incidentId} rung ${ctx.request.rung}`;
  const earlier = (await client.send(new sdk.ListCommandsCommand({ InstanceId: instanceId }))).Commands?.find(
    (c) => c.Comment === comment && c.DocumentName === ANSIBLE_DOCUMENT,
  );
  const commandId =
    earlier?.CommandId ??
    (
      await client.send(
        new sdk.SendCommandCommand({
          DocumentName: ANSIBLE_DOCUMENT,
          InstanceIds: [instanceId],
          Parameters: documentParameters(playbook),
          Comment: comment,
          // Delivery timeout; the playbook's own limit is the TimeoutSeconds parameter.
          TimeoutSeconds: 600,
        }),
      )
    ).Command?.CommandId;
  if (!commandId) return { outcome: 'failed', reason: 'SendCommand returned no command id' };
  const invocation = await waitFor(
    `command ${commandId} on ${instanceId}`,
    async () => {
      try {
        const inv = await client.send(new sdk.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
        return TERMINAL.includes(inv.Status ?? '') ? inv : undefined;
      } catch (e) {
        // The invocation is not visible for a moment after SendCommand.
        if ((e as { name?: string }).name === 'InvocationDoesNotExist') return undefined;
        throw e;
      }
    },
    { intervalMs: Math.max(ctx.pollIntervalMs, 1), deadline: ctx.deadline },
  ).catch((e: Error) => e);
  const base = { instanceId, commandId, document: ANSIBLE_DOCUMENT, playbookFile: playbook.playbookFile, source: playbook.source.type, check: playbook.check, reusedCommand: Boolean(earlier) };
  if (invocation instanceof Error) return { outcome: 'failed', reason: `${invocation.message} (the command keeps running; see Run Command history)`, detail: base };
  const tail = (s?: string) => (s ? s.slice(-2000) : undefined);
  if (invocation.Status !== 'Success') {
    return {
      outcome: 'failed',
      reason: `playbook ${playbook.playbookFile} on ${instanceId}: ${invocation.Status} (${invocation.StatusDetails ?? 'no detail'}, exit ${invocation.ResponseCode ?? '?'})`,
      detail: { ...base, status: invocation.Status, stderr: tail(invocation.StandardErrorContent), stdout: tail(invocation.StandardOutputContent) },
    };
  }
  return { outcome: 'succeeded', detail: { ...base, status: invocation.Status, stdout: tail(invocation.StandardOutputContent) } };
}
