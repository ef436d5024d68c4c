import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/**
 * Reads a Pulumi project the way the CLI would for `pulumi up -s <stack>`:
 * Pulumi.yaml (name, main, stackConfigDir) and Pulumi.<stack>.yaml (config).
 * Offline there is no passphrase or secrets provider, so `secure:` values are
 * kept opaque: replaced by a placeholder and their key marked secret, exactly
 * as the runtime marks decrypted secret keys.
 */
export const SECRET_PLACEHOLDER = '[secret]';

export interface ProjectFile {
  name: string;
  main?: string;
  stackConfigDir?: string;
  runtime: string;
}

export function readProjectFile(programDir: string): ProjectFile {
  const file = ['Pulumi.yaml', 'Pulumi.yml'].map((f) => path.join(programDir, f)).find(existsSync);
  if (!file) throw new Error(`no Pulumi.yaml in ${programDir}: point programDir at a Pulumi project`);
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const runtime = typeof doc.runtime === 'string' ? doc.runtime : (doc.runtime as { name?: string } | undefined)?.name;
  if (typeof doc.name !== 'string') throw new Error(`${file}: missing project name`);
  if (runtime !== 'nodejs') throw new Error(`${file}: runtime is ${runtime}; offline synth runs nodejs (TypeScript/JavaScript) programs only`);
  return { name: doc.name, main: doc.main as string | undefined, stackConfigDir: doc.stackConfigDir as string | undefined, runtime };
}

export interface StackConfigValues {
  /** Fully-qualified keys (`project:key`), values as the runtime receives them: strings, objects JSON-encoded. */
  config: Record<string, string>;
  secretKeys: string[];
}

export function readStackFile(programDir: string, project: ProjectFile, stack: string, overrides: Record<string, unknown> = {}): StackConfigValues {
  const dir = path.join(programDir, project.stackConfigDir ?? '.');
  const file = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => path.join(dir, f)).find(existsSync);
  const doc = file ? ((parse(readFileSync(file, 'utf8')) ?? {}) as { config?: Record<string, unknown> }) : {};
  if (!file && Object.keys(overrides).length === 0) {
    throw new Error(`no Pulumi.${stack}.yaml in ${dir}: create it (pulumi stack init ${stack}) or pick another stack`);
  }
  const merged: Record<string, unknown> = { ...(doc.config ?? {}) };
  for (const [k, v] of Object.entries(overrides)) merged[k] = v;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(merged)) {
    // A key without a namespace belongs to the project.
    const key = rawKey.includes(':') ? rawKey : `${project.name}:${rawKey}`;
    const { value: plain, secret } = stripSecure(value);
    if (plain === undefined) continue;
    config[key] = typeof plain === 'string' ? plain : JSON.stringify(plain);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

function stripSecure(value: unknown): { value: unknown; secret: boolean } {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length === 1 && typeof obj.secure === 'string') return { value: SECRET_PLACEHOLDER, secret: true };
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = stripSecure(v);
      secret ||= r.secret;
      out[k] = r.value;
    }
    return { value: out, secret };
  }
  if (Array.isArray(value)) {
    let secret = false;
    const out = value.map((v) => {
      const r = stripSecure(v);
      secret ||= r.secret;
      return r.value;
    });
    return { value: out, secret };
  }
  return { value, secret: false };
}

/** The program's entry file, as the nodejs language host resolves `main`. */
export function programEntry(programDir: string, project: ProjectFile): string {
  let target = path.resolve(programDir, project.main ?? '.');
  if (existsSync(target) && !existsSync(path.join(target, 'index.ts')) && !existsSync(path.join(target, 'index.js'))) {
    const pkgFile = path.join(target, 'package.json');
    if (existsSync(pkgFile)) {
      const main = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { main?: string }).main;
      if (main) target = path.resolve(target, main);
    }
  }
  if (existsSync(target) && !path.extname(target)) {
    for (const index of ['index.ts', 'index.js']) if (existsSync(path.join(target, index))) return path.join(target, index);
  }
  return target;
}
