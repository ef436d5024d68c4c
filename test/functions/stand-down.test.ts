import { handler } from '../../functions/handlers/ssm-automation';
import * as sdk from '../../functions/runtime/sdk';
import { stubAutomation } from './sdk-probes';
import { alarmEvent, busEvents, createStack, playbook, putAlarm, request, runInstances, type TestStack } from './stack';

/**
 * Stand-downs whose AWS APIs moto lacks: AWS Health DescribeEvents and SSM
 * GetCalendarState answer from aws-sdk-client-mock on the functions' own
 * clients; everything else is moto. Also checks what the runbook is started with.
 */
describe('stand-down and runbook', () => {
  let stack: TestStack;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  const restores: Array<() => void> = [];
  beforeEach(async () => {
    stack = await createStack();
    automation = await stubAutomation();
  });
  afterEach(() => {
    automation.restore();
    while (restores.length) restores.pop()!();
  });

  async function req() {
    const [id] = await runInstances(1);
    const name = await putAlarm('status', id, 'InstanceId');
    return { id, req: request(playbook('status', ['reboot']), alarmEvent(name, { InstanceId: id })) };
  }

  it('stands down while AWS Health reports an open EC2 issue in the AZ', async () => {
    // Prepare
    const { mockClient } = await import('aws-sdk-client-mock');
    const health = await import('@aws-sdk/client-health');
    const mock = mockClient((await sdk.health()).client);
    restores.push(() => mock.restore());
    mock.on(health.DescribeEventsCommand).resolves({ events: [{ arn: 'arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/x', eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE', availabilityZone: 'us-east-1a' }] });
    const { req: r } = await req();
    // Act
    const out = await handler(r);
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toBe('AWS Health reports 1 open EC2 issue(s) in us-east-1a: AWS_EC2_OPERATIONAL_ISSUE');
    expect(mock.commandCalls(health.DescribeEventsCommand)[0].args[0].input.filter).toMatchObject({ services: ['EC2'], availabilityZones: ['us-east-1a'], eventStatusCodes: ['open'] });
    expect(automation.started).toHaveLength(0);
  });

  it('skips while the change calendar is CLOSED', async () => {
    // Prepare
    process.env.CHANGE_CALENDAR = 'recovery-freeze';
    automation.restore();
    automation = await stubAutomation('Success', { calendarState: 'CLOSED' });
    const { req: r } = await req();
    // Act
    const out = await handler(r);
    // Assess
    expect(out.reason).toBe('change calendar recovery-freeze is CLOSED');
    expect(automation.started).toHaveLength(0);
    expect((await busEvents(stack)).map((e) => e.detailType)).toEqual(['Remediation Skipped']);
  });

  it('starts the runbook with the automation role and a deterministic client token', async () => {
    // Prepare
    const { id, req: r } = await req();
    // Act
    const out = await handler(r);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(automation.started).toEqual([
      {
        DocumentName: 'AWS-RestartEC2Instance',
        Parameters: { InstanceId: [id], AutomationAssumeRole: ['arn:aws:iam::123456789012:role/recovery-test-automation'] },
        ClientToken: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/),
      },
    ]);
    const succeeded = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Succeeded')!;
    expect(succeeded.detail.evidence.result).toEqual({ executionId: 'exec-1', documentName: 'AWS-RestartEC2Instance', status: 'Success' });
  });
});
