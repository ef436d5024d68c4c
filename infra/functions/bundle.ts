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
  treeShaking: true,
  sourcemap: false,
  legalComments: 'none',
  // ESM builds first: the AWS SDK's dist-es (one file per command) tree-shakes, its dist-cjs
  // (one file per client, every command) does not. Any `import.meta` use is caught at build time.
  mainFields: ['module', 'main'],
} as const satisfies esbuild.BuildOptions;

/**
 * The build pipeline's identity for the disk cache key: the hash of this file's
 * own source (options, plugins, passes), so any change to how bundles are built
 * invalidates every cached bundle. A hand-bumped version number was forgotten
 * once and served a bundle without a newly used command; `pulumi up` must never
 * ship a stale bundle.
 */
const PIPELINE_VERSION = createHash('sha256').update(readFileSync(__filename)).digest('hex');

/**
 * zod re-exports all of its ~50 locales as a namespace (`export * as locales`),
 * which esbuild cannot tree-shake (~260 KB per bundle). The functions only use
 * the default English messages, which zod registers from locales/en.js
 * directly; this resolves the locales barrel to one exporting English only.
 */
const zodEnglishOnly: esbuild.Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
    }));
  },
};

/**
 * The AWS SDK's schema files (`schemas_0.js`, all of a service's shapes) write
 * member traits with computed keys (`{ [_xN]: "..." }`, `_xN` a top-level
 * string constant). esbuild treats a computed key as a possible side effect and
 * keeps every shape (~700 KB for EC2). Replacing the key by the constant's own
 * string literal changes nothing at run time and lets unused shapes go.
 */
const sdkSchemaLiteralKeys: esbuild.Plugin = {
  name: 'aws-sdk-schema-literal-keys',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const consts = new Map<string, string>();
      for (const m of src.matchAll(/^const (_[A-Za-z0-9_]+) = ("[^"\\\n]*");$/gm)) consts.set(m[1], m[2]);
      const contents = src.replace(/([{,]\s*)\[(_[A-Za-z0-9_]+)\]:/g, (all, lead: string, id: string) => (consts.has(id) ? `${lead}${consts.get(id)}:` : all));
      return { contents, loader: 'js' };
    });
  },
};

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
  let result: { code: string; metafile: esbuild.Metafile };
  try {
    result = await twoPass(entry, workDir);
  } catch (err) {
    const e = err as { errors?: esbuild.Message[] };
    const details = (e.errors ?? []).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n  ');
    throw new BundleError(`function ${name}: esbuild failed for ${entry}:\n  ${details || String(err)}`);
  }
  const code = result.code;
  const sha256 = createHash('sha256').update(code).digest('hex');
  writeCache(entry, workDir, result.metafile, code, sha256);
  return { name, entry, code, bytes: Buffer.byteLength(code), sha256 };
}

/**
 * Two passes, so lazily loaded SDK clients are both lazy and tree-shaken:
 *
 * 1. ESM with code splitting: every `import()` (one per client module, see
 *    functions/runtime/sdk.ts) becomes its own chunk, tree-shaken like a
 *    static import. (Bundled straight to CommonJS, esbuild wraps an `import()`
 *    target and everything it imports in lazy initialisers, and a wrapped
 *    barrel such as `@aws-sdk/client-ec2`'s index keeps all of its commands.)
 * 2. Those chunks, from memory, into one CommonJS file exporting `handler`:
 *    the chunks stay lazy (evaluated on the first `import()`), only their
 *    already tree-shaken code is carried.
 */
async function twoPass(entry: string, workDir: string): Promise<{ code: string; metafile: esbuild.Metafile }> {
  const { format: _format, ...common } = BUNDLE_OPTIONS;
  const split = await esbuild.build({
    ...common,
    format: 'esm',
    splitting: true,
    entryPoints: { index: entry },
    write: false,
    metafile: true,
    absWorkingDir: workDir,
    logLevel: 'silent',
    outdir: '/split',
    chunkNames: 'chunk-[hash]',
    plugins: [zodEnglishOnly, sdkSchemaLiteralKeys],
  });
  const files = new Map(split.outputFiles.map((f) => [f.path, f.text]));
  const inMemory: esbuild.Plugin = {
    name: 'split-chunks',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return { path: args.path, namespace: 'split' };
        if (args.namespace === 'split' && (args.path.startsWith('./') || args.path.startsWith('../'))) {
          return { path: path.posix.join(path.posix.dirname(args.importer), args.path), namespace: 'split' };
        }
        return undefined; // node builtins (marked external by platform: node)
      });
      b.onLoad({ filter: /.*/, namespace: 'split' }, (args) => {
        const text = files.get(args.path);
        if (text === undefined) throw new Error(`chunk ${args.path} missing from the first pass`);
        return { contents: text, loader: 'js' };
      });
    },
  };
  const joined = await esbuild.build({
    ...BUNDLE_OPTIONS,
    entryPoints: ['/split/index.js'],
    write: false,
    logLevel: 'silent',
    outfile: 'index.js',
    plugins: [inMemory],
  });
  // `import.meta` has no CommonJS meaning: esbuild would silently make it `{}`.
  const meta = joined.warnings.filter((w) => /import\.meta/.test(w.text));
  if (meta.length > 0) throw Object.assign(new Error('import.meta in an ESM dependency'), { errors: meta });
  return { code: joined.outputFiles[0].text, metafile: split.metafile! };
}
export const twoPassForAnalysis = twoPass;
