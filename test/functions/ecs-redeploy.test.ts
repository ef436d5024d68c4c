import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { handler } from '../../functions/handlers/ecs-redeploy';
import { countMutations } from './sdk-probes';
import { createEcsService, services } from './services';
import { alarmEvent, busEvents, createStack, playbook, putAlarm, request, type TestStack } from './stack';

async function seed(desired = 2) {
  await createEcsService('shop', 'web', desired);
  const name = await putAlarm('ecs-running-tasks', 'shop_web', 'ServiceName');
  // Dimensions as ECS/ContainerInsights publishes service metrics.
  return request(playbook('ecs-running-tasks', ['ecs-redeploy']), alarmEvent(name, { ClusterName: 'shop', ServiceName: 'web' }));
}

const primaryDeployment = async () =>
  (await services().ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] }))).services![0].deployments!.find((d) => d.status === 'PRIMARY')!.id;

describe('ecs-redeploy', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack();
  });

  it('forces a new deployment of the service and records old and new deployment ids', async () => {
    // Prepare
    const req = await seed();
    const before = await primaryDeployment();
    const counter = await countMutations();
    // Act
    const out = await handler(req);
    await counter.detach();
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(counter.fleet).toEqual(['ecs:UpdateServiceCommand']);
    const after = await primaryDeployment();
    expect(after).not.toBe(before);
    const events = await busEvents(stack);
    expect(events[1].detail.resource).toMatchObject({ type: 'ecs-service', id: 'shop/web' });
    expect(events[1].detail.evidence.result).toMatchObject({ cluster: 'shop', service: 'web', previousDeployment: before, deployment: after, desired: 2 });
  });

  it('skips a service scaled to zero without touching ECS', async () => {
    // Prepare
    const req = await seed(0);
    const counter = await countMutations();
    // Act
    const out = await handler(req);
    await counter.detach();
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toMatch(/desired count 0/);
    expect(counter.fleet).toEqual([]);
  });
});
