import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { format } from 'node:util';
import { ACCOUNT, REGION } from './aws';
import type { DeployedFunction } from './recreate';

/**
 * STAND-IN for the Lambda service (moto cannot run functions): loads the
 * BUILT bundle (dist/functions/<name>/index.js, what the stack deploys) and
 * calls its exported handler in this process, with the environment the
 * synthesized function has plus the variables the Lambda runtime itself sets,
 * AWS_ENDPOINT_URL pointing at the gap proxy, and a Lambda-shaped context.
 *
 * Each scenario starts with cold containers (`coldStart()`), so caches inside
 * a bundle (kill switch, clients) never leak from one scenario to the next.
 * Invocations of one function run concurrently up to its reserved concurrency
 * (an alarm storm must meet the guards the way it would in AWS); different
 * functions run one after another, because process.env is shared.
 */
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

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

export class LambdaRunner {
  private loaded = new Map<string, Handler>();
  /** Bundle source, read once per drill: every cold start runs the same bytes. */
  private readonly sources = new Map<string, string>();
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
    // A fresh module instance per cold start: evaluate the bundle's CommonJS code ourselves
    // (module caches differ between node and jest; this is the same in both). The bundle
    // carries all its dependencies; `require` only serves Node's built-in modules.
    let code = this.sources.get(file);
    if (code === undefined) {
      code = readFileSync(file, 'utf8');
      this.sources.set(file, code);
    }
    const module = { exports: {} as { handler?: Handler } };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function('exports', 'require', 'module', '__filename', '__dirname', `${code}\n//# sourceURL=${file}`);
    factory(module.exports, createRequire(file), module, file, path.dirname(file));
    const handler = module.exports.handler;
    if (typeof handler !== 'function') throw new Error(`${file} does not export handler`);
    this.loaded.set(fn.name, handler);
    return handler;
  }

  private lambdaEnv(fn: DeployedFunction): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
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
    const savedEnv = { ...process.env };
    const logs: string[] = [];
    const outWrite = process.stdout.write.bind(process.stdout);
    const errWrite = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown, ...rest: unknown[]) => {
      logs.push(String(chunk).trimEnd());
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, this.lambdaEnv(fn));
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    // Under jest, `console` is jest's own (it does not go through process.stdout): capture it too.
    const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
    const savedConsole = consoleMethods.map((m) => console[m]);
    for (const m of consoleMethods) console[m] = (...args: unknown[]) => void logs.push(format(...args));
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
      consoleMethods.forEach((m, i) => (console[m] = savedConsole[i]));
      process.stdout.write = outWrite;
      process.stderr.write = errWrite;
      for (const k of Object.keys(process.env)) delete process.env[k];
      Object.assign(process.env, savedEnv);
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
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
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
        error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        logs: logs.slice(first),
      };
      this.invocations.push(inv);
      return inv;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
