import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionResult } from '../runtime/action-context';
import { ecs } from '../runtime/sdk';

/**
 * Force a new deployment of an ECS service whose running tasks fell below the
 * desired count (tasks crash-looping on a bad host, stuck placement, a
 * dependency that came back): ECS replaces the tasks with a rolling
 * deployment under the service's own minimumHealthyPercent. The verifier,
 * not this function, waits for the alarm to clear: a rollout can take longer
 * than a Lambda run.
 */
export const ecsRedeploy = defineAction({
  name: 'ecs-redeploy',
  description: 'Force a new deployment of the ECS service (UpdateService forceNewDeployment) when its running task count stays below desired.',
  destructive: false,
  input: z.strictObject({}),
  permissions: [
    {
      sid: 'RedeployProtectedService',
      actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
      resources: ['arn:{partition}:ecs:{region}:{account}:service/*'],
      scope: 'protected',
    },
  ],
  fits(d) {
    const s = d.ecsService;
    if (!s) return `ECS service ${d.resource.id} not found`;
    if (s.status !== 'ACTIVE') return `service ${s.service} is ${s.status}`;
    if (s.desired === 0) return `service ${s.service} has desired count 0: nothing should run`;
    const rolling = s.deployments.filter((x) => x.rolloutState === 'IN_PROGRESS');
    if (s.deployments.length > 1 && rolling.length > 0) return `a deployment of ${s.service} is already in progress (${rolling.map((x) => x.id).join(', ')}): let it finish`;
    return undefined;
  },
  plan(d) {
    const s = d.ecsService!;
    return [`UpdateService ${s.cluster}/${s.service} forceNewDeployment (running ${s.running} of desired ${s.desired})`];
  },
  async run(ctx): Promise<ActionResult> {
    const s = ctx.diagnosis.ecsService!;
    const { client, sdk } = await ecs();
    const before = s.deployments.find((x) => x.status === 'PRIMARY')?.id;
    const out = await client.send(new sdk.UpdateServiceCommand({ cluster: s.cluster, service: s.service, forceNewDeployment: true }));
    const primary = out.service?.deployments?.find((x) => x.status === 'PRIMARY') ?? out.service?.deployments?.[0];
    if (!primary?.id) return { outcome: 'failed', reason: `UpdateService returned no deployment for ${s.service}`, detail: { cluster: s.cluster, service: s.service } };
    return {
      outcome: 'succeeded',
      detail: {
        cluster: s.cluster,
        service: s.service,
        previousDeployment: before,
        deployment: primary.id,
        taskDefinition: primary.taskDefinition,
        runningBefore: s.running,
        desired: s.desired,
      },
    };
  },
});
