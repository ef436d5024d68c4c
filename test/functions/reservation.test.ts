import { handler } from '../../functions/handlers/ssm-automation';
import { motoEndpoint } from '../support/aws';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { stubAutomation } from './sdk-probes';
import { alarmEvent, busEvents, createStack, ledgerItems, playbook, putAlarm, request, runInstances } from './stack';

/**
 * The reservation transaction (functions/guards/reservation.ts) under
 * contention AWS shows and moto does not (one moto process never has two
 * transactions in flight): a fault proxy (stand-in) answers DynamoDB as AWS
 * does while another invocation's transaction holds the items. This file's
 * functions reach DynamoDB through it (AWS_ENDPOINT_URL_DYNAMODB, set before
 * its clients are built); everything else is moto.
 */
describe('reservation under transaction conflicts', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(motoEndpoint());
    process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    await proxy.close();
  });

  it('a transaction cancelled by a conflict falls back to one write at a time, and a write refused by a conflict is retried', async () => {
    // Prepare
    const stack = await createStack({ maxConcurrentPerGroup: 2, maxPercentPerGroup: 100 });
    const automation = await stubAutomation();
    const [id] = await runInstances(1, { 'recovery-group': 'web' });
    const name = await putAlarm('status', id, 'InstanceId');
    proxy.inject([
      { action: 'TransactWriteItems', times: 1, status: 400, code: 'TransactionCanceledException', extra: { CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }] } },
      // The attempt's own conditional write, refused once while the other transaction still holds the item.
      { action: 'UpdateItem', times: 1, status: 400, code: 'TransactionConflictException' },
    ]);
    // Act
    const out = await handler(request(playbook('status', ['reboot']), alarmEvent(name, { InstanceId: id }))).finally(() => automation.restore());
    // Assess
    expect(out.outcome).toBe('succeeded');
    const writes = proxy.seen.filter((s) => ['TransactWriteItems', 'UpdateItem'].includes(s.action)).map((s) => [s.action, s.attempt.split(';')[0], s.answered]);
    expect(writes.slice(0, 4)).toEqual([
      ['TransactWriteItems', 'attempt=1', 400],
      ['UpdateItem', 'attempt=1', 400],
      ['UpdateItem', 'attempt=2', 200],
      ['UpdateItem', 'attempt=1', 200],
    ]);
    const [attempts] = await ledgerItems(`resource#${id}`);
    expect(attempts).toMatchObject({ count: 1, lastIncident: out.incidentId });
    const [slots] = await ledgerItems('group#web');
    expect([...slots.holders]).toEqual([out.incidentId]);
    expect(automation.started).toHaveLength(1);
    const started = (await busEvents(stack)).find((e) => e.detailType === 'Remediation Started')!;
    expect(started.detail.evidence.groupCap).toMatchObject({ slot: 'acquired' });
  });
});
