import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { FUNCTIONS } from '../functions/catalog';
import { groupLimit } from '../functions/guards/group-cap';
import { Guardrails } from '../functions/contracts/guardrails';
import { bundleFunction } from '../infra/functions/bundle';
import { alarmEvent, aws, createStack, playbook, request } from '../test/functions/stack';
import { dropBusObserver, seedAlarms, seedGroups, type BenchSandbox } from './emulator';
import { round } from './stats';

/**
 * (2) Alarm storm. `events` alarm deliveries for a fleet of `fleet` ASG
 * members in groups of `perGroup`, spread over `workers` child processes that
 * each run the *built* replace-instance bundle `concurrency` at a time. Every
 * instance gets several deliveries: repeats of one transition (idempotency)
 * and new transitions (cooldown, group caps). All guards run for real against
 * the ledger in moto. Expected: fleet mutations == sum of the group caps, no
 * instance acted on twice.
 */
export interface StormResult {
  events: number;
  fleet: number;
  groups: number;
  perGroup: number;
  workers: number;
  concurrency: number;
  expectedActions: number;
  actions: number;
  terminatedInMoto: number;
  duplicates: number;
  outcomes: Record<string, number>;
  errors: string[];
  seconds: number;
  eventsPerSecond: number;
}

export async function storm(sb: BenchSandbox, o: { events: number; fleet: number; perGroup: number; workers: number; concurrency: number }, log: (s: string) => void): Promise<StormResult> {
  const guardrails = { maxConcurrentPerGroup: 2, maxPercentPerGroup: 50, cooldownMinutes: 30, maxAttemptsPerDay: 3 };
  await createStack(guardrails);
  // The deployed functions' kill-switch cache (the test stack turns it off to flip modes at once).
  delete process.env.MODE_CACHE_SECONDS;
  await dropBusObserver();
  const groups = Math.ceil(o.fleet / o.perGroup);
  log(`  seeding ${groups} groups x ${o.perGroup} instances`);
  const a = aws();
  const members = await seedGroups('storm', groups, o.perGroup);
  const alarms = await seedAlarms(members.map((m) => m.id));
  const expectedActions = groups * groupLimit(o.perGroup, Guardrails.parse(guardrails));

  // Deliveries: round-robin over the fleet; the k-th delivery to an instance is
  // transition floor(k/2) (so each transition is delivered twice).
  const reqs = Array.from({ length: o.events }, (_, i) => {
    const m = members[i % members.length];
    const k = Math.floor(i / members.length);
    const ts = new Date(Date.UTC(2026, 10, 25, 10, Math.floor(k / 2))).toISOString().replace('Z', '+0000');
    return { instanceId: m.id, request: request(playbook('status', ['replace-instance']), alarmEvent(alarms.get(m.id)!, { InstanceId: m.id }, ts)) };
  });

  const spec = FUNCTIONS.find((f) => f.name === 'replace-instance')!;
  const dir = mkdtempSync(path.join(tmpdir(), 'recovery-bench-'));
  const bundle = path.join(dir, 'index.js');
  writeFileSync(bundle, (await bundleFunction(spec)).code);
  sb.useProxy();
  const env = { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };

  log(`  ${o.events} events -> ${o.workers} workers x ${o.concurrency} in flight`);
  const t0 = performance.now();
  const slices = Array.from({ length: o.workers }, (_, w) => reqs.filter((_, i) => i % o.workers === w));
  const results = (
    await Promise.all(
      slices.map(
        (slice) =>
          new Promise<Array<{ instanceId: string; outcome: string; reason?: string }>>((resolve, reject) => {
            const child = fork(path.join(__dirname, 'storm-worker.ts'), [], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
            child.once('message', (m) => resolve(m as never));
            child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`storm worker exited with ${code}`))));
            child.send({ bundle, concurrency: o.concurrency, requests: slice });
          }),
      ),
    )
  ).flat();
  const seconds = (performance.now() - t0) / 1000;

  const outcomes: Record<string, number> = {};
  const acted = new Map<string, number>();
  const errors = new Set<string>();
  for (const r of results) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    if (r.outcome === 'succeeded' || r.outcome === 'failed') acted.set(r.instanceId, (acted.get(r.instanceId) ?? 0) + 1);
    if (r.outcome === 'error' && r.reason) errors.add(r.reason.slice(0, 200));
  }
  // Independent of what the handler says: originals moto shows as terminated.
  const ids = new Set(members.map((m) => m.id));
  let terminatedInMoto = 0;
  let token: string | undefined;
  do {
    const page = await a.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['terminated', 'shutting-down'] }], NextToken: token }));
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (ids.has(i.InstanceId!)) terminatedInMoto++;
    token = page.NextToken;
  } while (token);
  return {
    events: o.events,
    fleet: members.length,
    groups,
    perGroup: o.perGroup,
    workers: o.workers,
    concurrency: o.concurrency,
    expectedActions,
    actions: [...acted.values()].reduce((x, y) => x + y, 0),
    terminatedInMoto,
    duplicates: [...acted.values()].filter((n) => n > 1).length,
    outcomes,
    errors: [...errors].slice(0, 5),
    seconds: round(seconds),
    eventsPerSecond: round(o.events / seconds, 1),
  };
}
