/**
 * One storm worker (a child process, like one Lambda container): loads the
 * built replace-instance bundle and runs its handler on the requests it is
 * sent, `concurrency` at a time, then reports each outcome to the parent.
 */
import { performance } from 'node:perf_hooks';
import { lambdaContext } from './lambda-context';

interface Job {
  bundle: string;
  concurrency: number;
  requests: Array<{ instanceId: string; request: unknown }>;
}

process.once('message', async (job: Job) => {
  const { handler } = require(job.bundle) as { handler: (r: unknown, c: unknown) => Promise<{ outcome: string; reason?: string }> };
  const results: Array<{ instanceId: string; outcome: string; reason?: string; ms: number }> = [];
  let next = 0;
  const lane = async () => {
    while (next < job.requests.length) {
      const { instanceId, request } = job.requests[next++];
      const t = performance.now();
      try {
        const out = await handler(request, lambdaContext('recovery-bench-replace-instance'));
        results.push({ instanceId, outcome: out.outcome, reason: out.reason, ms: performance.now() - t });
      } catch (e) {
        results.push({ instanceId, outcome: 'error', reason: (e as Error).message, ms: performance.now() - t });
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  process.send!(results, () => process.exit(0));
});
