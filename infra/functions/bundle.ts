import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * Bundles spec.entry (relative to rootDir, default the repository). Memoized
 * per process unless `memo: false` (long-lived tools that watch edits).
 */
export function bundleFunction(spec: Pick<FunctionSpec, 'name' | 'entry'>, opts: { rootDir?: string; memo?: boolean } = {}): Promise<FunctionBundle> {
  const entry = path.resolve(opts.rootDir ?? REPO_ROOT, spec.entry);
  if (opts.memo === false) return build(spec.name, entry);
  let p = cache.get(entry);
  if (!p) {
    p = build(spec.name, entry);
    cache.set(entry, p);
    p.catch(() => cache.delete(entry));
  }
  return p;
}

/**
 * Disk cache (node_modules/.cache): every synth runs in a fresh process and
 * would rebundle ~2.5 MB per function. An entry is reused only when every
 * input file esbuild read still has the same size and mtime, and the esbuild
 * version and options are the same; anything else rebuilds.
 */
interface CacheEntry {
  key: string;
  inputs: Record<string, [number, number]>;
  code: string;
  sha256: string;
}

function cacheFile(entry: string): string {
  const id = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  return path.join(REPO_ROOT, 'node_modules', '.cache', 'recovery-stack-bundles', `${path.basename(entry, path.extname(entry))}-${id}.json`);
}

function cacheKey(entry: string): string {
  return JSON.stringify({ esbuild: esbuild.version, options: BUNDLE_OPTIONS, entry });
}

function stamp(file: string): [number, number] | undefined {
  try {
    const st = statSync(file);
    return [st.size, st.mtimeMs];
  } catch {
    return undefined;
  }
}

function readCache(entry: string): CacheEntry | undefined {
  if (process.env.RECOVERY_BUNDLE_CACHE === 'off') return undefined;
  try {
    const c = JSON.parse(readFileSync(cacheFile(entry), 'utf8')) as CacheEntry;
    if (c.key !== cacheKey(entry)) return undefined;
    for (const [file, [size, mtime]] of Object.entries(c.inputs)) {
      const now = stamp(file);
      if (!now || now[0] !== size || now[1] !== mtime) return undefined;
    }
    return c;
  } catch {
    return undefined;
  }
}

function writeCache(entry: string, workDir: string, metafile: esbuild.Metafile, code: string, sha256: string): void {
  if (process.env.RECOVERY_BUNDLE_CACHE === 'off') return;
  const inputs: Record<string, [number, number]> = {};
  for (const rel of Object.keys(metafile.inputs)) {
    const file = path.resolve(workDir, rel);
    const st = stamp(file);
    if (!st) return; // virtual input we cannot validate later: do not cache
    inputs[file] = st;
  }
  try {
    const target = cacheFile(entry);
    mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key: cacheKey(entry), inputs, code, sha256 } satisfies CacheEntry));
    renameSync(tmp, target); // atomic: concurrent synths never read half a file
  } catch {
    // A cache is an optimisation; a read-only checkout just rebuilds.
  }
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
  const cached = readCache(entry);
  if (cached) return { name, entry, code: cached.code, bytes: Buffer.byteLength(cached.code), sha256: cached.sha256 };
  const workDir = path.dirname(entry);
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      ...BUNDLE_OPTIONS,
      entryPoints: [entry],
      write: false,
      metafile: true,
      absWorkingDir: workDir,
      logLevel: 'silent',
      outfile: 'index.js',
    });
  } catch (err) {
    const e = err as { errors?: esbuild.Message[] };
    const details = (e.errors ?? []).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n  ');
    throw new BundleError(`function ${name}: esbuild failed for ${entry}:\n  ${details || String(err)}`);
  }
  const code = result.outputFiles[0].text;
  const sha256 = createHash('sha256').update(code).digest('hex');
  writeCache(entry, workDir, result.metafile, code, sha256);
  return { name, entry, code, bytes: Buffer.byteLength(code), sha256 };
}
