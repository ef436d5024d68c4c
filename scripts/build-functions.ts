/**
 * npm run build:functions [-- --out dist/functions]
 *
 * Writes every function's bundle (the same esbuild build `pulumi up` deploys)
 * to <out>/<name>/index.js, for the drill and the benchmarks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FUNCTIONS } from '../functions/catalog';
import { bundleFunction, REPO_ROOT } from '../infra/functions/bundle';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--out');
  const outDir = path.resolve(i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : path.join(REPO_ROOT, 'dist', 'functions'));
  for (const spec of FUNCTIONS) {
    const b = await bundleFunction(spec);
    const dir = path.join(outDir, spec.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.js'), b.code);
    console.log(`${spec.name.padEnd(18)} ${b.bytes.toLocaleString('en-US').padStart(9)} B  ${path.relative(process.cwd(), path.join(dir, 'index.js'))}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
