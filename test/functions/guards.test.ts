import { handler } from '../../functions/handlers/ssm-automation';
import { capturedLogs, countMutations, stubAutomation } from './sdk-probes';
import { alarmEvent, busEvents, createStack, ledgerItems, muteRules, playbook, putAlarm, request, runInstances, type TestStack } from './stack';

/**
 * Guards in front of the ssm-automation (reboot) rung. SSM Automation
 * executions are a stand-in (moto lacks them, see stubAutomation); EC2,
 * DynamoDB, EventBridge, SQS and the SSM parameter are moto.
 */
const reboot = playbook('status', ['reboot']);

async function instanceAlarm(instanceId: string, timestamp?: string) {
  const name = await putAlarm('status', instanceId, 'InstanceId');
  return request(reboot, alarmEvent(name, { InstanceId: instanceId }, timestamp));
}

describe('guards', () => {
  let stack: TestStack;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  afterEach(() => automation?.restore());

  describe('idempotency', () => {
    beforeEach(async () => {
      stack = await createStack();
      automation = await stubAutomation();
    });

    it('acts once when the same alarm transition is delivered twice', async () => {
      // Prepare
      const [id] = await runInstances(1);
      const req = await instanceAlarm(id);
      // Act
      const first = await handler(req);
      const second = await handler(JSON.parse(JSON.stringify(req)));
      // Assess
      expect(first.outcome).toBe('succeeded');
      expect(second).toMatchObject({ outcome: 'skipped', duplicate: true });
      expect(automation.started).toHaveLength(1);
      const skipped = (await busEvents(stack)).filter((e) => e.detailType === 'Remediation Skipped');
      expect(skipped).toHaveLength(1);
      expect(skipped[0].detail.reason).toMatch(/duplicate delivery/);
    });

    it('a duplicate delivery reads no more than the instance lookup before it is known as one', async () => {
      // Prepare: the first delivery handled
      const [id] = await runInstances(1);
      const req = await instanceAlarm(id);
      await handler(req);
      const sdk = await import('../../functions/runtime/sdk');
      const calls: string[] = [];
      const clients = Object.entries(await sdk.builtClients());
      for (const [key, c] of clients) c.middlewareStack.add((next: (a: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (a: unknown) => (calls.push(`${key}:${ctx.commandName}`), next(a)), { step: 'initialize', name: 'seen' });
      muteRules.requests.length = 0;
      // Act
      const second = await handler(JSON.parse(JSON.stringify(req))).finally(() => clients.forEach(([, c]) => c.middlewareStack.remove('seen')));
      // Assess: the lookup went alongside the idempotency record; nothing else was read
      expect(second).toMatchObject({ outcome: 'skipped', duplicate: true });
      expect(calls.filter((c) => !/^(dynamodb|events):/.test(c))).toEqual(['ec2:DescribeInstancesCommand']);
      expect(muteRules.requests).toEqual([]);
      expect(automation.started).toHaveLength(1);
    });

    it('acts once when the duplicate arrives while the first is still running', async () => {
      // Prepare
      const [id] = await runInstances(1);
      const req = await instanceAlarm(id);
      // Act
      const outs = await Promise.all([handler(req), handler(JSON.parse(JSON.stringify(req)))]);
      // Assess
      expect(outs.map((o) => o.outcome).sort()).toEqual(['skipped', 'succeeded']);
      expect(automation.started).toHaveLength(1);
    });

    it('treats the next rung of the same incident as a new transition', async () => {
      // Prepare
      const [id] = await runInstances(1);
      const p = playbook('status', ['reboot', 'reboot']);
      const name = await putAlarm('status', id, 'InstanceId');
      const first = request(p, alarmEvent(name, { InstanceId: id }));
      // Act
      await handler(first);
      const out = await handler({ ...first, rung: 1, incidentId: (await ledgerItems('incident#'))[0].incidentId, action: 'ssm-automation' });
      // Assess
      expect(out.outcome).toBe('succeeded');
      expect(automation.started).toHaveLength(2);
    });
  });

  describe('blast radius', () => {
    it('acts on exactly 20% of a 50-instance group when all 50 alarm at once; the rest are skipped with the reason', async () => {
      // Prepare
      stack = await createStack({ maxConcurrentPerGroup: 50, maxPercentPerGroup: 20, cooldownMinutes: 30 });
      automation = await stubAutomation();
      const ids = await runInstances(50, { 'recovery-group': 'web' });
      const requests = await Promise.all(ids.map((id) => instanceAlarm(id)));
      // Act
      const outs = await Promise.all(requests.map((r) => handler(r)));
      // Assess
      const acted = outs.filter((o) => o.outcome === 'succeeded');
      const skipped = outs.filter((o) => o.outcome === 'skipped');
      expect(acted).toHaveLength(10);
      expect(skipped).toHaveLength(40);
      for (const s of skipped) expect(s.reason).toMatch(/group cap: 10 of web's 50 members already under remediation \(limit 10\)/);
      expect(automation.started).toHaveLength(10);
      const [slots] = await ledgerItems('group#web');
      expect(slots.holders.size).toBe(10);
      const events = await busEvents(stack);
      expect(events.filter((e) => e.detailType === 'Remediation Skipped')).toHaveLength(40);
    }, 240_000); // 50 concurrent faults against one moto: ~30 s quiet, several times that on a busy machine

    it('reclaims a slot whose incident never ended once its lease expired, and only that one', async () => {
      // Prepare: group of 10 at 20% = 2 slots, both held: one lease expired an hour ago, one still running
      stack = await createStack({ maxConcurrentPerGroup: 10, maxPercentPerGroup: 20 });
      automation = await stubAutomation();
      const ids = await runInstances(10, { 'recovery-group': 'batch' });
      const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
      const { aws, TABLE } = await import('./stack');
      await aws().docs.send(
        new PutCommand({
          TableName: TABLE,
          Item: {
            pk: 'group#batch',
            sk: 'inflight',
            holders: new Set(['inc-00000000000000aa', 'inc-00000000000000bb']),
            'lease#inc-00000000000000aa': Date.now() - 3600_000,
            'lease#inc-00000000000000bb': Date.now() + 3600_000,
          },
        }),
      );
      // Act
      const out = await handler(await instanceAlarm(ids[0]));
      // Assess
      expect(out.outcome).toBe('succeeded');
      const [slots] = await ledgerItems('group#batch');
      expect([...slots.holders].sort()).toEqual(['inc-00000000000000bb', out.incidentId!].sort());
      const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
      expect(started.detail.evidence.groupCap).toMatchObject({ slot: 'acquired', reclaimedExpiredSlots: ['inc-00000000000000aa'] });
    });

    it('gives the attempt back to a resource the group cap turned down: no cooldown for an action that never ran', async () => {
      // Prepare: a group of 5 at cap 1; its first member is being remediated
      stack = await createStack({ maxConcurrentPerGroup: 1, maxPercentPerGroup: 100, cooldownMinutes: 30 });
      automation = await stubAutomation();
      const ids = await runInstances(5, { 'recovery-group': 'api' });
      const first = await handler(await instanceAlarm(ids[0], '2026-11-25T10:00:00.000+0000'));
      // Act: the second member alarms while the slot is held, then again after the first incident ended
      const refused = await handler(await instanceAlarm(ids[1], '2026-11-25T10:01:00.000+0000'));
      const { releaseSlot } = await import('../../functions/guards/group-cap');
      const { TABLE } = await import('./stack');
      await releaseSlot(TABLE, 'api', first.incidentId!);
      const later = await handler(await instanceAlarm(ids[1], '2026-11-25T10:02:00.000+0000'));
      // Assess
      expect(first.outcome).toBe('succeeded');
      expect(refused).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^group cap: 1 of api's 5 members/) });
      const skipped = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Skipped' && e.detail.incidentId === refused.incidentId!)!;
      expect(skipped.detail.evidence.attemptReturned).toBe(true);
      expect(later.outcome).toBe('succeeded');
      const [attempts] = await ledgerItems(`resource#${ids[1]}`);
      expect(attempts).toMatchObject({ count: 1, lastIncident: later.incidentId! });
      expect(automation.started).toHaveLength(2);
    });

    it('holds a resource back during its cooldown', async () => {
      // Prepare
      stack = await createStack({ cooldownMinutes: 30 });
      automation = await stubAutomation();
      const [id] = await runInstances(1);
      await handler(await instanceAlarm(id, '2026-11-25T10:00:00.000+0000'));
      // Act: a new transition (new incident) of the same alarm minutes later
      const out = await handler(await instanceAlarm(id, '2026-11-25T10:05:00.000+0000'));
      // Assess
      expect(out.outcome).toBe('skipped');
      expect(out.reason).toMatch(/^cooldown: .* cooldown of 30 min lasts until/);
      expect(automation.started).toHaveLength(1);
      // The fault is still failing and automation will not try again: humans are paged, once, for this incident.
      const paged = (await busEvents(stack)).filter((e) => e.detailType === 'Remediation Escalated');
      expect(paged.map((e) => [e.detail.incidentId, e.detail.reason])).toEqual([[out.incidentId, expect.stringMatching(/^cooldown: .*; automation stands down on a fault still failing: paging humans$/)]]);
    });

    it('stops after the maximum attempts per day', async () => {
      // Prepare
      stack = await createStack({ cooldownMinutes: 0, maxAttemptsPerDay: 2 });
      automation = await stubAutomation();
      const [id] = await runInstances(1);
      // Act
      const outs = [];
      for (const minute of ['00', '01', '02']) outs.push(await handler(await instanceAlarm(id, `2026-11-25T10:${minute}:00.000+0000`)));
      // Assess
      expect(outs.map((o) => o.outcome)).toEqual(['succeeded', 'succeeded', 'skipped']);
      expect(outs[2].reason).toMatch(/max attempts: .* already had 2 remediation attempts .* \(limit 2 per day\)/);
      expect(automation.started).toHaveLength(2);
      const paged = (await busEvents(stack)).filter((e) => e.detailType === 'Remediation Escalated');
      expect(paged.map((e) => [e.detail.incidentId, e.detail.reason])).toEqual([[outs[2].incidentId, expect.stringMatching(/^max attempts: .*; automation stands down on a fault still failing: paging humans$/)]]);
    });
  });

  describe('circuit breaker', () => {
    it('turns the playbook notify-only after repeated failures', async () => {
      // Prepare
      stack = await createStack({ cooldownMinutes: 0, circuitBreaker: { failures: 2, windowMinutes: 60 } });
      automation = await stubAutomation('Failed');
      const ids = await runInstances(3);
      // Act
      const outs: Array<Awaited<ReturnType<typeof handler>>> = [];
      for (const id of ids) outs.push(await handler(await instanceAlarm(id)));
      // Assess
      expect(outs.map((o) => o.outcome)).toEqual(['failed', 'failed', 'skipped']);
      expect(outs[2].reason).toMatch(/circuit breaker open for playbook status: 2 failures/);
      expect(automation.started).toHaveLength(2);
      // The two failures exhausted their ladders (paged); the third fault, stood down by the open breaker, pages too.
      const paged = (await busEvents(stack)).filter((e) => e.detailType === 'Remediation Escalated');
      expect(paged.map((e) => e.detail.incidentId).sort()).toEqual(outs.map((o) => o.incidentId).sort());
      expect(paged.find((e) => e.detail.incidentId === outs[2].incidentId)!.detail.reason).toMatch(/^circuit breaker open .*; automation stands down on a fault still failing: paging humans$/);
    });
  });

  describe('kill switch', () => {
    it.each([
      ['off', /kill switch \/recovery\/test\/mode is off/],
      ['maybe', /holds unknown value "maybe"; treating it as off/],
    ])('mode %s: zero mutating calls, skip recorded and announced', async (mode, reason) => {
      // Prepare
      stack = await createStack({}, mode);
      automation = await stubAutomation();
      const [id] = await runInstances(1);
      const req = await instanceAlarm(id);
      const counter = await countMutations();
      // Act
      const out = await handler(req).finally(() => counter.detach());
      // Assess
      expect(out.outcome).toBe('skipped');
      expect(counter.fleet).toEqual([]);
      expect(automation.started).toHaveLength(0);
      const events = await busEvents(stack);
      expect(events.map((e) => e.detailType)).toEqual(['Remediation Skipped']);
      expect(events[0].detail.reason).toMatch(reason);
      expect(events[0].detail.mode).toBe('off');
      const records = await ledgerItems('incident#');
      expect(records).toHaveLength(1);
      expect(records[0].reason).toMatch(reason);
    });

    it('mode off, already known from the cache: the storm behind it reads nothing from the fleet', async () => {
      // Prepare: the deployed cache (the test stack turns it off); one invocation reads the switch
      stack = await createStack({}, 'off');
      process.env.MODE_CACHE_SECONDS = '60';
      automation = await stubAutomation();
      const ids = await runInstances(2);
      await handler(await instanceAlarm(ids[0]));
      const sdk = await import('../../functions/runtime/sdk');
      const calls: string[] = [];
      const clients = Object.entries(await sdk.builtClients());
      for (const [key, c] of clients) c.middlewareStack.add((next: (a: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (a: unknown) => (calls.push(`${key}:${ctx.commandName}`), next(a)), { step: 'initialize', name: 'seen' });
      // The mute-rule stand-in answers before client middleware: it keeps its own record.
      muteRules.requests.length = 0;
      // Act
      const out = await handler(await instanceAlarm(ids[1])).finally(() => clients.forEach(([, c]) => c.middlewareStack.remove('seen')));
      // Assess
      expect(out).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/kill switch .* is off/) });
      expect(calls.filter((c) => !/^(dynamodb|events):/.test(c))).toEqual([]);
      expect(muteRules.requests).toEqual([]);
      expect(calls.length).toBeGreaterThan(0); // the idempotency record, the skip record and event
    });

    it('mode off read from a missing parameter', async () => {
      // Prepare
      stack = await createStack();
      automation = await stubAutomation();
      process.env.MODE_PARAMETER = '/recovery/test/not-there';
      const [id] = await runInstances(1);
      // Act
      const out = await handler(await instanceAlarm(id));
      // Assess
      expect(out.reason).toMatch(/kill switch \/recovery\/test\/not-there does not exist; treating it as off/);
      expect(automation.started).toHaveLength(0);
    });

    it('dry-run: full diagnosis and guards, the plan logged and announced, zero mutating calls', async () => {
      // Prepare
      stack = await createStack({}, 'dry-run');
      automation = await stubAutomation();
      const [id] = await runInstances(1, { 'recovery-group': 'api' });
      const req = await instanceAlarm(id);
      const counter = await countMutations();
      // Act
      const { result: out, lines } = await capturedLogs('ssm-automation', () => handler(req)).finally(() => counter.detach());
      // Assess
      expect(out.outcome).toBe('skipped');
      expect(counter.fleet).toEqual([]);
      expect(automation.started).toHaveLength(0);
      const planLine = lines.find((l) => l.message === 'dry-run plan')!;
      expect(planLine.plan[0]).toBe(`StartAutomationExecution AWS-RestartEC2Instance on ${id}`);
      const [event] = await busEvents(stack);
      expect(event.detailType).toBe('Remediation Skipped');
      expect(event.detail.reason).toMatch(/^dry-run/);
      expect(event.detail.evidence.plan).toEqual(planLine.plan);
      expect(event.detail.evidence.instance.state).toBe('running');
      expect(event.detail.evidence.group).toEqual({ name: 'api', size: 1 });
      // Guards were evaluated without taking anything.
      expect(await ledgerItems('resource#')).toEqual([]);
      expect(await ledgerItems('group#')).toEqual([]);
    });
  });

  describe('diagnosis', () => {
    it('skips the reboot rung for a stopped instance, says why, and escalates', async () => {
      // Prepare
      stack = await createStack();
      automation = await stubAutomation();
      const [id] = await runInstances(1);
      const { StopInstancesCommand } = await import('@aws-sdk/client-ec2');
      const { aws } = await import('./stack');
      await aws().ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      // Act
      const out = await handler(await instanceAlarm(id));
      // Assess
      expect(out.reason).toMatch(new RegExp(`instance ${id} is stopped, not running: a restart runbook does not fit`));
      expect(automation.started).toHaveLength(0);
      expect((await busEvents(stack)).map((e) => e.detailType)).toEqual(['Remediation Skipped', 'Remediation Escalated']);
    });
  });
});
