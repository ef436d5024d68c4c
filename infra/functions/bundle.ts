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
 * everything bundled (the AWS SDK included, as the SDK team recommends: no
 * reliance on the runtime's copy), exporting `handler`.
 *
 * One esbuild pass per function with the standard options below. Two plugins,
 * each failing the build rather than silently not applying:
 * - `lambdaLoadsClientsUpFront`: our own lazy client loading (functions/runtime/sdk.ts)
 *   becomes static imports in a bundle, so esbuild tree-shakes the SDK;
 * - `sdkTraitKeyLiterals`: the one SDK workaround, for aws-sdk-js-v3 issue 7607
 *   (test/infra/bundle.test.ts fails once the SDK no longer needs it).
 * Nothing else of the SDK (error classes, credential chain, event streams) is
 * rewritten: a bundle runs the SDK as published.
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
  treeShaking: true,
  sourcemap: false,
  legalComments: 'none',
  // ESM builds first: the AWS SDK's dist-es (one file per command) tree-shakes, its dist-cjs
  // (one file per client, every command) does not. Any `import.meta` use is caught at build time.
  mainFields: ['module', 'main'],
} as const satisfies esbuild.BuildOptions;

/**
 * The build pipeline's identity for the disk cache key: the hash of this file's
 * own source (options, plugins), so any change to how bundles are built
 * invalidates every cached bundle. A hand-bumped version number was forgotten
 * once and served a bundle without a newly used command; `pulumi up` must never
 * ship a stale bundle.
 */
const PIPELINE_VERSION = createHash('sha256').update(readFileSync(__filename)).digest('hex');

/** functions/runtime/sdk.ts: loads each client module with `import('./clients/<name>')` on first use. */
export const SDK_MODULE = /[\\/]functions[\\/]runtime[\\/]sdk\.ts$/;
const LAZY_CLIENT_IMPORT = /(?<![\w.$]|typeof )import\((['"])(\.\/clients\/[\w-]+)\1\)/g;

/**
 * functions/runtime/sdk.ts loads each client module with `import()` so that
 * the Pulumi program, which imports the action declarations, never loads the
 * SDK. In a single CommonJS pass esbuild wraps an `import()` target and all it
 * imports in a lazy initialiser, and a wrapped barrel such as
 * `@aws-sdk/client-ec2`'s index keeps every command and schema (~1.8 MB per
 * bundle, ~1 s to build the clients). A bundle has no such constraint, so
 * there each `import('./clients/x')` becomes a static import resolved
 * at once: esbuild then keeps only the clients a handler can reach (the
 * accessors are `@__PURE__`) and, of each, only the commands its client
 * module exports. Everything a bundle reaches is loaded when it loads, which
 * is when Lambda's init phase runs. If sdk.ts stops loading clients this way
 * the build fails here instead of quietly shipping the whole SDK.
 */
const lambdaLoadsClientsUpFront: esbuild.Plugin = {
  name: 'lambda-loads-clients-up-front',
  setup(b) {
    b.onLoad({ filter: SDK_MODULE }, (args) => {
      const imports: string[] = [];
      const contents = readFileSync(args.path, 'utf8').replace(LAZY_CLIENT_IMPORT, (_all, _q: string, spec: string) => {
        const id = `__client${imports.length}`;
        imports.push(`import * as ${id} from ${JSON.stringify(spec)};`);
        return `Promise.resolve(${id})`;
      });
      if (imports.length === 0) {
        throw new Error(`${args.path} no longer loads client modules with import('./clients/<name>'): update lambdaLoadsClientsUpFront in infra/functions/bundle.ts`);
      }
      return { contents: `${imports.join('\n')}\n${contents}`, loader: 'ts' };
    });
  },
};

/**
 * WORKAROUND for aws-sdk-js-v3 issue 7607 (https://github.com/aws/aws-sdk-js-v3/issues/7607,
 * fix proposed in smithy-lang/smithy-typescript#1889, not released): the SDK's
 * schema files (`dist-es/schemas/schemas_0.js`, every shape of a service) write
 * member traits with computed keys, `{ [_xN]: _m }` where `_xN` is a
 * top-level string constant. esbuild must assume a computed key can have side
 * effects, so it keeps every shape of the service (~700 KB for EC2) and
 * evaluates them all at init. Writing each key as its constant's string
 * literal changes nothing at run time and lets unused shapes go.
 *
 * Remove it when the SDK emits literal keys: test/infra/bundle.test.ts fails
 * then (it checks the schema file this targets still has computed keys).
 */
export const SCHEMA_FILE = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/;
export const COMPUTED_TRAIT_KEY = /([{,]\s*)\[(_[A-Za-z0-9_]+)\]:/g;

export function literalTraitKeys(src: string): string {
  const consts = new Map<string, string>();
  for (const m of src.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) consts.set(m[1], m[2]);
  return src.replace(COMPUTED_TRAIT_KEY, (all, lead: string, id: string) => (consts.has(id) ? `${lead}${consts.get(id)}:` : all));
}

const sdkTraitKeyLiterals: esbuild.Plugin = {
  name: 'aws-sdk-7607-trait-key-literals',
  setup(b) {
    b.onLoad({ filter: SCHEMA_FILE }, (args) => ({ contents: literalTraitKeys(readFileSync(args.path, 'utf8')), loader: 'js' }));
  },
};

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

export interface BuildOptions {
  /** The aws-sdk-js-v3 7607 workaround (default on; the bench measures without it too). */
  traitKeyWorkaround?: boolean;
}

/**
 * The one esbuild pass for `entry` (no checks, no cache): the code and
 * esbuild's metafile (which inputs the bundle carries, for analysis tools
 * such as the bench).
 */
export async function buildBundle(entry: string, opts: BuildOptions = {}): Promise<{ code: string; metafile: esbuild.Metafile }> {
  const result = await esbuild.build({
    ...BUNDLE_OPTIONS,
    entryPoints: [entry],
    write: false,
    metafile: true,
    absWorkingDir: path.dirname(entry),
    logLevel: 'silent',
    outfile: 'index.js',
    plugins: [lambdaLoadsClientsUpFront, ...(opts.traitKeyWorkaround === false ? [] : [sdkTraitKeyLiterals])],
  });
  // `import.meta` has no CommonJS meaning: esbuild would silently make it `{}`.
  const meta = result.warnings.filter((w) => /import\.meta/.test(w.text));
  if (meta.length > 0) throw Object.assign(new Error('import.meta in an ESM dependency'), { errors: meta });
  return { code: result.outputFiles[0].text, metafile: result.metafile };
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

/** Whether the disk cache holds a valid bundle for `spec` (a synth in a fresh process would reuse it). */
export function diskCached(spec: Pick<FunctionSpec, 'entry'>, opts: { rootDir?: string } = {}): boolean {
  return readCache(path.resolve(opts.rootDir ?? REPO_ROOT, spec.entry)) !== undefined;
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
  // Whole milliseconds back: filesystems keep coarser mtimes than the clock.
  const startedAt = Date.now() - 1000;
  let result: { code: string; metafile: esbuild.Metafile };
  try {
    result = await buildBundle(entry);
  } catch (err) {
    const e = err as { errors?: esbuild.Message[] };
    const details = (e.errors ?? []).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n  ');
    throw new BundleError(`function ${name}: esbuild failed for ${entry}:\n  ${details || String(err)}`);
  }
  const code = result.code;
  const sha256 = createHash('sha256').update(code).digest('hex');
  writeCache(entry, path.dirname(entry), result.metafile, code, sha256, startedAt);
  return { name, entry, code, bytes: Buffer.byteLength(code), sha256 };
}

/**
 * Disk cache (node_modules/.cache): every synth runs in a fresh process and
 * would rebundle every function. An entry is reused only when every input file
 * esbuild read still has the same size and mtime, and the esbuild version,
 * options and this file are the same; anything else rebuilds.
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
  return JSON.stringify({ esbuild: esbuild.version, options: BUNDLE_OPTIONS, pipeline: PIPELINE_VERSION, entry });
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

/**
 * `startedAt`: when the build began. An input modified since may have been read
 * before or after the change: its stamp now would vouch for code built from the
 * old text, so nothing is cached (the next build reads it again).
 */
function writeCache(entry: string, workDir: string, metafile: esbuild.Metafile, code: string, sha256: string, startedAt: number): void {
  if (process.env.RECOVERY_BUNDLE_CACHE === 'off') return;
  const inputs: Record<string, [number, number]> = {};
  for (const rel of Object.keys(metafile.inputs)) {
    const file = path.resolve(workDir, rel);
    const st = stamp(file);
    if (!st) return; // an input we cannot validate later: do not cache
    if (st[1] >= startedAt) return; // changed while (or just before) it was built: do not vouch for it
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
