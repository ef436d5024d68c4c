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

  describe('readings every fault shares, kept for MODE_CACHE_SECONDS (the deployed default is 10 s; the test stack turns it off)', () => {
    beforeEach(() => {
      process.env.MODE_CACHE_SECONDS = '60';
    });

    it('a storm reads AWS Health once: the second fault judges the kept reading and its evidence says when it was read', async () => {
      // Prepare
      const health = await healthReports([{ code: 'AWS_EC2_API_ISSUE', az: 'us-east-1b' }]);
      const [a, b] = [await req(), await req()];
      // Act
      const outs = [await handler(a.req), await handler(b.req)];
      // Assess
      expect(outs.map((o) => o.outcome)).toEqual(['succeeded', 'succeeded']);
      expect(health.calls()).toHaveLength(1);
      const started = (await busEvents(stack)).filter((e) => e.detailType === 'Remediation Started');
      expect(started).toHaveLength(2);
      expect(started[0].detail.evidence.healthReadAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
      expect(started[1].detail.evidence.healthReadAt).toBe(started[0].detail.evidence.healthReadAt);
    });

    it('a Health read that failed is not kept: the next fault reads again and stands down on what it finds', async () => {
      // Prepare: throttled once, then an open issue in the instance's AZ
      const { mockClient } = await import('aws-sdk-client-mock');
      const healthSdk = await import('@aws-sdk/client-health');
      const mock = mockClient((await sdk.health()).client);
      restores.push(() => mock.restore());
      mock
        .on(healthSdk.DescribeEventsCommand)
        .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' }))
        .resolves({ events: [{ arn: 'arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/1', eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE', availabilityZone: 'us-east-1a' }] });
      const [a, b] = [await req(), await req()];
      // Act
      const first = await handler(a.req);
      const second = await handler(b.req);
      // Assess
      expect(first.outcome).toBe('succeeded');
      expect(second).toMatchObject({ outcome: 'skipped', reason: 'AWS Health reports 1 open EC2 issue(s) in us-east-1a: AWS_EC2_OPERATIONAL_ISSUE' });
      expect(mock.commandCalls(healthSdk.DescribeEventsCommand).length).toBeGreaterThanOrEqual(2);
    });

    it('a CLOSED change calendar is read once for the storm, and both faults skip', async () => {
      // Prepare
      process.env.CHANGE_CALENDAR = 'recovery-freeze';
      automation.restore();
      automation = await stubAutomation('Success', { calendarState: 'CLOSED' });
      const [a, b] = [await req(), await req()];
      // Act
      const outs = [await handler(a.req), await handler(b.req)];
      // Assess
      expect(outs.map((o) => o.reason)).toEqual(['change calendar recovery-freeze is CLOSED', 'change calendar recovery-freeze is CLOSED']);
      expect(automation.calendarReads()).toBe(1);
      expect(automation.started).toHaveLength(0);
    });

    it('an unreadable calendar is not kept: that fault skips (fail closed), the next reads it again and acts on OPEN', async () => {
      // Prepare
      process.env.CHANGE_CALENDAR = 'recovery-freeze';
      automation.restore();
      automation = await stubAutomation('Success', { calendarState: ['unreadable', 'OPEN'] });
      const [a, b] = [await req(), await req()];
      // Act
      const first = await handler(a.req);
      const second = await handler(b.req);
      // Assess
      expect(first.reason).toMatch(/^change calendar recovery-freeze could not be read \(Rate exceeded\); not acting while it is unknown$/);
      expect(second.outcome).toBe('succeeded');
      expect(automation.started).toHaveLength(1);
      const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
      expect(started.detail.evidence.changeCalendar).toEqual({ name: 'recovery-freeze', state: 'OPEN', readAt: expect.any(String) });
    });
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
