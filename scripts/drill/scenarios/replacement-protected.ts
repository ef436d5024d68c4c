import { DescribeAlarmsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch';
import { DATA_DEVICE, type Fleet, type SeededInstance } from '../fleet';
import { address, instance, instancesTagged, tagsOf, volume, volumesAt } from './fleet-state';
import { check, eventsFor, handedToHumansChecks, type Scenario, type ScenarioEnv } from './scenario';

/**
 * A standalone instance with a data volume and an Elastic IP hangs for good; its ladder is
 * replace-instance alone. The replacement must take the data volume (same device) and the address,
 * and be watched before the function returns: a second fault, on the replacement, is then detected
 * by the alarm the function created at run time (the synthesized stack has none for it) and
 * recovered the same way, with no redeploy in between.
 */
interface Seed {
  i: SeededInstance;
}

const LADDER = ['replace-instance'];

/** The deployed instance-status alarm on `id` (its playbook is named after the target's ladder). */
function deployedStatusAlarm(env: ScenarioEnv, id: string): string {
  const name = [...env.deployment.alarms.keys()].find((n) => n.startsWith(`recovery-${env.stage}-ec2-instance-status`) && n.endsWith(`-${id}`));
  if (!name) throw new Error(`the synthesized stack has no ec2-instance-status alarm on ${id}`);
  return name;
}

/** The replacement of `id` (recovery:replaces), if any. */
async function successor(env: ScenarioEnv, id: string): Promise<string | undefined> {
  const found = (await instancesTagged(env.clients, 'recovery:replaces', id)).filter((i) => tagsOf(i)['recovery:state'] !== 'failed-replacement');
  return found[0]?.InstanceId;
}

export const replacementProtected: Scenario<Seed> = {
  name: 'replacement-protected',
  title: 'Standalone replacement keeps data and protection',
  fault: 'EC2 instance status impaired for good on a standalone instance with a data volume and an Elastic IP; later the same on its replacement',
  expected: 'replaced with the data volume and address moved; the replacement watched by a run-time alarm; its own fault recovered the same way without a redeploy',
  expectedUnder: (g) => (g.requireApprovalForDestructive ? 'replace-instance handed to humans for approval; instance kept' : replacementProtected.expected),
  async seed(fleet: Fleet) {
    return { i: await fleet.standalone('keepdata', 'drill-db-9', { snapshots: 0, elasticIp: true }) };
  },
  targets: (s) => [{ kind: 'instance', id: s.i.instanceId, ladder: LADDER }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'instance-status', resourceId: s.i.instanceId, survivesRestart: true });
    return [deployedStatusAlarm(env, s.i.instanceId)];
  },
  async nextFault(env, s, timeline) {
    const first = await successor(env, s.i.instanceId);
    if (!first || env.guardrails.requireApprovalForDestructive) return [];
    env.proxy.impairments.inject({ kind: 'instance-status', resourceId: first, survivesRestart: true });
    timeline.add('fault', `EC2 instance status impaired for good on the replacement ${first}`);
    return [deployedStatusAlarm(env, s.i.instanceId).replace(new RegExp(`${s.i.instanceId}$`), first)];
  },
  async recovered(env, s) {
    const first = await successor(env, s.i.instanceId);
    const last = first && ((await successor(env, first)) ?? first);
    return !!last && (await instance(env.clients, last))?.State?.Name === 'running' && (await volumesAt(env.clients, last, DATA_DEVICE)).length === 1;
  },
  async judge(env, s) {
    const old = await instance(env.clients, s.i.instanceId);
    if (env.guardrails.requireApprovalForDestructive) {
      return {
        outcome: `handed to humans; ${s.i.instanceId} ${old?.State?.Name}`,
        checks: [
          ...handedToHumansChecks(env, [s.i.instanceId]),
          check('the instance keeps its data volume', (await volumesAt(env.clients, s.i.instanceId, DATA_DEVICE))[0]?.VolumeId === s.i.dataVolumeId, `${DATA_DEVICE} on ${s.i.instanceId}`),
        ],
      };
    }
    const first = await successor(env, s.i.instanceId);
    const second = first ? await successor(env, first) : undefined;
    const r1 = first ? await instance(env.clients, first) : undefined;
    const r2 = second ? await instance(env.clients, second) : undefined;
    const eip = await address(env.clients, s.i.allocationId!);
    const data = await volume(env.clients, s.i.dataVolumeId!);
    const attachedTo = data?.Attachments?.find((a) => a.State === 'attached');
    const r1Alarm = first ? deployedStatusAlarm(env, s.i.instanceId).replace(new RegExp(`${s.i.instanceId}$`), first) : '-';
    const r1Watched = first ? (await env.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [r1Alarm] }))).MetricAlarms?.[0] : undefined;
    const r1Tags = r1Watched?.AlarmArn ? tagsOf({ Tags: (await env.clients.cloudwatch.send(new ListTagsForResourceCommand({ ResourceARN: r1Watched.AlarmArn }))).Tags }) : {};
    const r1Fired = env.cloudwatch.transitions.filter((t) => t.alarmName === r1Alarm && t.to === 'ALARM');
    const r2Alarm = second ? r1Alarm.replace(new RegExp(`${first}$`), second) : '-';
    const r2Watched = second ? (await env.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [r2Alarm] }))).MetricAlarms?.[0] : undefined;
    const verified = eventsFor(env, [s.i.instanceId, ...(first ? [first] : [])], 'Remediation Verified');
    const rootsKept = await Promise.all([old, r1].map(async (i) => (i?.BlockDeviceMappings ?? []).every((b) => b.Ebs?.VolumeId)));
    const checks = [
      check('the original was replaced, stopped and kept (not terminated)', !!first && old?.State?.Name === 'stopped' && tagsOf(old)['recovery:state'] === 'retired', `${s.i.instanceId}: ${old?.State?.Name}, replaced by ${first ?? 'nothing'}`),
      check('the replacement was watched before the function returned (run-time alarm, not deployed)', !!r1Watched && !env.deployment.alarms.has(r1Alarm) && !!r1Tags['recovery-stack:carried-from'], `${r1Alarm}: ${r1Watched ? `carried from ${r1Tags['recovery-stack:carried-from']}` : 'missing'}`),
      check("the replacement's own fault was detected by that alarm", r1Fired.length >= 1, `${r1Fired.length} ALARM transition(s) of ${r1Alarm}`),
      check('the replacement was itself replaced, stopped and kept', !!second && r1?.State?.Name === 'stopped' && tagsOf(r1)['recovery:state'] === 'retired', `${first ?? '-'}: ${r1?.State?.Name ?? '-'}, replaced by ${second ?? 'nothing'}`),
      check('the data volume followed each replacement (same device, never deleted)', !!second && attachedTo?.InstanceId === second && attachedTo?.Device === DATA_DEVICE, `${s.i.dataVolumeId}: ${data ? `${attachedTo?.InstanceId ?? 'detached'} ${attachedTo?.Device ?? ''}` : 'DELETED'}`),
      check('the Elastic IP followed', !!second && eip?.InstanceId === second, `${s.i.publicIp} -> ${eip?.InstanceId}`),
      check('the last replacement runs and is watched', r2?.State?.Name === 'running' && !!r2Watched, `${second ?? '-'}: ${r2?.State?.Name ?? '-'}; ${r2Alarm}: ${r2Watched ? 'exists' : 'missing'}`),
      check('the retired instances keep their root volumes', rootsKept.every(Boolean), `${s.i.instanceId}, ${first ?? '-'}`),
      check('both faults were verified', verified.length >= 2, `${verified.length} Remediation Verified event(s)`),
      check('each replacement names the protected instance as its lineage', tagsOf(r1)['recovery:lineage'] === s.i.instanceId && tagsOf(r2)['recovery:lineage'] === s.i.instanceId, `${tagsOf(r1)['recovery:lineage'] ?? '-'}, ${tagsOf(r2)['recovery:lineage'] ?? '-'}`),
    ];
    return { outcome: second ? `${s.i.instanceId} -> ${first} -> ${second}, data and address moved each time` : `replaced ${first ? 'once' : 'never'}`, checks };
  },
};
