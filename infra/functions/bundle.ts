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
function sdkSchemaLiteralKeys(errorWords: Set<string>): esbuild.Plugin {
  return {
    name: 'aws-sdk-schema-literal-keys',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/ }, (args) => {
        const contents = schemaLiteralKeys(readFileSync(args.path, 'utf8'));
        const errors = errorsPathOf(args.path);
        const plan = existsSync(errors) ? errorMergePlan(readFileSync(errors, 'utf8'), contents, errorWords) : undefined;
        return { contents: registerErrorsFromTable(contents, plan), loader: 'js' };
      });
    },
  };
}

/** The schema file's string constants (`const _x = "..."`), by name. */
function schemaConsts(src: string): Map<string, string> {
  const consts = new Map<string, string>();
  for (const m of src.matchAll(/^const (\w+) = ("[^"\\\n]*");$/gm)) consts.set(m[1], m[2]);
  return consts;
}

/**
 * Computed keys become their constant's literal (see above); an error's name
 * repeated as a template literal in its `awsQueryError` trait becomes the
 * constant the schema already names it by: the same string either way.
 */
function schemaLiteralKeys(src: string): string {
  const consts = schemaConsts(src);
  const constFor = new Map([...consts].filter(([id]) => id.startsWith('_')).map(([id, v]) => [JSON.parse(v) as string, id]));
  return src
    .replace(/([{,]\s*)\[(_[A-Za-z0-9_]+)\]:/g, (all, lead: string, id: string) => (consts.has(id) && id.startsWith('_') ? `${lead}${consts.get(id)}:` : all))
    .replace(/("awsQueryError": \[)`(\w+)`/g, (all, lead: string, text: string) => (constFor.has(text) ? `${lead}${constFor.get(text)}` : all));
}

const ERROR_SCHEMA = /^export var (\w+)\$ = \[-3, (\w+), ([^,\n]+),\n([\s\S]*?)\n\];\n(\w+)\.registerError\(\1\$, (\w+)\);\n/gm;

/**
 * The same file then declares every modeled error's schema and registers it,
 * one `export var X$ = [-3, ns, name, traits, members, types]` plus one
 * `registry.registerError(X$, X)` per error (~140 for SSM and RDS). A run of
 * such pairs whose `X$` nothing else names becomes one table and one loop that
 * registers the same arrays (same elements, same length), with the same
 * classes, in the same order.
 */
interface ErrorSchemaEntry {
  start: number;
  end: number;
  id: string;
  ns: string;
  name: string;
  rest: string;
  registry: string;
  cls: string;
  nsValue?: string;
  nameValue?: string;
}

/** The `export var X$ = [-3, ...]; registry.registerError(X$, X);` pairs that can move into a table. */
function errorSchemaEntries(src: string): ErrorSchemaEntry[] {
  const consts = schemaConsts(src);
  const value = (id: string) => (consts.has(id) ? (JSON.parse(consts.get(id)!) as string) : undefined);
  const named = (id: string) => [...src.matchAll(new RegExp(`(?<![\\w$])${id}\\$`, 'g'))].length;
  const entries: ErrorSchemaEntry[] = [];
  for (const m of src.matchAll(ERROR_SCHEMA)) {
    const [all, id, ns, name, rest, registry, cls] = m;
    if (cls !== id || named(id) !== 2) continue;
    entries.push({ start: m.index!, end: m.index! + all.length, id, ns, name, rest, registry, cls, nsValue: value(ns), nameValue: value(name) });
  }
  return entries;
}

export function registerErrorsFromTable(src: string, plan?: ErrorMergePlan): string {
  const consts = schemaConsts(src);
  const constFor = new Map([...consts].map(([id, v]) => [JSON.parse(v) as string, id]));
  const runs: { start: number; end: number; registry: string; ns: string; rows: string[] }[] = [];
  const dropped: ErrorSchemaEntry[] = [];
  for (const e of errorSchemaEntries(src)) {
    // With the merge plan the row builds the class: its name and members, written once (members by their constant).
    const c = plan?.classes.get(e.cls);
    // The class spec: 0/1 (server fault) alone, or [fault, members, $retryable initialiser].
    const members = c && `[${c.members.map((n) => constFor.get(n) ?? JSON.stringify(n)).join(', ')}]`;
    const spec = c && (c.members.length > 0 || c.retryable ? `[${[c.server ? '1' : '0', members, ...(c.retryable ? [`() => (${c.retryable})`] : [])].join(', ')}]` : c.server ? '1' : '0');
    if (plan && !c) continue; // a class errors.js does not declare: its entry stays as written
    if (plan && !plan.kept.has(e.cls)) {
      dropped.push(e); // an error nothing in the bundle names (see ErrorMergePlan.kept): not registered
      continue;
    }
    const row = `[${e.name}, ${spec ?? e.cls},\n${e.rest}]`;
    const last = runs[runs.length - 1];
    if (last && last.end === e.start && last.registry === e.registry && last.ns === e.ns) {
      last.rows.push(row);
      last.end = e.end;
    } else runs.push({ start: e.start, end: e.end, registry: e.registry, ns: e.ns, rows: [row] });
  }
  let out = src;
  const edits = [...runs.map((r) => ({ ...r, drop: false })), ...dropped.map((d) => ({ start: d.start, end: d.end, registry: '', ns: '', rows: [], drop: true }))];
  for (const run of edits.sort((a, b) => b.start - a.start)) {
    if (run.drop) {
      out = out.slice(0, run.start) + out.slice(run.end);
      continue;
    }
    const loop = plan
      ? `for (const [name, spec, ...rest] of [\n${run.rows.join(',\n')}\n]) ${run.registry}.registerError([-3, ${run.ns}, name, ...rest], __errorClasses[name] = __errorClass(${run.ns}, name, ...(typeof spec === "number" ? [spec] : spec)));\n`
      : `for (const [name, ctor, ...rest] of [\n${run.rows.join(',\n')}\n]) ${run.registry}.registerError([-3, ${run.ns}, name, ...rest], ctor);\n`;
    out = out.slice(0, run.start) + loop + out.slice(run.end);
  }
  if (plan) {
    const header = `import { ${plan.base.name} as __BaseException } from "../models/${plan.base.module}";\n${ERROR_CLASS_FACTORY}export const __errorClasses = {};\n`;
    out = out.replace(ERRORS_IMPORT, () => header);
  }
  return out;
}

/**
 * Lambda hands a function its role's credentials in environment variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); runtimes that
 * restore snapshots serve them from the container credentials endpoint
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead. The SDK's default chain also
 * carries SSO, shared ini files (with STS role assumption), `credential_process`,
 * web identity, console login and EC2 instance metadata, which need the
 * SSO/SSO-OIDC/STS/sign-in clients and IMDS code (~100 KB per bundle) and can
 * never apply inside Lambda. The bundles' chain keeps the SDK's own
 * memoisation and expiry rule over the links that can: environment, then the
 * container endpoint when its variables are set, then a clear error. Only the
 * bundles get this; tests and tools importing the SDK keep the full chain.
 */
const lambdaCredentialChain: esbuild.Plugin = {
  name: 'lambda-credential-chain',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/]credential-provider-node[\\/]dist-es[\\/]defaultProvider\.js$/ }, () => ({
      contents: `
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { chain, CredentialsProviderError } from "@smithy/core/config";
import { memoizeChain } from "./runtime/memoize-chain";
export const defaultProvider = (init = {}) => memoizeChain([
  async () => fromEnv(init)(),
  async () => {
    if (!process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI && !process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
      throw new CredentialsProviderError("No container credentials endpoint configured", { logger: init.logger });
    }
    const [{ fromHttp }, { fromContainerMetadata }] = await Promise.all([import("@aws-sdk/credential-provider-http"), import("@smithy/credential-provider-imds/dist-es/fromContainerMetadata.js")]);
    return chain(fromHttp(init), fromContainerMetadata(init))();
  },
  async () => {
    throw new CredentialsProviderError("Could not load credentials from the environment or the container credentials endpoint (the sources a Lambda bundle reads: infra/functions/bundle.ts)", { tryNextLink: false, logger: init.logger });
  },
], credentialsTreatedAsExpired);
export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials) => credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;
`,
      loader: 'js',
    }));
  },
};

/**
 * Event-stream support (@smithy/core/event-streams: codec, marshaller, serde,
 * ~14 KB, more with Lambda's client) serves only operations whose input or
 * output has an event-stream member (Lambda's InvokeWithResponseStream,
 * Bedrock, Transcribe...). The protocols load it with `await import(...)` when
 * such an operation runs; Lambda's client also builds its marshaller up front.
 * No command a function sends has an event-stream member (test/infra/bundle.test.ts
 * checks every command the client modules under functions/runtime/clients
 * export), so bundles get a stand-in: the config resolver is the real one, the
 * marshaller and serde it would build fail with the reason when used.
 */
const EVENT_STREAMS_NOT_BUNDLED =
  'event streams are not bundled: no command a function sends has an event-stream member (infra/functions/bundle.ts)';
const sdkEventStreamsNotSent: esbuild.Plugin = {
  name: 'aws-sdk-event-streams-not-sent',
  setup(b) {
    b.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
      args.pluginData === 'real' ? undefined : { path: args.path, namespace: 'not-bundled-event-streams', pluginData: args.resolveDir },
    );
    b.onLoad({ filter: /.*/, namespace: 'not-bundled-event-streams' }, async (args) => {
      // The real config resolver (it only calls the provider), from the resolved package.
      const real = await b.resolve('@smithy/core/event-streams', { kind: 'import-statement', resolveDir: args.pluginData as string, pluginData: 'real' });
      const resolver = path.join(path.dirname(real.path), 'eventstream-serde-config-resolver', 'EventStreamSerdeConfig.js');
      return {
        contents: `export { resolveEventStreamSerdeConfig } from ${JSON.stringify(resolver)};
const fail = () => { throw new Error(${JSON.stringify(EVENT_STREAMS_NOT_BUNDLED)}); };
export const eventStreamSerdeProvider = () => ({ serialize: fail, deserialize: fail });
export class EventStreamSerde { constructor() { fail(); } }`,
        loader: 'js',
        resolveDir: path.dirname(real.path),
      };
    });
  },
};

/**
 * Every AWS SDK client imports its whole package.json (~3 KB: scripts,
 * dependencies, ...) for one field, `packageInfo.version` (user agent). The
 * bundle keeps the name and version only.
 */
const sdkPackageVersionOnly: esbuild.Plugin = {
  name: 'aws-sdk-package-version-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, (args) => {
      const { name, version } = JSON.parse(readFileSync(args.path, 'utf8')) as { name: string; version: string };
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/**
 * Every modeled error of a service is registered with the client's type
 * registry (so a response's error code becomes its class), so all of them stay
 * in a bundle: SSM and RDS have ~140 each, ~40 KB of near-identical class
 * bodies per service. Each class that has exactly the generated shape
 * (static shapeId, name, $fault, message members copied from the options) is
 * rewritten to one call of a local factory producing the same class: same
 * name, static shapeId, base class, own properties in the same order, same
 * instanceof. A class with anything else in its body is left as written.
 */
const ERROR_CLASS =
  /^export class (\w+) extends __BaseException \{\n {4}static shapeId = "([\w.]+)#(\w+)";\n {4}name = "\1";\n {4}\$fault = "(client|server)";\n(?: {4}\$retryable = (\{[^\n]*\});\n)?((?: {4}\w+;\n)*) {4}constructor\(opts\) \{\n {8}super\(\{\n {12}name: "\1",\n {12}\$fault: "\4",\n {12}\.\.\.opts,\n {8}\}\);\n {8}Object\.setPrototypeOf\(this, \1\.prototype\);\n((?: {8}this\.\w+ = opts\.\w+;\n)*) {4}\}\n\}\n?$/;

interface ErrorClass {
  name: string;
  ns: string;
  server: boolean;
  members: string[];
  /** The `$retryable` field's initialiser (an object literal), if the class declares one. */
  retryable?: string;
}

/** The class an `export class` block of errors.js declares, when it has exactly the generated shape. */
function parseErrorClass(part: string): ErrorClass | undefined {
  const m = ERROR_CLASS.exec(part);
  if (!m || m[3] !== m[1]) return undefined;
  const [, name, ns, , fault, retryable, fieldLines, assignLines] = m;
  const fields = [...fieldLines.matchAll(/(\w+);/g)].map((f) => f[1]);
  const assigned = [...assignLines.matchAll(/this\.(\w+) = opts\.(\w+);/g)].map((a) => (a[1] === a[2] ? a[1] : '?'));
  return fields.join() === assigned.join() ? { name, ns, server: fault === 'server', members: fields, retryable } : undefined;
}

// Class fields (name, $fault, $retryable when declared, members) are defined after super() in
// this order, then the constructor copies the members from the options: the factory does the
// same ($retryable's initialiser runs per instance, as a field initialiser does).
const ERROR_CLASS_FACTORY = `const __errorClass = (ns, name, server, members = [], retryable) => {
  const fault = server ? "server" : "client";
  const C = { [name]: class extends __BaseException {
    constructor(opts) {
      super({ name, $fault: fault, ...opts });
      this.name = name;
      this.$fault = fault;
      if (retryable) this.$retryable = retryable();
      Object.setPrototypeOf(this, C.prototype);
      for (const m of members) this[m] = opts[m];
    }
  } }[name];
  C.shapeId = ns + "#" + name;
  return C;
};
`;

export function compactErrorClasses(src: string): string {
  const parts = src.split(/^(?=export class )/m);
  const namespaces: string[] = [];
  const out = parts.map((part) => {
    const c = parseErrorClass(part);
    if (!c) return part;
    if (!namespaces.includes(c.ns)) namespaces.push(c.ns);
    const args = [`__errorNs${namespaces.indexOf(c.ns)}`, JSON.stringify(c.name), c.server ? '1' : '0', ...(c.members.length > 0 || c.retryable ? [JSON.stringify(c.members)] : []), ...(c.retryable ? [`() => (${c.retryable})`] : [])];
    return `export const ${c.name} = /* @__PURE__ */ __errorClass(${args.join(', ')});\n`;
  });
  if (namespaces.length === 0) return src;
  const consts = namespaces.map((ns, i) => `const __errorNs${i} = ${JSON.stringify(ns)};`).join('\n');
  return [out[0], `${consts}\n${ERROR_CLASS_FACTORY}`, ...out.slice(1)].join('');
}

/**
 * When every class of a client's models/errors.js has the generated shape and
 * its schemas/schemas_0.js registers each of them from the table (below), the
 * classes are built in that table instead: errors.js then only re-exports
 * them, and each error's name and members are written once. The plan is
 * computed from both files by both loads, so they always agree.
 */
interface ErrorMergePlan {
  base: { name: string; module: string };
  classes: Map<string, ErrorClass>;
  /**
   * The classes the bundle registers and exports: those named anywhere in the
   * code that could reach them (the handler's own sources, and every bundled
   * package outside the SDK's clients and @smithy: Powertools' idempotency
   * tests `instanceof ConditionalCheckFailedException`), and every class with
   * a `$retryable` trait (the retry strategy reads it). SSM alone models ~140
   * errors; registering them all costs ~25 KB per bundle. A service error whose
   * class is not registered is the SDK's own fallback for a code it does not
   * model: the client's ServiceException with the same `name`, `message`,
   * `$metadata` and the body's fields, `$fault` from the HTTP status. The
   * functions tell errors apart by `name` only. An `import { X }` of a class
   * left out fails the build (errors.js does not export it), never the Lambda.
   */
  kept: Set<string>;
}

const ERRORS_IMPORT = /^import \{([^}]*)\} from "\.\.\/models\/errors";\n/m;

function errorMergePlan(errorsSrc: string, schemasSrc: string, errorWords: Set<string>): ErrorMergePlan | undefined {
  const parts = errorsSrc.split(/^(?=export class )/m);
  const base = /^import \{ (\w+) as __BaseException \} from "\.\/(\w+)";$/.exec(parts[0].trim());
  if (!base || parts.length < 2) return undefined;
  const classes = new Map<string, ErrorClass>();
  for (const part of parts.slice(1)) {
    const c = parseErrorClass(part);
    if (!c) return undefined;
    classes.set(c.name, c);
  }
  const imported = ERRORS_IMPORT.exec(schemasSrc)?.[1].split(',').map((n) => n.trim()).filter(Boolean);
  if (!imported || imported.some((n) => !classes.has(n))) return undefined;
  const tabled = new Set(errorSchemaEntries(schemasSrc).filter((e) => classes.get(e.cls)?.name === e.nameValue && classes.get(e.cls)?.ns === e.nsValue).map((e) => e.cls));
  if (imported.some((n) => !tabled.has(n))) return undefined;
  const kept = new Set([...classes.values()].filter((c) => c.retryable !== undefined || errorWords.has(c.name)).map((c) => c.name));
  return { base: { name: base[1], module: base[2] }, classes, kept };
}

const errorsPathOf = (schemasPath: string) => path.join(path.dirname(schemasPath), '..', 'models', 'errors.js');
const schemasPathOf = (errorsPath: string) => path.join(path.dirname(errorsPath), '..', 'schemas', 'schemas_0.js');

function sdkCompactErrors(errorWords: Set<string>): esbuild.Plugin {
  return {
    name: 'aws-sdk-compact-errors',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?models[\\/]errors\.js$/ }, (args) => {
        const src = readFileSync(args.path, 'utf8');
        const schemas = schemasPathOf(args.path);
        const plan = existsSync(schemas) ? errorMergePlan(src, schemaLiteralKeys(readFileSync(schemas, 'utf8')), errorWords) : undefined;
        if (!plan) return { contents: compactErrorClasses(src), loader: 'js' };
        const reexports = [...plan.kept].map((n) => `export const ${n} = __errorClasses[${JSON.stringify(n)}];`);
        return { contents: `import { __errorClasses } from "../schemas/schemas_0";\n${reexports.join('\n')}\n`, loader: 'js' };
      });
    },
  };
}

/** The first pass's SDK and zod plugins, in order (`errorWords`: see ErrorMergePlan.kept). */
const sdkPlugins = (errorWords: Set<string>): esbuild.Plugin[] => [
  zodEnglishOnly,
  sdkSchemaLiteralKeys(errorWords),
  lambdaCredentialChain,
  sdkPackageVersionOnly,
  sdkCompactErrors(errorWords),
  sdkEventStreamsNotSent,
];

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

/** Whether the disk cache holds a valid bundle for `spec` (a synth in a fresh process would reuse it). */
export function diskCached(spec: Pick<FunctionSpec, 'entry'>, opts: { rootDir?: string } = {}): boolean {
  return readCache(path.resolve(opts.rootDir ?? REPO_ROOT, spec.entry)) !== undefined;
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

/**
 * `startedAt`: when the build began. An input modified since may have been read
 * before or after the change: its stamp now would vouch for code built from the
 * old text, so nothing is cached (the next build reads it again).
 */
function writeCache(entry: string, workDir: string, metafile: esbuild.Metafile, code: string, sha256: string, startedAt: number): void {
  if (process.env.RECOVERY_BUNDLE_CACHE === 'off') return;
  const inputs: Record<string, [number, number]> = {};
  for (const rel of Object.keys(metafile.inputs)) {
    // A plugin's own module (`<namespace>:<name>`, e.g. a stand-in) is written by this file: the pipeline hash covers it.
    if (/^[a-z][a-z0-9-]+:/.test(rel)) continue;
    // A plugin's variant of a real file (`<file>?<variant>`): its content follows from that file and the pipeline.
    const file = path.resolve(workDir, rel.replace(/\?[^/\\]*$/, ''));
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
  // Whole milliseconds back: filesystems keep coarser mtimes than the clock.
  const startedAt = Date.now() - 1000;
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
  writeCache(entry, workDir, result.metafile, code, sha256, startedAt);
  return { name, entry, code, bytes: Buffer.byteLength(code), sha256 };
}

/**
 * The handler's own source files (every module it imports outside
 * node_modules, reachable or not: a superset of the code the bundle keeps).
 */
async function ownSourcesOf(entry: string, workDir: string): Promise<string[]> {
  const scan = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    splitting: true,
    write: false,
    metafile: true,
    absWorkingDir: workDir,
    logLevel: 'silent',
    outdir: '/scan',
  });
  return Object.keys(scan.metafile.inputs).map((f) => path.resolve(workDir, f));
}

/**
 * Every word of every package file the handler could bundle other than the
 * SDK's clients and @smithy (Powertools, lib-dynamodb, credential providers...):
 * a superset of the names they use, for ErrorMergePlan.kept.
 */
async function packageWordsOf(entry: string, workDir: string): Promise<Set<string>> {
  const scan = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    write: false,
    metafile: true,
    absWorkingDir: workDir,
    logLevel: 'silent',
    outdir: '/scan',
  });
  const words = new Set<string>();
  for (const rel of Object.keys(scan.metafile.inputs)) {
    if (!/[\\/]node_modules[\\/]/.test(rel) || /[\\/]node_modules[\\/](?:@aws-sdk[\\/]client-[^\\/]+|@smithy)[\\/]/.test(rel)) continue;
    for (const w of readFileSync(path.resolve(workDir, rel), 'utf8').matchAll(/[A-Za-z_$][\w$]*/g)) words.add(w[0]);
  }
  return words;
}

const CLIENT_MODULE = /[\\/]functions[\\/]runtime[\\/]clients[\\/][^\\/]+\.ts$/;
const REEXPORT = /^export \{([^}]*)\} from ('[^']+'|"[^"]+");$/gm;

/**
 * A lazy client module (functions/runtime/clients/*.ts) re-exports every
 * command any function sends, and functions/runtime/sdk.ts hands callers the
 * whole module, so esbuild must keep every command's schemas in every bundle
 * that uses the client (the ssm-automation commands in each action bundle, whose
 * guards only read a parameter). A bundle's copy of a client module re-exports
 * only the names its handler's own source files use (callers write
 * `sdk.GetParameterCommand`, `sdk` typed as the module). A name the scan
 * missed would be `undefined` at run time, so the scan is deliberately wide:
 * every name used in any own source file the handler imports, whether or not
 * its code survives tree-shaking.
 */
function commandsNamedBy(words: Set<string>): esbuild.Plugin {
  return {
    name: 'client-commands-named-by-handler',
    setup(b) {
      b.onLoad({ filter: CLIENT_MODULE }, (args) => {
        const src = readFileSync(args.path, 'utf8');
        const contents = src.replace(REEXPORT, (_all, names: string, from: string) => {
          const kept = names.split(',').map((n) => n.trim()).filter((n) => n && words.has(n));
          return kept.length > 0 ? `export { ${kept.join(', ')} } from ${from};` : '';
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * Every name the handler's own source files use (the client modules'
 * re-export lists excepted): identifiers, and quoted strings used as an index
 * (`sdk['X']`), parsed with TypeScript so comments and other strings (retry.ts
 * lists command names it never sends) do not count. Without the TypeScript
 * package every word of the text counts (wider, never narrower).
 */
function wordsOf(sources: string[]): Set<string> {
  const words = new Set<string>();
  let ts: typeof import('typescript') | undefined;
  try {
    ts = require('typescript') as typeof import('typescript');
  } catch {
    ts = undefined;
  }
  for (const file of sources) {
    if (CLIENT_MODULE.test(file) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const src = readFileSync(file, 'utf8');
    if (!ts) {
      for (const w of src.matchAll(/[A-Za-z_$][\w$]*/g)) words.add(w[0]);
      continue;
    }
    const t = ts;
    const visit = (node: import('typescript').Node): void => {
      if (t.isIdentifier(node) || t.isPrivateIdentifier(node)) words.add(node.text);
      else if (t.isElementAccessExpression(node) && t.isStringLiteralLike(node.argumentExpression)) words.add(node.argumentExpression.text);
      t.forEachChild(node, visit);
    };
    visit(t.createSourceFile(file, src, t.ScriptTarget.Latest, false, file.endsWith('x') ? t.ScriptKind.TSX : t.ScriptKind.TS));
  }
  return words;
}

/**
 * A stand-in module: every function export fails with `reason` when called;
 * a class export (capitalised) is an empty class, so configuration objects that
 * build one unconditionally still build.
 */
function failingModule(names: string[], reason: string): string {
  return [
    `const fail = () => { throw new Error(${JSON.stringify(reason)}); };`,
    ...names.map((n) => (/^[A-Z]/.test(n) ? `export class ${n} {}` : `export { fail as ${n} };`)),
  ].join('\n');
}

/**
 * Powertools idempotency imports its JMESPath engine (~24 KB) for two options,
 * `eventKeyJmesPath` and `payloadValidationJmesPath`; it runs only when one is
 * set (the config also builds the engine's function table, unused otherwise:
 * the stand-in's is an empty class).
 * The functions key idempotency on explicit arguments (functions/guards/idempotency.ts),
 * so a bundle whose own sources never name a JMESPath option gets a stand-in
 * engine that fails with the reason if reached. Naming one (e.g.
 * `eventKeyJmesPath`) anywhere in the handler's sources bundles the real engine.
 */
function powertoolsJmesPathWhenNamed(words: Set<string>): esbuild.Plugin {
  const named = [...words].some((w) => /jmespath/i.test(w));
  const reason = 'JMESPath is not bundled: no source of this function names an idempotency JMESPath option (infra/functions/bundle.ts)';
  return {
    name: 'powertools-jmespath-when-named',
    setup(b) {
      if (named) return;
      b.onResolve({ filter: /^@aws-lambda-powertools\/jmespath(\/functions)?$/ }, (args) => ({ path: args.path, namespace: 'not-bundled-jmespath' }));
      b.onLoad({ filter: /.*/, namespace: 'not-bundled-jmespath' }, (args) => ({
        contents: failingModule(args.path.endsWith('/functions') ? ['PowertoolsFunctions', 'Functions'] : ['search', 'PowertoolsFunctions'], reason),
        loader: 'js',
      }));
    },
  };
}

/**
 * zod's JSON Schema output (`schema.toJSONSchema()`, `z.toJSONSchema`, the
 * Standard JSON Schema `~standard.jsonSchema` methods: ~18 KB) is reachable from
 * every schema's prototype, so esbuild keeps it. The functions validate with
 * zod; they never emit JSON Schema. A bundle whose own sources never name
 * JSON Schema gets stand-ins for the converter that fail with the reason when
 * called; `aggregateChecks`, which also serves `schema.minLength` and the like,
 * stays the real one. Naming `toJSONSchema`/`jsonSchema` in the sources
 * bundles the real converter.
 */
function zodJsonSchemaWhenNamed(words: Set<string>): esbuild.Plugin {
  const named = [...words].some((w) => /jsonschema/i.test(w));
  const reason = 'zod JSON Schema output is not bundled: no source of this function names it (infra/functions/bundle.ts)';
  const dir = /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]/;
  const exportsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^export (?:const|function|class) (\w+)/gm)].map((m) => m[1]);
  return {
    name: 'zod-json-schema-when-named',
    setup(b) {
      if (named) return;
      b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]to-json-schema\.js$/ }, (args) => {
        const names = exportsOf(args.path);
        if (!dir.test(args.path) || names.length === 0) return undefined;
        // Method factories run when a schema is built; only the methods they return fail.
        const factories = names.filter((n) => /^create\w*Method$/.test(n));
        const others = names.filter((n) => !factories.includes(n));
        return {
          contents: `${failingModule(others, reason)}\n${factories.map((n) => `export const ${n} = () => fail;`).join('\n')}\nexport { fail as process };`,
          loader: 'js',
        };
      });
      b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]json-schema-processors\.js$/ }, (args) => {
        if (args.suffix === '?aggregate-checks') return undefined;
        const names = exportsOf(args.path).filter((n) => n !== 'aggregateChecks');
        return {
          contents: `export { aggregateChecks } from './json-schema-processors.js?aggregate-checks';\n${failingModule(names, reason)}`,
          loader: 'js',
        };
      });
    },
  };
}

/** Every plugin of the first pass for this entry (exported for analysis tools). */
export async function splitPlugins(entry: string, workDir: string): Promise<esbuild.Plugin[]> {
  const words = wordsOf(await ownSourcesOf(entry, workDir));
  const errorWords = new Set([...words, ...(await packageWordsOf(entry, workDir))]);
  return [commandsNamedBy(words), powertoolsJmesPathWhenNamed(words), zodJsonSchemaWhenNamed(words), ...sdkPlugins(errorWords)];
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
async function twoPass(entry: string, workDir: string): Promise<{ code: string; metafile: esbuild.Metafile; reachableInputs: Map<string, number> }> {
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
    plugins: await splitPlugins(entry, workDir),
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
    metafile: true,
    logLevel: 'silent',
    outfile: 'index.js',
    plugins: [inMemory],
  });
  // `import.meta` has no CommonJS meaning: esbuild would silently make it `{}`.
  const meta = joined.warnings.filter((w) => /import\.meta/.test(w.text));
  if (meta.length > 0) throw Object.assign(new Error('import.meta in an ESM dependency'), { errors: meta });
  // The first pass emits a chunk for every `import()` it sees, reachable or not; the second
  // carries only the chunks the handler can reach. Their source inputs are what the bundle holds.
  const carried = new Set(Object.keys(joined.metafile!.inputs).map((k) => k.replace(/^split:/, '')));
  const reachableInputs = new Map<string, number>();
  for (const [out, o] of Object.entries(split.metafile!.outputs)) {
    if (!carried.has(path.posix.resolve(workDir, out))) continue;
    for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) reachableInputs.set(input, (reachableInputs.get(input) ?? 0) + bytesInOutput);
  }
  return { code: joined.outputFiles[0].text, metafile: split.metafile!, reachableInputs };
}
export const twoPassForAnalysis = twoPass;
