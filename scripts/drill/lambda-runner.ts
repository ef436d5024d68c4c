import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import * as vm from 'node:vm';
import { accessKeyIdOf } from '../iam/callers';
import { ACCOUNT, REGION } from './aws';
import type { DeployedFunction } from './recreate';

/**
 * STAND-IN for the Lambda service (moto cannot run functions): loads the
 * BUILT bundle (dist/functions/<name>/index.js, what the stack deploys) and
 * calls its exported handler in this process, with the environment the
 * synthesized function has plus the variables the Lambda runtime itself sets,
 * AWS_ENDPOINT_URL pointing at the gap proxy, and a Lambda-shaped context.
 * Each function signs with an access key id of its own (scripts/iam/callers.ts),
 * standing in for its role's credentials: the proxy records who made each request.
 *
 * Each scenario starts with cold containers (`coldStart()`), so caches inside
 * a bundle (kill switch, clients) never leak from one scenario to the next.
 * Invocations of one function run concurrently up to its reserved concurrency
 * (an alarm storm must meet the guards the way it would in AWS); different
 * functions run one after another, because process.env is shared.
 *
 * Bundles run in Node's main context with Node's own loader (dynamic
 * `import("node:http")` in the SDK included), like the Lambda runtime runs
 * them, whether the drill itself runs under tsx or inside a jest sandbox.
 */

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;
type ModuleFactory = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** The main context's own globals (under jest, `process`/`console` here are the sandbox's copies). */
const main = {
  process: vm.runInThisContext('process') as NodeJS.Process,
  console: vm.runInThisContext('console') as Console,
};
const nodeModule = main.process.getBuiltinModule('node:module') as typeof import('node:module');

export interface Invocation {
  fn: string;
  startedAt: Date;
  ms: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  /** What the function wrote to stdout/stderr (its structured logs). */
  logs: string[];
}

export class LambdaRunner {
  private loaded = new Map<string, Handler>();
  /** Compiled bundles, read once per drill: every cold start runs the same bytes. */
  private readonly scripts = new Map<string, vm.Script>();
  readonly invocations: Invocation[] = [];

  constructor(
    private readonly opts: {
      bundleDir: string;
      awsEndpoint: string;
      /** Extra runtime knobs that are not part of the stack (none by default). */
      extraEnv?: Record<string, string>;
    },
  ) {}

  coldStart(): void {
    this.loaded.clear();
  }

  bundlePath(fn: DeployedFunction): string {
    return path.resolve(this.opts.bundleDir, fn.name, 'index.js');
  }

  private load(fn: DeployedFunction): Handler {
    const cached = this.loaded.get(fn.name);
    if (cached) return cached;
    const file = this.bundlePath(fn);
    // A fresh module instance per cold start: the bundle's CommonJS code evaluated in the
    // CommonJS wrapper, as Node's loader would (module caches differ between node and jest;
    // this is the same in both). The bundle carries its dependencies; `require` serves
    // Node's built-in modules.
    let script = this.scripts.get(file);
    if (!script) {
      script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, {
        filename: file,
        importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      });
      this.scripts.set(file, script);
    }
    const module = { exports: {} as { handler?: Handler } };
    const factory = script.runInThisContext() as ModuleFactory;
    factory(module.exports, nodeModule.createRequire(file), module, file, path.dirname(file));
    const handler = module.exports.handler;
    if (typeof handler !== 'function') throw new Error(`${file} does not export handler`);
    this.loaded.set(fn.name, handler);
    return handler;
  }

  private lambdaEnv(fn: DeployedFunction): Record<string, string> {
    return {
      PATH: main.process.env.PATH ?? '/usr/bin:/bin',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: accessKeyIdOf(fn.name),
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: 'testing',
      AWS_ENDPOINT_URL: this.opts.awsEndpoint,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `drill/[$LATEST]${randomUUID().replace(/-/g, '')}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LAMBDA_TASK_ROOT: path.dirname(this.bundlePath(fn)),
      ...fn.env,
      ...(this.opts.extraEnv ?? {}),
    };
  }

  /** Invokes one function with a batch of events, concurrently up to its reserved concurrency. */
  async invokeAll(fn: DeployedFunction, events: unknown[]): Promise<Invocation[]> {
    const { process: proc, console: con } = main;
    const savedEnv = { ...proc.env };
    const logs: string[] = [];
    const outWrite = proc.stdout.write.bind(proc.stdout);
    const errWrite = proc.stderr.write.bind(proc.stderr);
    const capture = (chunk: unknown, ...rest: unknown[]) => {
      logs.push(String(chunk).trimEnd());
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
    for (const k of Object.keys(proc.env)) delete proc.env[k];
    Object.assign(proc.env, this.lambdaEnv(fn));
    proc.stdout.write = capture as typeof proc.stdout.write;
    proc.stderr.write = capture as typeof proc.stderr.write;
    const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
    const savedConsole = consoleMethods.map((m) => con[m]);
    for (const m of consoleMethods) con[m] = (...args: unknown[]) => void logs.push(format(...args));
    try {
      const handler = this.load(fn);
      const results: Invocation[] = [];
      const limit = Math.max(1, fn.reservedConcurrency);
      for (let i = 0; i < events.length; i += limit) {
        const wave = events.slice(i, i + limit);
        results.push(...(await Promise.all(wave.map((e) => this.invokeOne(fn, handler, e, logs)))));
      }
      return results;
    } finally {
      consoleMethods.forEach((m, i) => (con[m] = savedConsole[i]));
      proc.stdout.write = outWrite;
      proc.stderr.write = errWrite;
      for (const k of Object.keys(proc.env)) delete proc.env[k];
      Object.assign(proc.env, savedEnv);
    }
  }

  private async invokeOne(fn: DeployedFunction, handler: Handler, event: unknown, logs: string[]): Promise<Invocation> {
    const startedAt = new Date();
    const deadline = startedAt.getTime() + fn.timeoutSeconds * 1000;
    const requestId = randomUUID();
    const context = {
      functionName: fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn.functionName}`,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: main.process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const first = logs.length;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Task timed out after ${fn.timeoutSeconds}.00 seconds`)), fn.timeoutSeconds * 1000);
      });
      const result = await Promise.race([handler(event, context), timeout]);
      const inv: Invocation = { fn: fn.name, startedAt, ms: Date.now() - startedAt.getTime(), ok: true, result, logs: logs.slice(first) };
      this.invocations.push(inv);
      return inv;
    } catch (e) {
      const inv: Invocation = {
        fn: fn.name,
        startedAt,
        ms: Date.now() - startedAt.getTime(),
        ok: false,
        error: describeError(e),
        logs: logs.slice(first),
      };
      this.invocations.push(inv);
      return inv;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/** `Name: message`, with the cause chain (SDK and Powertools errors wrap the interesting part). */
function describeError(e: unknown, depth = 0): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  return `${e.name}: ${e.message}${cause !== undefined && depth < 3 ? ` (cause: ${describeError(cause, depth + 1)})` : ''}`;
}
