import { GetAliasCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { handler } from '../../functions/handlers/lambda-rollback';
import { countMutations } from './sdk-probes';
import { createFunctionWithVersions, services } from './services';
import { alarmEvent, busEvents, createStack, playbook, putAlarm, request, type TestStack } from './stack';

const FN = 'checkout';

async function seed(versions: number) {
  const created = await createFunctionWithVersions(FN, versions);
  const name = await putAlarm('lambda-alias-errors', `${FN}_live`, 'Resource');
  // Dimensions as AWS/Lambda publishes alias metrics (and infra's alarm uses them).
  const req = request(playbook('lambda-alias-errors', ['lambda-rollback']), alarmEvent(name, { FunctionName: FN, Resource: `${FN}:live` }));
  return { ...created, req };
}

const alias = async () => services().lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'live' }));

describe('lambda-rollback', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await createStack();
  });

  it('points the alias back at the previous published version and records both', async () => {
    // Prepare
    const { versions, req } = await seed(3);
    expect((await alias()).FunctionVersion).toBe(versions[2]);
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect((await alias()).FunctionVersion).toBe(versions[1]);
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Succeeded']);
    expect(events[1].detail.resource).toMatchObject({ type: 'lambda-alias', id: `${FN}:live` });
    expect(events[1].detail.evidence.result).toMatchObject({
      alias: `${FN}:live`,
      kind: 'version',
      fromVersion: versions[2],
      toVersion: versions[1],
      rolledBack: { version: versions[2], description: 'release 3' },
      restored: { version: versions[1], description: 'release 2' },
    });
  });

  it('during a weighted canary, sends all traffic back to the primary version', async () => {
    // Prepare: alias on version 1 with 20% to version 2 (what CodeDeploy does during a canary)
    const { versions, req } = await seed(2);
    await services().lambda.send(
      new UpdateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: versions[0], RoutingConfig: { AdditionalVersionWeights: { [versions[1]]: 0.2 } } }),
    );
    // Act
    const out = await handler(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    const a = await alias();
    expect(a.FunctionVersion).toBe(versions[0]);
    expect(Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {})).toEqual([]);
    const events = await busEvents(stack);
    expect(events[1].detail.evidence.result).toMatchObject({ kind: 'weights', toVersion: versions[0], rolledBack: { version: versions[1] } });
  });

  it.each([
    ['the alias is on the first published version', 1, /no previous version/],
    ['the alias points at $LATEST', 0, /not a published version/],
  ])('skips with the reason when %s, without touching Lambda', async (_what, versions, reason) => {
    // Prepare
    const { req } = await seed(versions);
    const before = await alias();
    const counter = await countMutations();
    // Act
    const out = await handler(req);
    await counter.detach();
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toMatch(reason);
    expect(counter.fleet).toEqual([]);
    expect((await alias()).FunctionVersion).toBe(before.FunctionVersion);
    const events = await busEvents(stack);
    expect(events.map((e) => e.detailType)).toEqual(['Remediation Skipped', 'Remediation Escalated']);
  });

  it('rejects an alarm on a function without an alias before any AWS call', async () => {
    // Prepare
    const { req } = await seed(2);
    const bad = { ...req, event: { ...req.event, detail: { ...req.event.detail, configuration: { metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: FN } }, period: 60, stat: 'Sum' }, returnData: true }] } } } };
    // Act / Assess
    expect(await handler(bad)).toEqual({ outcome: 'rejected', reason: expect.stringMatching(/names no resource.*FunctionName=checkout without an alias/) });
  });
});
