import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { programEntry, readProjectFile, readStackFile } from './stack-files';
import type { SynthOptions, SynthResult } from './types';

/**
 * Runs a Pulumi TypeScript/JavaScript program under the mock engine for one
 * stack and returns every resource it registered with its inputs. Each call
 * runs the program in a fresh Node process (TypeScript through tsx), so it can
 * be called any number of times, for any stack or program, from one process
 * (tests, `synth`, the policy runner, the drill).
 */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The stack config is invalid: `message` names each key and the fix. */
export class SynthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class SynthError extends Error {
  constructor(message: string, readonly programStack?: string) {
    super(message);
    this.name = 'SynthError';
  }
}

export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const programDir = path.resolve(opts.programDir ?? REPO_ROOT);
  const project = readProjectFile(programDir);
  const entry = programEntry(programDir, project);
  if (!existsSync(entry)) throw new SynthError(`${project.name}: program entry ${entry} does not exist (Pulumi.yaml main / package.json main)`);
  const { config, secretKeys } = readStackFile(programDir, project, opts.stack, opts.config);

  const workDir = mkdtempSync(path.join(tmpdir(), 'synth-'));
  const out = path.join(workDir, 'result.json');
  try {
    const request = { programDir, entry, project: project.name, stack: opts.stack, config, secretKeys, mocks: opts.mocks ?? {}, out };
    const { code, stderr } = await runChild(request);
    if (!existsSync(out)) {
      throw new SynthError(`synth of ${project.name}/${opts.stack} crashed (exit ${code}) before reporting:\n${stderr.trim().split('\n').slice(-20).join('\n')}`);
    }
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as SynthResult | { error: { name: string; message: string; stack?: string } };
    if ('error' in parsed) {
      if (parsed.error.name === 'ConfigError') throw new SynthConfigError(parsed.error.message);
      throw new SynthError(`synth of ${project.name}/${opts.stack} failed: ${parsed.error.message}`, parsed.error.stack);
    }
    return parsed;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function runChild(request: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  // tsx's loader registers TypeScript for require() and import() alike.
  const tsxLoader = pathToFileURL(require.resolve('tsx', { paths: [REPO_ROOT] })).href;
  const runner = path.join(__dirname, 'runner.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, runner], {
      cwd: request.programDir as string,
      env: {
        ...process.env,
        RECOVERY_SYNTH_REQUEST: JSON.stringify(request),
        // Never let a developer's real engine/monitor addresses leak into a mock run.
        PULUMI_MONITOR: '',
        PULUMI_ENGINE: '',
        PULUMI_CONFIG: '',
        PULUMI_CONFIG_SECRET_KEYS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => process.env.SYNTH_VERBOSE && process.stderr.write(d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
