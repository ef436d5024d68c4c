/**
 * Child-process side of synthesize(): runs ONE Pulumi program under the mock
 * engine and writes a SynthResult (JSON) to the file named in the request.
 * A fresh process per run keeps the Pulumi runtime's global state (config,
 * stack, registered resources) from leaking between stacks, and lets the
 * program use its own copy of @pulumi/pulumi.
 *
 * Request (env RECOVERY_SYNTH_REQUEST): { programDir, entry, project, stack, config, secretKeys, mocks, out }.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createMocks, type MockOptions } from './mocks';
import type { SynthResource, SynthResult } from './types';

interface Request {
  programDir: string;
  entry: string;
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  mocks: MockOptions;
  out: string;
}

type PulumiModule = typeof import('@pulumi/pulumi');

const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const SIG_KEY = '4dabf18193072939515e22adb298388d';

/** Plain JSON of a mock-engine input value; secrets unwrapped, their paths recorded. */
function toPlain(pulumi: PulumiModule, value: unknown, p: string, secretPaths: string[]): unknown {
  if (value === null || value === undefined || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => toPlain(pulumi, v, p ? `${p}.${i}` : String(i), secretPaths));
  const obj = value as Record<string, unknown>;
  if (obj[SIG_KEY] === SECRET_SIG) {
    secretPaths.push(p);
    return toPlain(pulumi, obj.value, p, []);
  }
  const a = pulumi.asset;
  if (value instanceof a.StringAsset || value instanceof a.FileAsset || value instanceof a.RemoteAsset) {
    // Assets keep their promise-valued fields; summarize instead of printing megabytes of bundle.
    return { $asset: value.constructor.name };
  }
  if (value instanceof a.AssetArchive || value instanceof a.FileArchive || value instanceof a.RemoteArchive) {
    return { $archive: value.constructor.name };
  }
  if (pulumi.Resource.isInstance(value)) return { $resource: '(reference)' };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v !== undefined) out[k] = toPlain(pulumi, v, p ? `${p}.${k}` : k, secretPaths);
  }
  return out;
}

/**
 * The runtime wraps every promise it makes in debuggablePromise(), which tags
 * it with an id, a context string and a formatted `new Error().stack`, used
 * only by the leak report PULUMI_DEBUG_PROMISE_LEAKS prints. A resource gets
 * four per output property (a MetricAlarm ~160): on a 1,000-instance fleet
 * that was ~700k formatted stack traces, most of the synth's CPU. This keeps
 * the runtime's leak detection (every promise a leak candidate until it
 * settles, rejections tagged with their promise) without the debug tags.
 * PULUMI_DEBUG_PROMISE_LEAKS (or SYNTH_SOURCE_MAPS) keeps the runtime's own.
 */
type Debuggable = { debuggablePromise?: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };
type RuntimeState = { getStore?: () => { leakCandidates: Set<Promise<unknown>> } };

function withoutPromiseDebugTags(pulumiPath: string): void {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS || process.env.SYNTH_SOURCE_MAPS) return;
  const runtimeDir = path.join(path.dirname(pulumiPath), 'runtime');
  let debuggable: Debuggable;
  let state: RuntimeState;
  try {
    debuggable = require(path.join(runtimeDir, 'debuggable.js')) as Debuggable;
    state = require(path.join(runtimeDir, 'state.js')) as RuntimeState;
  } catch {
    return; // another @pulumi/pulumi layout: run it as it is, only slower
  }
  const original = debuggable.debuggablePromise;
  const getStore = state.getStore;
  if (typeof original !== 'function' || typeof getStore !== 'function') return;
  let first = true;
  // The runtime's modules call it through their `debuggable_1` module object, so replacing the export reaches them.
  debuggable.debuggablePromise = (p, ctx) => {
    if (first) {
      first = false;
      return original(p, ctx); // installs the runtime's leak report at exit
    }
    const candidates = getStore().leakCandidates;
    candidates.add(p);
    return p.then(
      (value) => {
        candidates.delete(p);
        return value;
      },
      (err: { promise?: unknown }) => {
        candidates.delete(p);
        err.promise = p;
        throw err;
      },
    );
  };
}

async function main(): Promise<void> {
  // The runtime captures a stack trace for every promise and resource; mapped
  // through tsx's source maps that dominates synth time on big fleets (4x).
  // Short traces for the same reason; SYNTH_SOURCE_MAPS=1 restores full, mapped ones for debugging.
  if (!process.env.SYNTH_SOURCE_MAPS) {
    process.setSourceMapsEnabled(false);
    Error.stackTraceLimit = 8;
  }
  const req = JSON.parse(process.env.RECOVERY_SYNTH_REQUEST ?? '{}') as Request;
  // The runtime reads config from the environment when it first loads.
  process.env.PULUMI_CONFIG = JSON.stringify(req.config);
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(req.secretKeys);
  process.env.PULUMI_NODEJS_PROJECT = req.project;
  process.env.PULUMI_NODEJS_STACK = req.stack;
  process.chdir(req.programDir);

  // The program's own @pulumi/pulumi: mocks must be installed on the copy it uses.
  const pulumiPath = require.resolve('@pulumi/pulumi', { paths: [path.dirname(req.entry), req.programDir] });
  const pulumi = require(pulumiPath) as PulumiModule;
  withoutPromiseDebugTags(pulumiPath);
  const mocks = createMocks(req.mocks);
  const resources: SynthResource[] = [];
  const pending = new Map<string, SynthResource[]>();
  const urnOf = (type: string, name: string) => `urn:pulumi:${req.stack}::${req.project}::${type}::${name}`;

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const secretPaths: string[] = [];
        const inputs = toPlain(pulumi, args.inputs, '', secretPaths) as Record<string, unknown>;
        const { id, state } = mocks.newResource({ type: args.type, name: args.name, inputs: args.inputs, id: args.id });
        const resource: SynthResource = {
          type: args.type,
          name: args.name,
          urn: urnOf(args.type, args.name),
          custom: args.custom ?? true,
          inputs,
          secretPaths,
          outputs: toPlain(pulumi, state, '', []) as Record<string, unknown>,
          id: args.custom === false ? undefined : id,
        };
        resources.push(resource);
        const key = `${args.type}::${args.name}`;
        pending.set(key, [...(pending.get(key) ?? []), resource]);
        return { id, state };
      },
      call(args) {
        return mocks.call({ token: args.token, inputs: args.inputs as Record<string, unknown> });
      },
    },
    req.project,
    req.stack,
    false,
  );

  // The mock monitor computes the real URN (with the parent type chain) after newResource returns:
  // wrap its registerResource to record URN and parent on the resource just captured.
  interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
  }
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: (err: unknown, resp?: { getUrn(): string }) => void): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      const r = pending.get(`${req.getType()}::${req.getName()}`)?.shift();
      if (r && !err && resp) {
        r.urn = resp.getUrn();
        if (req.getParent()) r.parent = req.getParent();
      }
      cb(err, resp);
    });

  // Like the nodejs language host: require the entry; a function export is called and awaited.
  let programExports: Record<string, unknown> = {};
  const resolved = (await pulumi.runtime.runInPulumiStack(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(req.entry);
    const value = typeof mod === 'function' ? await mod() : typeof mod?.default === 'function' ? await mod.default() : mod;
    programExports = (value ?? {}) as Record<string, unknown>;
    return value;
  })) as Record<string, unknown> | undefined;
  const outputs: Record<string, unknown> = {};
  const outputSecrets: string[] = [];
  for (const [k, v] of Object.entries(resolved ?? {})) {
    if (k === 'default' || k === '__esModule' || v === undefined) continue;
    outputs[k] = v;
    const original = programExports[k];
    if (pulumi.Output.isInstance(original) && (await pulumi.isSecret(original))) outputSecrets.push(k);
  }
  // Everything the program started (alarms after invokes, policies in applies) has registered by now.
  await pulumi.runtime.disconnect();

  const result: SynthResult & { warnings: string[]; outputSecrets: string[] } = {
    project: req.project,
    stack: req.stack,
    resources,
    outputs,
    warnings: mocks.warnings,
    outputSecrets,
  };
  writeFileSync(req.out, JSON.stringify(result));
}

/**
 * Writes the failure for synthesize() to report, once: the first error wins,
 * whether main() rejects or an invoke's rejection surfaces outside it (an
 * Output that fails while the engine serializes it is not awaited by main).
 */
let reported = false;
function fail(err: unknown): void {
  if (reported) return;
  reported = true;
  const e = err as Error;
  const req = JSON.parse(process.env.RECOVERY_SYNTH_REQUEST ?? '{}') as Request;
  const configError = /Invalid stack configuration/.test(String(e?.message));
  writeFileSync(req.out, JSON.stringify({ error: { name: configError ? 'ConfigError' : e?.name ?? 'Error', message: String(e?.message ?? err), stack: e?.stack } }));
  process.exit(configError ? 2 : 1);
}
process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);

main().then(() => process.exit(0), fail);
