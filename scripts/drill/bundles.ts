import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ALERTMANAGER_WEBHOOK, FUNCTIONS } from '../../functions/catalog';
import { bundleFunction } from '../../infra/functions/bundle';
import { REPO_ROOT } from './stack-synth';

/**
 * Builds every function's bundle with the stack's own esbuild build
 * (infra/functions/bundle.ts: what `pulumi up` deploys) into
 * dist/functions/<name>/index.js, which the Lambda runner loads. The
 * Alertmanager webhook is built too: infra deploys it only for stacks with
 * kubernetes-deployment targets (it is not in FUNCTIONS), which the
 * Kubernetes scenario synthesizes.
 */
export async function buildBundles(outDir = path.join(REPO_ROOT, 'dist', 'functions')): Promise<{ dir: string; sizes: Record<string, number>; ms: number }> {
  const started = Date.now();
  const sizes: Record<string, number> = {};
  await Promise.all(
    [...FUNCTIONS, ALERTMANAGER_WEBHOOK].map(async (spec) => {
      const b = await bundleFunction(spec);
      const dir = path.join(outDir, spec.name);
      mkdirSync(dir, { recursive: true });
      // Atomic replace: other tools (build:functions, bench) may read or write the same file.
      const tmp = path.join(dir, `.index.js.${process.pid}.tmp`);
      writeFileSync(tmp, b.code);
      renameSync(tmp, path.join(dir, 'index.js'));
      sizes[spec.name] = b.bytes;
    }),
  );
  return { dir: outDir, sizes, ms: Date.now() - started };
}
