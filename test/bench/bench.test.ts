import { withSandbox } from '../../bench/emulator';
import { fleetScale } from '../../bench/fleet';
import { inFlight, overhead } from '../../bench/overhead';
import { parseBenchArgs } from '../../bench/run';
import { storm } from '../../bench/storm';
import { motoEndpoint } from '../support/aws';

/**
 * The benchmark code paths with tiny counts. Only correctness is asserted
 * (every guarded event acts, storm actions == group caps with no instance
 * acted on twice, rules independent of fleet size); timings are the bench's
 * business (npm run bench), never a test's.
 */
const quiet = () => undefined;

describe('bench', () => {
  it('overhead: the guarded handler and the bare calls both act on every event', async () => {
    // Prepare / Act
    const r = await withSandbox((sb) => overhead(sb, 3, quiet), motoEndpoint());
    // Assess
    expect(r.guarded.outcomes).toEqual({ succeeded: 3 });
    expect(r.guarded.toFirstMutationMs.n).toBe(3);
    expect(r.bare.totalMs.n).toBe(3);
    // Every guard's call goes over HTTP, the alarm mute rules included (the tests' in-process stand-in is off).
    expect(r.trace.map((c) => c.call)).toContain('cloudwatch:ListAlarmMuteRules');
    expect(r.guarded.awaitingAwsMs.n).toBe(3);
  }, 180_000);

  it('the command line: a mistyped flag or section is an error naming it, not a different run', () => {
    // Act / Assess
    expect(parseBenchArgs([])).toEqual({ scale: 'default', only: undefined });
    expect(parseBenchArgs(['--full', '--only', 'overhead,storm'])).toEqual({ scale: 'full', only: ['overhead', 'storm'] });
    expect(() => parseBenchArgs(['--ful'])).toThrow(/^unknown argument --ful\nusage: npm run bench/);
    expect(() => parseBenchArgs(['--only'])).toThrow(/^--only needs a comma-separated list of sections/);
    expect(() => parseBenchArgs(['--only', 'stormy'])).toThrow('unknown section(s) stormy; known: overhead, storm, fleet, bundles, drill');
    expect(() => parseBenchArgs(['--quick', '--full'])).toThrow(/exclude each other/);
  });

  it('inFlight: overlapping calls count once, gaps between them not at all', () => {
    // Prepare: 0-10 and 5-12 overlap, 20-25 stands alone, 21-22 lies inside it.
    const spans = [
      { start: 20, end: 25 },
      { start: 0, end: 10 },
      { start: 21, end: 22 },
      { start: 5, end: 12 },
    ];
    // Act / Assess
    expect(inFlight(spans)).toBe(17);
    expect(inFlight([])).toBe(0);
  });

  it('storm: concurrent deliveries from several workers act exactly up to the group caps, never twice on one instance', async () => {
    // Prepare / Act: 2 groups of 4 (cap 2 each), every instance delivered 5 times from 2 processes.
    const r = await withSandbox((sb) => storm(sb, { events: 40, fleet: 8, perGroup: 4, workers: 2, concurrency: 3 }, quiet), motoEndpoint());
    // Assess
    expect(r.expectedActions).toBe(4);
    expect(r.errors).toEqual([]);
    expect(r.actions).toBe(r.expectedActions);
    expect(r.terminatedInMoto).toBe(r.expectedActions);
    expect(r.duplicates).toBe(0);
    expect(r.outcomes.succeeded + r.outcomes.skipped).toBe(40);
  }, 240_000);

  it('fleet scale: alarms grow with the fleet, rules do not', async () => {
    // Prepare / Act
    const r = await fleetScale([1, 6], quiet);
    // Assess
    expect(r.points.map((p) => p.error)).toEqual([undefined, undefined]);
    expect(r.rulesConstant).toBe(true);
    expect(r.points[0].rules).toBeGreaterThan(0);
    expect(r.points[1].alarms).toBe(6 * r.points[0].alarms!);
  }, 180_000);
});
