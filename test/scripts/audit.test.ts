import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { handler as replaceInstance } from '../../functions/handlers/replace-instance';
import { handler as ssmAutomation } from '../../functions/handlers/ssm-automation';
import { handler as verifier } from '../../functions/handlers/verifier';
import { stubAutomation } from '../functions/sdk-probes';
import { alarmEvent, aws, createAsg, createStack, incidentRecords, playbook, putAlarm, request, runInstances, setAlarmState, setMode, TABLE, verifyBatch, type TestStack } from '../functions/stack';
import { audit } from './audit-run';

/**
 * `npm run audit` against moto, reading records the real handlers wrote:
 * ssm-automation acts (SSM Automation executions answered by stubAutomation,
 * which moto lacks), the verifier verifies, a second fault on the same
 * instance is skipped by the cooldown. Lambda execution is what moto lacks
 * besides: the test plays the verify queue's event source mapping.
 */
const status = playbook('status', ['reboot']);


/** Columns of one timeline line (two or more spaces apart), after the indent. */
function cells(line: string): string[] {
  return line.trim().split(/ {2,}/);
}

describe('npm run audit', () => {
  let stack: TestStack;
  let automation: Awaited<ReturnType<typeof stubAutomation>>;
  beforeEach(async () => {
    stack = await createStack({ maxConcurrentPerGroup: 2, maxPercentPerGroup: 100 });
    automation = await stubAutomation();
  });
  afterEach(() => automation.restore());

  /**
   * Fault 1 on `instance`: rebooted, then verified once its alarm is OK. The fault comes back
   * five minutes later (a new alarm transition = a new incident): skipped by the 30-minute cooldown,
   * and, the fault still failing with automation standing down, paged to humans.
   * Meanwhile another instance has its own incident.
   */
  async function rebootThenCooldown() {
    const [instance, other] = await runInstances(2);
    const name = await putAlarm('status', instance, 'InstanceId');
    const first = await ssmAutomation(request(status, alarmEvent(name, { InstanceId: instance }, '2026-11-25T10:00:00.000+0000')));
    await setAlarmState(name, 'OK');
    expect(await verifier(await verifyBatch(stack))).toEqual({ batchItemFailures: [] });
    await setAlarmState(name, 'ALARM');
    const second = await ssmAutomation(request(status, alarmEvent(name, { InstanceId: instance }, '2026-11-25T10:05:00.000+0000')));
    const otherName = await putAlarm('status', other, 'InstanceId');
    const third = await ssmAutomation(request(status, alarmEvent(otherName, { InstanceId: other })));
    expect([first.outcome, second.outcome, third.outcome]).toEqual(['succeeded', 'skipped', 'succeeded']);
    return { instance, other, first: first.incidentId!, second: second.incidentId!, third: third.incidentId! };
  }

  it('--incident prints one incident from alarm to outcome, oldest first: the plan it started, the result, the verification', async () => {
    // Prepare
    const { instance, first } = await rebootThenCooldown();
    // Act
    const run = await audit(['--table', TABLE, '--incident', first]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.lines[0]).toBe(`incident ${first} (playbook status, stage test, instance ${instance}): 3 decisions; last: Remediation Verified`);
    const rows = run.lines.slice(1).map(cells);
    expect(rows.map((r) => r.slice(1, 5))).toEqual([
      ['r0', 'ssm-automation', 'Remediation Started', `instance ${instance}`],
      ['r0', 'ssm-automation', 'Remediation Succeeded', `instance ${instance}`],
      ['r0', 'ssm-automation', 'Remediation Verified', `instance ${instance}`],
    ]);
    expect(rows.map((r) => r[0])).toEqual([...rows.map((r) => r[0])].sort());
    expect(rows[0][5]).toBe(`plan: StartAutomationExecution AWS-RestartEC2Instance on ${instance}; GetAutomationExecution until Success | Failed | TimedOut | Cancelled`);
    // The first execution the stand-in started was this instance's (the other instance's is exec-2).
    expect(automation.started[0].Parameters.InstanceId).toEqual([instance]);
    expect(rows[1][5]).toBe(`result: executionId=exec-1, documentName=AWS-RestartEC2Instance, status=Success`);
    expect(rows[2][5]).toBe(`alarm recovery-test-status-${instance} is OK after rung 0 (reboot)`);
  });

  it('--resource names every incident on the instance in order, the cooldown skip with its reason, and leaves other resources out', async () => {
    // Prepare
    const { instance, other, first, second, third } = await rebootThenCooldown();
    // Act
    const run = await audit(['--table', TABLE, '--resource', instance]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.out).not.toContain(third);
    expect(run.out).not.toContain(other);
    const headers = run.lines.filter((l) => l.startsWith('incident '));
    expect(headers.map((h) => h.split(' ')[1])).toEqual([first, second]);
    const decisions = run.lines.filter((l) => !l.startsWith('incident ')).map(cells);
    expect(decisions.map((d) => d[3])).toEqual(['Remediation Started', 'Remediation Succeeded', 'Remediation Verified', 'Remediation Skipped', 'Remediation Escalated']);
    expect(decisions[3][5]).toMatch(
      new RegExp(`^cooldown: ${instance} was remediated at \\S+ \\(incident ${first}\\); cooldown of 30 min lasts until \\S+$`),
    );
    // The cost is said, on stderr (stdout stays the timeline): one query per audit index, the 5 records of the instance.
    expect(run.err).toMatch(new RegExp(`^audit: queried the audit indexes of ${TABLE}: 3 queries, 5 matching records in 2 incidents, .* ms$`));
  });

  it('a failed runbook reads as Failed with the execution\'s end, then Escalated with the cause', async () => {
    // Prepare: the runbook ends Failed; the ladder has no further rung
    automation.restore();
    automation = await stubAutomation('Failed');
    const [instance] = await runInstances(1);
    const name = await putAlarm('status', instance, 'InstanceId');
    const out = await ssmAutomation(request(status, alarmEvent(name, { InstanceId: instance })));
    // Act
    const run = await audit(['--table', TABLE, '--incident', out.incidentId!]);
    // Assess
    expect(out.outcome).toBe('failed');
    expect(run.code).toBe(0);
    const rows = run.lines.slice(1).map(cells);
    expect(rows.map((r) => r[3])).toEqual(['Remediation Started', 'Remediation Failed', 'Remediation Escalated']);
    expect(rows[1][5]).toBe('automation exec-1 ended Failed; result: executionId=exec-1, documentName=AWS-RestartEC2Instance, status=Failed');
    expect(rows[2][5]).toMatch(/^rung 0 \(reboot\) failed: automation exec-1 ended Failed; ladder of playbook status exhausted: paging humans/);
  });

  it('a dry-run decision shows its mode and the plan it would have run', async () => {
    // Prepare
    await setMode('dry-run');
    const [instance] = await runInstances(1);
    const name = await putAlarm('status', instance, 'InstanceId');
    const out = await ssmAutomation(request(status, alarmEvent(name, { InstanceId: instance })));
    // Act
    const run = await audit(['--table', TABLE, '--resource', instance]);
    // Assess
    expect(run.code).toBe(0);
    expect(automation.started).toHaveLength(0);
    expect(cells(run.lines[1]).slice(3)).toEqual([
      'Remediation Skipped',
      `instance ${instance}`,
      `[dry-run] dry-run: guards passed; this is what would be done; plan: StartAutomationExecution AWS-RestartEC2Instance on ${instance}; GetAutomationExecution until Success | Failed | TimedOut | Cancelled`,
    ]);
    expect(run.lines[0]).toContain(out.incidentId!);
  });

  it('--json prints the ledger records themselves, in timeline order', async () => {
    // Prepare
    const { instance, first, second } = await rebootThenCooldown();
    // Act
    const run = await audit(['--table', TABLE, '--resource', instance, '--json']);
    // Assess
    expect(run.code).toBe(0);
    const records = JSON.parse(run.out);
    expect(records).toEqual([...(await incidentRecords(first)), ...(await incidentRecords(second))]);
    expect(records.map((r: { detailType: string }) => r.detailType)).toEqual(['Remediation Started', 'Remediation Succeeded', 'Remediation Verified', 'Remediation Skipped', 'Remediation Escalated']);
  });

  it('--resource with an Auto Scaling group name finds its members\' incidents, as does the member id', async () => {
    // Prepare: a member of group web alarms on its own InstanceId
    await createAsg('web', 2);
    const { AutoScalingGroups } = await aws().asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }));
    const member = AutoScalingGroups![0].Instances![0].InstanceId!;
    const name = await putAlarm('status', member, 'InstanceId');
    // A group member is replaced, never rebooted (the group would terminate a stopped member).
    const out = await replaceInstance(request(playbook('status', ['replace-instance']), alarmEvent(name, { InstanceId: member })));
    // Act
    const [byGroup, byMember] = [await audit(['--table', TABLE, '--resource', 'web']), await audit(['--table', TABLE, '--resource', member])];
    // Assess
    expect(out.outcome).toBe('succeeded');
    for (const run of [byGroup, byMember]) {
      expect(run.code).toBe(0);
      expect(run.lines[0]).toMatch(new RegExp(`^incident ${out.incidentId!} \\(playbook status, stage test, instance ${member}\\): 2 decisions`));
    }
  });

  it('--since is a window ending now: decisions older than it are not shown, and none found exits 1 saying so', async () => {
    // Prepare: the command's clock two hours after the decisions
    const { instance, first } = await rebootThenCooldown();
    const later = Date.now() + 2 * 3600_000;
    // Act
    const [narrow, wide] = [await audit(['--table', TABLE, '--resource', instance, '--since', '1h'], later), await audit(['--table', TABLE, '--resource', instance, '--since', '3h'], later)];
    // Assess
    expect(narrow.code).toBe(1);
    expect(narrow.out).toBe('');
    expect(narrow.err).toContain(`audit: no decisions about ${instance} in ${TABLE}`);
    expect(narrow.err).toContain('widen --since');
    expect(wide.code).toBe(0);
    expect(wide.lines[0]).toContain(first);
  });

  it('--scan stops at the scan bound with exit 3 and prints no partial timeline; a higher --max-pages reads to the end', async () => {
    // Prepare: one real incident, and enough other ledger bulk (not audit records: idempotency-sized
    // padding under its own pk family, which the filter never matches) that a scan takes 3 pages of 1 MB.
    const [instance] = await runInstances(1);
    const name = await putAlarm('status', instance, 'InstanceId');
    const acted = await ssmAutomation(request(status, alarmEvent(name, { InstanceId: instance })));
    const padding = 'x'.repeat(100_000);
    for (let batch = 0; batch < 2; batch++) {
      const items = Array.from({ length: 13 }, (_, i) => ({ PutRequest: { Item: { pk: `bulk#${batch}-${i}`, sk: 'padding', padding } } }));
      await aws().docs.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items } }));
    }
    // Act
    const [bounded, enough] = [await audit(['--table', TABLE, '--resource', instance, '--scan', '--max-pages', '1']), await audit(['--table', TABLE, '--resource', instance, '--scan', '--max-pages', '5'])];
    // Assess
    expect(bounded.code).toBe(3);
    expect(bounded.out).toBe('');
    expect(bounded.err).toMatch(new RegExp(`^audit: stopped after 1 scan pages of ${TABLE} \\(\\d+ items read.*\\) without reaching the end of the table.*Raise --max-pages`));
    expect(enough.code).toBe(0);
    expect(enough.lines[0]).toContain(acted.incidentId!);
    expect(enough.err).toMatch(/scanned .*: 3 pages, /);
  });

  it('runs as npm run audit does (tsx entry): exit 0 with the timeline on stdout', async () => {
    // Prepare
    const { first } = await rebootThenCooldown();
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../scripts/audit/main.ts'), '--table', TABLE, '--incident', first], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
      env: process.env,
    });
    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toContain(`incident ${first}`);
    expect(run.stdout).toContain('Remediation Verified');
  });
});
