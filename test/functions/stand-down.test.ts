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

  /** Open EC2 issues as AWS Health answers the region-wide query, in pages of `pageSize`. */
  async function healthReports(events: Array<{ code: string; az?: string }>, pageSize = 100) {
    const { mockClient } = await import('aws-sdk-client-mock');
    const health = await import('@aws-sdk/client-health');
    const mock = mockClient((await sdk.health()).client);
    restores.push(() => mock.restore());
    const all = events.map((e, i) => ({ arn: `arn:aws:health:us-east-1::event/EC2/${e.code}/${i}`, eventTypeCode: e.code, availabilityZone: e.az }));
    mock.on(health.DescribeEventsCommand).callsFake((input: { nextToken?: string }) => {
      const from = Number(input.nextToken ?? '0');
      const next = from + pageSize < all.length ? String(from + pageSize) : undefined;
      return { events: all.slice(from, from + pageSize), nextToken: next };
    });
    return { calls: () => mock.commandCalls(health.DescribeEventsCommand).map((c) => c.args[0].input) };
  }

  it('stands down while AWS Health reports an open EC2 issue in the AZ', async () => {
    // Prepare: the region has open issues in the instance's AZ (us-east-1a) and in another one
    const health = await healthReports([
      { code: 'AWS_EC2_API_ISSUE', az: 'us-east-1b' },
      { code: 'AWS_EC2_OPERATIONAL_ISSUE', az: 'us-east-1a' },
    ]);
    const { req: r } = await req();
    // Act
    const out = await handler(r);
    // Assess: only the issue in the instance's AZ counts
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toBe('AWS Health reports 1 open EC2 issue(s) in us-east-1a: AWS_EC2_OPERATIONAL_ISSUE');
    // Read for the whole region (started before the diagnosis names the AZ), judged for the AZ.
    expect(health.calls()).toHaveLength(1);
    expect(health.calls()[0].filter).toEqual({ services: ['EC2'], regions: ['us-east-1'], eventStatusCodes: ['open'], eventTypeCategories: ['issue'] });
    expect(automation.started).toHaveLength(0);
    const [skipped] = await busEvents(stack);
    expect(skipped.detail.evidence.healthEvents).toEqual([{ arn: 'arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/1', eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE', availabilityZone: 'us-east-1a' }]);
  });

  it('acts while the open EC2 issues are in another AZ or name none: an instance in a known AZ is stood down only by its own', async () => {
    // Prepare
    await healthReports([{ code: 'AWS_EC2_API_ISSUE', az: 'us-east-1b' }, { code: 'AWS_EC2_REGION_NOTICE' }]);
    const { req: r } = await req();
    // Act
    const out = await handler(r);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(automation.started).toHaveLength(1);
    const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
    expect(started.detail.evidence.healthEvents).toEqual([]);
  });

  it('reads every page of the region\'s open issues: one in the AZ on the third page stands the instance down', async () => {
    // Prepare: 25 issues in other AZs first, pages of 10
    const other = Array.from({ length: 25 }, () => ({ code: 'AWS_EC2_API_ISSUE', az: 'us-east-1c' }));
    const health = await healthReports([...other, { code: 'AWS_EC2_OPERATIONAL_ISSUE', az: 'us-east-1a' }], 10);
    const { req: r } = await req();
    // Act
    const out = await handler(r);
    // Assess
    expect(out.reason).toBe('AWS Health reports 1 open EC2 issue(s) in us-east-1a: AWS_EC2_OPERATIONAL_ISSUE');
    expect(health.calls().map((c) => c.nextToken)).toEqual([undefined, '10', '20']);
    expect(automation.started).toHaveLength(0);
  });

  it('acts when AWS Health cannot be read, and says so in the evidence', async () => {
    // Prepare: no Business/Enterprise support plan
    const { mockClient } = await import('aws-sdk-client-mock');
    const health = await import('@aws-sdk/client-health');
    const mock = mockClient((await sdk.health()).client);
    restores.push(() => mock.restore());
    mock.on(health.DescribeEventsCommand).rejects(Object.assign(new Error('no support plan'), { name: 'SubscriptionRequiredException', $fault: 'client' }));
    const { req: r } = await req();
    // Act
    const out = await handler(r);
    // Assess
    expect(out.outcome).toBe('succeeded');
    const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
    expect(started.detail.evidence.health).toBe('AWS Health not readable (SubscriptionRequiredException); stand-down check skipped');
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
