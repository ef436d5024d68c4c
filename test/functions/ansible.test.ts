import { ListCommandsCommand } from '@aws-sdk/client-ssm';
import { handler } from '../../functions/handlers/ansible';
import { ENV } from '../../functions/contracts/env';
import * as sdk from '../../functions/runtime/sdk';
import { countMutations } from './sdk-probes';
import { aws, alarmEvent, busEvents, createStack, playbook, putAlarm, request, runInstances, type TestStack } from './stack';

const PLAYBOOK = {
  source: { type: 'GitHub', owner: 'example-org', repository: 'host-config', path: 'playbooks', getOptions: 'branch:main' },
  playbookFile: 'playbooks/web.yml',
  extraVariables: { role: 'web' },
};

async function seed() {
  const [instanceId] = await runInstances(1, { Name: 'web-1' });
  // A target ladder override ([ansible]) gives the playbook a derived name (infra/playbooks.ts).
  const name = await putAlarm('ec2-instance-status.ansible', instanceId, 'InstanceId');
  return { instanceId, req: request(playbook('ec2-instance-status.ansible', ['ansible']), alarmEvent(name, { InstanceId: instanceId })) };
}

describe('ansible', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack();
    process.env[ENV.ansiblePlaybook] = JSON.stringify(PLAYBOOK);
  });
  afterEach(() => {
    delete process.env[ENV.ansiblePlaybook];
  });

  it('sends AWS-ApplyAnsiblePlaybooks with the configured source to the instance and records the command', async () => {
    // Prepare
    const { instanceId, req } = await seed();
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    const commands = (await aws().ssm.send(new ListCommandsCommand({ InstanceId: instanceId }))).Commands ?? [];
    expect(commands).toHaveLength(1);
    expect(commands[0].DocumentName).toBe('AWS-ApplyAnsiblePlaybooks');
    expect(commands[0].Parameters).toMatchObject({
      SourceType: ['GitHub'],
      PlaybookFile: ['playbooks/web.yml'],
      InstallDependencies: ['True'],
      Check: ['False'],
      ExtraVariables: ['SSM=True role=web'],
    });
    expect(JSON.parse(commands[0].Parameters!.SourceInfo[0])).toEqual({ owner: 'example-org', repository: 'host-config', path: 'playbooks', getOptions: 'branch:main' });
    const events = await busEvents(stack);
    expect(events[1].detail.evidence.result).toMatchObject({ instanceId, commandId: commands[0].CommandId, status: 'Success', reusedCommand: false });
  });

  it('reports a failed playbook run as failed with the output, and escalates', async () => {
    // Prepare: moto reports every invocation as Success, so GetCommandInvocation answers from
    // aws-sdk-client-mock (stand-in); SendCommand and the rest still reach moto.
    const { req } = await seed();
    const { mockClient } = await import('aws-sdk-client-mock');
    const ssmSdk = await import('@aws-sdk/client-ssm');
    const { client } = await sdk.ssm();
    const realSend = ssmSdk.SSMClient.prototype.send as (c: unknown) => Promise<unknown>;
    const mock = mockClient(client);
    for (const C of [ssmSdk.SendCommandCommand, ssmSdk.ListCommandsCommand, ssmSdk.GetParameterCommand] as const) {
      mock.on(C as never).callsFake((input: unknown) => realSend.call(client, new (C as new (i: unknown) => unknown)(input)));
    }
    mock.on(ssmSdk.GetCommandInvocationCommand).resolves({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 2, StandardErrorContent: 'TASK [nginx] fatal: unreachable' });
    // Act
    const out = await handler(req).finally(() => mock.restore());
    // Assess
    expect(out.outcome).toBe('failed');
    expect(out.reason).toMatch(/Failed .*exit 2/);
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Failed', 'Remediation Escalated']);
    expect(events[1].detail.evidence.result.stderr).toMatch(/fatal: unreachable/);
  });

  it('skips, naming the config key, when no playbook is configured', async () => {
    // Prepare
    delete process.env[ENV.ansiblePlaybook];
    const { req } = await seed();
    const counter = await countMutations();
    // Act
    const out = await handler(req);
    await counter.detach();
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toMatch(/recovery-stack:ansible/);
    expect(counter.fleet).toEqual([]);
  });
});
