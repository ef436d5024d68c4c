import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

/**
 * Starts and stops moto_server, the local AWS API emulator used by the tests
 * and the drill. Always on a free loopback port: never assume a fixed one.
 */
export interface MotoServer {
  endpoint: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export const MOTO_INSTALL_HINT =
  "moto_server was not found on PATH. Install it with: pip install 'moto[server]>=5.2' (Python 3.9+), or point AWS_ENDPOINT_URL at a running emulator.";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode} before it was ready: ${stderr().trim().split('\n').slice(-3).join(' | ')}`);
    try {
      // The dashboard page, not data.json: moto answers data.json with a 500 once
      // some backends hold state it cannot serialize (RDS instances, for one).
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) return;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * moto's app served one request at a time (./moto_serialized.py says why:
 * its conditional writes are not atomic across moto_server's threads). Run
 * with the `python3` that has moto; where only a `moto_server` command has it
 * (pipx and the like), that plain server is started instead.
 */
const SERIALIZED = path.join(__dirname, 'moto_serialized.py');

export async function startMoto(opts: { timeoutMs?: number; log?: (line: string) => void } = {}): Promise<MotoServer> {
  try {
    return await launch('python3', [SERIALIZED, '127.0.0.1'], opts);
  } catch (e) {
    if (!(e instanceof MotoNotImportable)) throw e;
    opts.log?.(`python3 cannot import moto (${e.message}); starting moto_server, whose conditional writes are not serialized`);
    return launch('moto_server', ['-H', '127.0.0.1', '-p'], opts);
  }
}

class MotoNotImportable extends Error {}

async function launch(command: string, args: string[], opts: { timeoutMs?: number; log?: (line: string) => void }): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(command, [...args, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_CALL_RESET_API: 'true', MOTO_PORT: String(port) },
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? (command === 'moto_server' ? new Error(MOTO_INSTALL_HINT) : new MotoNotImportable(`${command} not found`)) : e),
    ),
  );
  // moto logs every request to stderr; keep it drained so the pipe never blocks it (the tail is kept for errors).
  let tail = '';
  child.stdout?.on('data', (b) => opts.log?.(String(b)));
  child.stderr?.on('data', (b) => {
    tail = (tail + String(b)).slice(-2000);
    opts.log?.(String(b));
  });
  try {
    await Promise.race([waitUntilUp(endpoint, child, opts.timeoutMs ?? 20000, () => tail), spawnError]);
  } catch (e) {
    child.kill('SIGKILL');
    if (command !== 'moto_server' && /No module named '?(moto|werkzeug)/.test(tail)) throw new MotoNotImportable(tail.trim().split('\n').pop() ?? 'no module');
    throw e;
  }
  return {
    endpoint,
    port,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(killTimer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Drops all emulator state (moto's reset API). Its answer, `{"status": "ok"}`,
 * is also how an endpoint someone named is known to be moto at all.
 */
export async function resetMoto(endpoint: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`moto reset at ${endpoint} failed: ${cause?.code ?? cause?.message ?? String(e)}`);
  }
  const body = await res.text();
  let status: unknown;
  try {
    status = (JSON.parse(body) as { status?: unknown }).status;
  } catch {
    status = undefined;
  }
  if (!res.ok || status !== 'ok') {
    throw new Error(`moto reset at ${endpoint} failed: HTTP ${res.status} ${body.slice(0, 120)}`.trim());
  }
}
