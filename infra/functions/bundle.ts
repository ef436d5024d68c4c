import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { FunctionSpec } from '../../functions/catalog';

/**
 * Bundles one function's handler with esbuild while the Pulumi program runs,
 * so `pulumi up` alone ships current code. Also used by
 * scripts/build-functions.ts, the drill and the benchmarks, so what they run
 * is byte-for-byte what the stack deploys: CommonJS for Node 22, minified,
 * everything bundled (the AWS SDK included: no reliance on the runtime's copy),
 * exporting `handler`.
 */
export interface FunctionBundle {
  name: string;
  /** Absolute path of the entry file. */
  entry: string;
  code: string;
  bytes: number;
  sha256: string;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  // `main` before `module`: some packages' ESM builds assume a bundler-injected `import.meta`.
  mainFields: ['main', 'module'],
} as const satisfies esbuild.BuildOptions;

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

const cache = new Map<string, Promise<FunctionBundle>>();

/** Bundles spec.entry (relative to rootDir, default the repository). Memoized per process. */
export function bundleFunction(spec: Pick<FunctionSpec, 'name' | 'entry'>, opts: { rootDir?: string } = {}): Promise<FunctionBundle> {
  const entry = path.resolve(opts.rootDir ?? REPO_ROOT, spec.entry);
  let p = cache.get(entry);
  if (!p) {
    p = build(spec.name, entry);
    cache.set(entry, p);
    p.catch(() => cache.delete(entry));
  }
  return p;
}

async function build(name: string, entry: string): Promise<FunctionBundle> {
  if (!existsSync(entry)) {
    throw new BundleError(`function ${name}: handler entry ${entry} does not exist (functions/catalog.ts names it); create it or fix the entry`);
  }
  // The entry must export `handler` (the Lambda handler setting is index.handler).
  const probe = await esbuild.build({ entryPoints: [entry], bundle: false, format: 'esm', write: false, metafile: true, logLevel: 'silent', outdir: 'out' });
  const exported = Object.values(probe.metafile!.outputs).flatMap((o) => o.exports);
  if (!exported.includes('handler')) {
    throw new BundleError(`function ${name}: ${entry} does not export \`handler\` (exports: ${exported.join(', ') || 'none'})`);
  }
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [entry], write: false, logLevel: 'silent', outfile: 'index.js' });
  } catch (err) {
    const e = err as { errors?: esbuild.Message[] };
    const details = (e.errors ?? []).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n  ');
    throw new BundleError(`function ${name}: esbuild failed for ${entry}:\n  ${details || String(err)}`);
  }
  const code = result.outputFiles[0].text;
  return { name, entry, code, bytes: Buffer.byteLength(code), sha256: createHash('sha256').update(code).digest('hex') };
}
