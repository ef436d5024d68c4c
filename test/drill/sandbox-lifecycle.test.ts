import { spawn } from 'node:child_process';
import * as path from 'node:path';

/**
 * `npm run drill` stops what it started: on Ctrl-C (SIGINT) while it runs,
 * and when it fails. Runs the real CLI in a child process (its own
 * moto_server) and checks that moto's process is gone afterwards.
 */
const ROOT = path.resolve(__dirname, '..', '..');
jest.setTimeout(120_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function startDrill(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extraEnv };
  delete env.AWS_ENDPOINT_URL; // the drill must start (and own) its own moto_server
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'drill.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const motoPid = new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /started moto_server on \S+ \(pid (\d+)\)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`drill exited before starting moto:\n${out}`));
      }
    }, 50);
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, motoPid, exit, output: () => out };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

describe('drill sandbox lifecycle', () => {
  it('stops moto_server on Ctrl-C', async () => {
    // Prepare
    const drill = startDrill(['--only', 'kill-switch-off']);
    const pid = await drill.motoPid;
    expect(alive(pid)).toBe(true);
    // Act
    drill.child.kill('SIGINT');
    const code = await drill.exit;
    // Assess
    expect(code).toBe(130);
    expect(await gone(pid)).toBe(true);
  });

  it('stops moto_server when the drill fails, and says why', async () => {
    // Prepare
    const drill = startDrill(['--stack', 'nosuch', '--only', 'kill-switch-off']);
    const pid = await drill.motoPid;
    // Act
    const code = await drill.exit;
    // Assess
    expect(code).toBe(1);
    expect(drill.output()).toMatch(/no stack file Pulumi\.nosuch\.yaml/);
    expect(await gone(pid)).toBe(true);
  });

  it('says how to install moto when moto_server is not on PATH', async () => {
    // Prepare: a PATH with node's directory only
    const drill = startDrill(['--only', 'kill-switch-off'], { PATH: path.dirname(process.execPath) });
    drill.motoPid.catch(() => undefined);
    // Act
    const code = await drill.exit;
    // Assess
    expect(code).toBe(1);
    expect(drill.output()).toContain("pip install 'moto[server]");
  });
});
