import { performance } from 'node:perf_hooks';
import { DescribeAutoScalingGroupsCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DescribeInstancesCommand, ModifyInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import { handler } from '../functions/handlers/replace-instance';
import * as sdk from '../functions/runtime/sdk';
import { alarmEvent, aws, createStack, playbook, removeMuteRuleStandIn, request } from '../test/functions/stack';
import { dropBusObserver, seedAlarms, seedGroups, type BenchSandbox } from './emulator';
import { percentile, round, summary } from './stats';
import { lambdaContext } from './lambda-context';

/**
 * (1) Overhead per fault. The real replace-instance handler (source, in
 * process) on ASG members against moto, interleaved with the bare SDK calls
 * the action itself makes for the same job (read the instance for its group
 * and volumes, read the group, keep the volumes the termination would delete
 * (DeleteOnTermination off, tagged), terminate in the group without
 * decrementing, poll until a fresh member is InService): no validation,
 * guards, diagnosis, ledger or events. Every event targets a
 * distinct instance and the guardrails allow them all (caps above the fleet),
 * so no guard skips and both sides mutate every time.
 *
 * "First mutation" is stamped by a middleware on the handler's own clients
 * (functions/runtime/sdk.ts) at the first non-read call to EC2/Auto Scaling/SSM.
 */
export interface OverheadResult {
  events: number;
  fleet: { groups: number; perGroup: number };
  /** AWS requests sent per event by each side: against one moto process their cost adds up whatever runs concurrently. */
  callsPerEvent: { guarded: number; bare: number };
  /**
   * AWS round trips in sequence per event (median): the longest chain of calls each sent once the one
   * before it answered (see inSequence). On AWS, where calls to different services do not queue behind
   * each other, this (not the call count) is what the handler's own latency follows.
   */
  sequentialRounds: { guarded: number; bare: number };
  /** The second guarded event's calls in the order sent, each with its place in that chain (round) and when it was sent and answered (ms after handler entry). */
  trace: Array<{ call: string; round: number; sentMs: number; answeredMs: number }>;
  guarded: { toFirstMutationMs: ReturnType<typeof summary>; totalMs: ReturnType<typeof summary>; awaitingAwsMs: ReturnType<typeof summary>; ownMs: ReturnType<typeof summary>; outcomes: Record<string, number> };
  bare: { toFirstMutationMs: ReturnType<typeof summary>; totalMs: ReturnType<typeof summary>; awaitingAwsMs: ReturnType<typeof summary> };
  ratio: { toFirstMutationP50: number; toFirstMutationP99: number; totalP50: number; totalP99: number };
  /**
   * The guarded handler's time with at least one AWS call in flight (awaitingAwsMs), over the bare
   * path's whole time: the ratio the guarded path would have if its own code (validation, guards'
   * judging, logging, JSON) took no time at all. At or above the target, no speed-up of our code can
   * meet it against this emulator; only sending fewer calls can.
   */
  floorRatio: { totalP50: number; totalP99: number };
}

const READ = /^(Describe|Get|List)/;

export async function overhead(sb: BenchSandbox, events: number, log: (s: string) => void): Promise<OverheadResult> {
  const perGroup = 20;
  const groups = Math.ceil((2 * events) / perGroup);
  await createStack({ maxConcurrentPerGroup: 1000, maxPercentPerGroup: 100, cooldownMinutes: 1, maxAttemptsPerDay: 100 });
  // The handler tests answer ListAlarmMuteRules in process (moto lacks it); here it goes over HTTP to
  // the gap proxy like every other call, so it is timed and counted as on AWS.
  removeMuteRuleStandIn();
  // The deployed functions' kill-switch cache (the test stack turns it off to flip modes at once).
  delete process.env.MODE_CACHE_SECONDS;
  await dropBusObserver();
  sb.useProxy();
  const a = aws();
  log(`  seeding ${groups} groups x ${perGroup} instances`);
  const members = (await seedGroups('bench', groups, perGroup)).map((m) => m.id);
  // Interleave: even-indexed instances guarded, odd bare, so moto's growth hits both alike.
  const guardedTargets = members.filter((_, i) => i % 2 === 0).slice(0, events);
  const bareTargets = members.filter((_, i) => i % 2 === 1).slice(0, events);
  const alarms = await seedAlarms(guardedTargets);

  // Build the handler's clients up front and stamp its first fleet mutation.
  await Promise.all([sdk.ec2(), sdk.autoscaling(), sdk.ssm(), sdk.dynamodb(), sdk.events(), sdk.sqs(), sdk.cloudwatch(), sdk.health()]);
  let firstMutation: number | undefined;
  // AWS calls per event on each side, counted where they leave the SDK (retries included).
  const calls = { guarded: 0, bare: 0 };
  const count = (side: keyof typeof calls) => (next: (x: unknown) => Promise<unknown>) => async (args: unknown) => {
    calls[side]++;
    return next(args);
  };
  for (const client of Object.values(await sdk.builtClients())) client.middlewareStack.add(count('guarded'), { step: 'finalizeRequest', name: 'benchCallCount' });
  a.asg.middlewareStack.add(count('bare') as never, { step: 'finalizeRequest', name: 'benchCallCount' });
  a.ec2.middlewareStack.add(count('bare') as never, { step: 'finalizeRequest', name: 'benchCallCount' });
  // Each call's send and answer times (per side, reset per event) give the chain of calls in sequence.
  const spans = { guarded: [] as Span[], bare: [] as Span[] };
  const span = (side: keyof typeof spans, service: string) => (next: (x: unknown) => Promise<unknown>, ctx: { commandName?: string }) => async (args: unknown) => {
    const s: Span = { call: `${service}:${(ctx.commandName ?? '?').replace(/Command$/, '')}`, start: performance.now(), end: Infinity };
    spans[side].push(s);
    try {
      return await next(args);
    } finally {
      s.end = performance.now();
    }
  };
  for (const [key, client] of Object.entries(await sdk.builtClients())) client.middlewareStack.add(span('guarded', key), { step: 'initialize', name: 'benchSpan' });
  a.asg.middlewareStack.add(span('bare', 'autoscaling') as never, { step: 'initialize', name: 'benchSpan' });
  a.ec2.middlewareStack.add(span('bare', 'ec2') as never, { step: 'initialize', name: 'benchSpan' });
  const rounds = { guarded: [] as number[], bare: [] as number[] };
  let trace: OverheadResult['trace'] = [];
  for (const [key, client] of Object.entries(await sdk.builtClients())) {
    if (!['ec2', 'autoscaling', 'ssm'].includes(key)) continue;
    client.middlewareStack.add(
      (next: (x: unknown) => Promise<unknown>, ctx: { commandName?: string }) => async (args: unknown) => {
        if (firstMutation === undefined && !READ.test(ctx.commandName ?? '')) firstMutation = performance.now();
        return next(args);
      },
      { step: 'initialize', name: 'benchFirstMutation' },
    );
  }
  const poll = Number(process.env.POLL_INTERVAL_MS ?? '5');
  const g = { first: [] as number[], total: [] as number[], aws: [] as number[], own: [] as number[], outcomes: {} as Record<string, number> };
  const b = { first: [] as number[], total: [] as number[], aws: [] as number[] };
  for (let i = 0; i < events; i++) {
    // Guarded: the real handler.
    const id = guardedTargets[i];
    firstMutation = undefined;
    spans.guarded = [];
    spans.bare = [];
    const t0 = performance.now();
    const out = await handler(request(playbook('status', ['replace-instance']), alarmEvent(alarms.get(id)!, { InstanceId: id })), lambdaContext('recovery-bench-replace-instance') as never);
    const t1 = performance.now();
    g.outcomes[out.outcome] = (g.outcomes[out.outcome] ?? 0) + 1;
    if (firstMutation !== undefined) g.first.push(firstMutation - t0);
    g.total.push(t1 - t0);
    const guardedAws = inFlight(spans.guarded);
    g.aws.push(guardedAws);
    g.own.push(t1 - t0 - guardedAws);

    // Bare: the same job with the SDK alone.
    const bid = bareTargets[i];
    const s0 = performance.now();
    const inst = (await a.ec2.send(new DescribeInstancesCommand({ InstanceIds: [bid] }))).Reservations![0].Instances![0];
    const groupName = inst.Tags!.find((t) => t.Key === 'aws:autoscaling:groupName')!.Value!;
    const before = (await a.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }))).AutoScalingGroups![0];
    const s1 = performance.now();
    const doomed = (inst.BlockDeviceMappings ?? []).filter((m) => m.Ebs?.DeleteOnTermination);
    if (doomed.length) {
      await a.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: bid, BlockDeviceMappings: doomed.map((m) => ({ DeviceName: m.DeviceName, Ebs: { DeleteOnTermination: false } })) }));
      await a.ec2.send(new CreateTagsCommand({ Resources: doomed.map((m) => m.Ebs!.VolumeId!), Tags: [{ Key: 'recovery:state', Value: 'retained' }] }));
    }
    await a.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: bid, ShouldDecrementDesiredCapacity: false }));
    const known = new Set(before.Instances!.map((m) => m.InstanceId));
    for (;;) {
      const grp = (await a.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }))).AutoScalingGroups![0];
      const inService = grp.Instances!.filter((m) => m.LifecycleState === 'InService' && m.InstanceId !== bid);
      if (inService.some((m) => !known.has(m.InstanceId)) && inService.length >= grp.DesiredCapacity!) break;
      await new Promise((r) => setTimeout(r, poll));
    }
    b.first.push(s1 - s0);
    b.total.push(performance.now() - s0);
    b.aws.push(inFlight(spans.bare));
    const chain = { guarded: inSequence(spans.guarded), bare: inSequence(spans.bare) };
    rounds.guarded.push(Math.max(0, ...chain.guarded.map((c) => c.round)));
    rounds.bare.push(Math.max(0, ...chain.bare.map((c) => c.round)));
    // The second event: the first also loads modules and builds clients on the way.
    if (i === Math.min(1, events - 1)) trace = chain.guarded.map((c) => ({ ...c, sentMs: round(c.sentMs - t0, 1), answeredMs: round(c.answeredMs - t0, 1) }));
    if ((i + 1) % Math.max(1, Math.floor(events / 5)) === 0) log(`  ${i + 1}/${events} events`);
  }
  const gs = { toFirstMutationMs: summary(g.first), totalMs: summary(g.total), awaitingAwsMs: summary(g.aws), ownMs: summary(g.own), outcomes: g.outcomes };
  const bs = { toFirstMutationMs: summary(b.first), totalMs: summary(b.total), awaitingAwsMs: summary(b.aws) };
  return {
    events,
    fleet: { groups, perGroup },
    callsPerEvent: { guarded: round(calls.guarded / events, 1), bare: round(calls.bare / events, 1) },
    sequentialRounds: { guarded: percentile(rounds.guarded, 50), bare: percentile(rounds.bare, 50) },
    trace,
    guarded: gs,
    bare: bs,
    ratio: {
      toFirstMutationP50: round(gs.toFirstMutationMs.p50 / bs.toFirstMutationMs.p50),
      toFirstMutationP99: round(gs.toFirstMutationMs.p99 / bs.toFirstMutationMs.p99),
      totalP50: round(gs.totalMs.p50 / bs.totalMs.p50),
      totalP99: round(gs.totalMs.p99 / bs.totalMs.p99),
    },
    floorRatio: { totalP50: round(gs.awaitingAwsMs.p50 / bs.totalMs.p50), totalP99: round(gs.awaitingAwsMs.p99 / bs.totalMs.p99) },
  };
}

interface Span {
  call: string;
  start: number;
  end: number;
}

/**
 * Each call's round: 1 + the round of the call it waited for, taken to be the
 * one answered last before it was sent (a call sent with nothing answered
 * before it is in round 1). The highest round is the number of round trips
 * the event waited for one after another: the critical path, not counting
 * calls that merely finished earlier alongside it.
 */
function inSequence(spans: Span[]): Array<{ call: string; round: number; sentMs: number; answeredMs: number }> {
  const sorted = [...spans].sort((x, y) => x.start - y.start);
  const out: Array<Span & { round: number }> = [];
  for (const s of sorted) {
    const waitedFor = out.filter((o) => o.end <= s.start).reduce<(Span & { round: number }) | undefined>((last, o) => (!last || o.end > last.end ? o : last), undefined);
    out.push({ ...s, round: 1 + (waitedFor?.round ?? 0) });
  }
  return out.map(({ call, round, start, end }) => ({ call, round, sentMs: start, answeredMs: end }));
}

/** Time (ms) during which at least one of `spans` was in flight: the union of their intervals. */
export function inFlight(spans: Array<{ start: number; end: number }>): number {
  let total = 0;
  let open: { from: number; to: number } | undefined;
  for (const s of [...spans].sort((x, y) => x.start - y.start)) {
    if (open && s.start <= open.to) open.to = Math.max(open.to, s.end);
    else {
      if (open) total += open.to - open.from;
      open = { from: s.start, to: s.end };
    }
  }
  return open ? total + (open.to - open.from) : 0;
}
