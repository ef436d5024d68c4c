import { handler } from '../../functions/handlers/ssm-automation';
import { countMutations, stubAutomation } from './sdk-probes';
import { alarmEvent, createStack, ledgerItems, playbook, putAlarm, request, runInstances } from './stack';

/**
 * Malformed or hostile events: each is rejected with an error that names the
 * problem, before any AWS call that changes anything. Mutating calls are
 * counted by middleware on the functions' own SDK clients (all services,
 * including the ledger and the bus), not by what the handler reports.
 */
type Case = [string, (valid: any) => unknown, RegExp];

const cases: Case[] = [
  ['null', () => null, /must be a JSON object, got null/],
  ['an array', () => [], /must be a JSON object, got array/],
  ['a string', () => 'reboot everything', /must be a JSON object, got string/],
  ['an empty object', () => ({}), /invalid remediation request: version/],
  ['an unknown envelope version', (v) => ({ ...v, version: 2 }), /version/],
  ['no playbook', (v) => ({ ...v, playbook: undefined }), /playbook/],
  ['a playbook name with path characters', (v) => ({ ...v, playbook: { ...v.playbook, name: '../../etc/passwd' } }), /playbook\.name/],
  ['a negative rung', (v) => ({ ...v, rung: -1 }), /rung/],
  ['a fractional rung', (v) => ({ ...v, rung: 0.5 }), /rung/],
  ['a rung beyond the ladder', (v) => ({ ...v, rung: 1, incidentId: 'inc-0123456789abcdef' }), /rung 1 is beyond playbook status's ladder of 1/],
  ['a notify-only playbook', (v) => ({ ...v, playbook: { ...v.playbook, ladder: [] } }), /notify-only \(empty ladder\)/],
  ['a rung of another action kind', (v) => ({ ...v, playbook: { ...v.playbook, ladder: ['restore-volume'] } }), /runs restore-volume, but this is the ssm-automation function/],
  ['a mismatched action field', (v) => ({ ...v, action: 'replace-instance' }), /request\.action is replace-instance/],
  ['an escalation without incidentId', (v) => ({ ...v, playbook: { ...v.playbook, ladder: ['reboot', 'reboot'] }, rung: 1 }), /must carry incidentId/],
  ['a malformed incidentId', (v) => ({ ...v, incidentId: 'inc-<script>' }), /incidentId/],
  ['another detail-type', (v) => ({ ...v, event: { ...v.event, 'detail-type': 'AWS API Call via CloudTrail' } }), /event\.detail-type/],
  ['a spoofed source', (v) => ({ ...v, event: { ...v.event, source: 'custom.attacker' } }), /event\.source/],
  ['an OK transition', (v) => ({ ...v, event: { ...v.event, detail: { ...v.event.detail, state: { ...v.event.detail.state, value: 'OK' } } } }), /state\.value is OK; only ALARM/],
  ['an alarm of another stage', (v) => ({ ...v, event: { ...v.event, detail: { ...v.event.detail, alarmName: 'recovery-prod-status-i-0123456789abcdef0' } } }), /does not belong to playbook status of stage test/],
  ['an injected instance id', (v) => withDimensions(v, { InstanceId: 'i-0123; aws ec2 terminate-instances' }), /InstanceId=.* is not a valid instance id/],
  ['no resource dimension', (v) => withDimensions(v, { FunctionName: 'x' }), /names no resource/],
  ['two instances in one alarm', (v) => withMetrics(v, [metric({ InstanceId: 'i-0123456789abcdef0' }), metric({ InstanceId: 'i-0fedcba9876543210' })]), /name 2 resources/],
  ['a bad account id', (v) => ({ ...v, event: { ...v.event, account: 'attacker' } }), /event\.account/],
  ['an oversized event', (v) => ({ ...v, event: { ...v.event, detail: { ...v.event.detail, padding: 'x'.repeat(300_000) } } }), /bytes; the limit is 262144/],
  ['no metrics', (v) => withMetrics(v, []), /metrics/],
];

function metric(dimensions: Record<string, string>) {
  return { id: 'm', metricStat: { metric: { namespace: 'AWS/EC2', name: 'StatusCheckFailed', dimensions } } };
}
function withMetrics(v: any, metrics: unknown[]) {
  return { ...v, event: { ...v.event, detail: { ...v.event.detail, configuration: { metrics } } } };
}
function withDimensions(v: any, dimensions: Record<string, string>) {
  return withMetrics(v, [metric(dimensions)]);
}

describe('malformed and hostile events', () => {
  let valid: any;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  beforeAll(async () => {
    await createStack();
    const [id] = await runInstances(1);
    const name = await putAlarm('status', id, 'InstanceId');
    valid = request(playbook('status', ['reboot']), alarmEvent(name, { InstanceId: id }));
  });
  beforeEach(async () => {
    automation = await stubAutomation();
  });
  afterEach(() => automation.restore());

  it('has at least 15 kinds', () => {
    expect(new Set(cases.map((c) => c[0])).size).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('rejects %s with a clear error and no mutating call', async (_kind, make, message) => {
    // Prepare
    const counter = await countMutations();
    // Act
    const result = handler(make(JSON.parse(JSON.stringify(valid))));
    // Assess
    await expect(result).rejects.toThrow(message);
    await counter.detach();
    expect(counter.all).toEqual([]);
    expect(automation.started).toEqual([]);
    expect(await ledgerItems()).toEqual([]);
  });

  it('still acts on the valid event it was derived from (the cases fail for their defect only)', async () => {
    // Act
    const out = await handler(valid);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(automation.started).toHaveLength(1);
  });
});
