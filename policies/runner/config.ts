import { readFileSync } from 'node:fs';
import type { EnforcementLevel, Policies } from '@pulumi/policy';
import { z } from 'zod';

/**
 * Policy pack configuration with the Pulumi CLI's semantics
 * (`pulumi preview --policy-pack-config <file>`; engine: analyzer/config.go):
 *   - the file maps a policy name (or "all") to an enforcement level string, or
 *     to an object with an optional `enforcementLevel` plus config properties;
 *   - each policy starts from its own enforcementLevel (else the pack default,
 *     "advisory") and its configSchema defaults; "all" then sets every
 *     policy's level; then per-policy entries override level and properties;
 *   - the result is validated against each policy's configSchema.
 * One deliberate difference: a policy name that is not in the pack is an
 * error here (the CLI ignores it), so a typo cannot silently leave a rule at
 * its default in CI.
 */
export const ENFORCEMENT_LEVELS: EnforcementLevel[] = ['advisory', 'mandatory', 'remediate', 'disabled'];
/** PolicyPack's default when neither the policy nor the config sets a level. */
export const PACK_DEFAULT_LEVEL: EnforcementLevel = 'advisory';

export class PolicyConfigError extends Error {}

export interface GivenPolicyConfig {
  enforcementLevel?: EnforcementLevel;
  properties?: Record<string, unknown>;
}

export interface ResolvedPolicyConfig {
  enforcementLevel: EnforcementLevel;
  properties: Record<string, unknown>;
}

export type ResolvedPackConfig = Record<string, ResolvedPolicyConfig>;

function isLevel(v: unknown): v is EnforcementLevel {
  return typeof v === 'string' && (ENFORCEMENT_LEVELS as string[]).includes(v);
}

/** Parses the JSON text of a --policy-pack-config file. */
export function parsePolicyPackConfig(text: string, source: string): Record<string, GivenPolicyConfig> {
  if (text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PolicyConfigError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyConfigError(`${source}: must be a JSON object mapping policy names (or "all") to a level or an object`);
  }
  const out: Record<string, GivenPolicyConfig> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value === 'string') {
      if (!isLevel(value)) {
        throw new PolicyConfigError(`${source}: "${name}": "${value}" is not an enforcement level; use one of ${ENFORCEMENT_LEVELS.join(', ')}`);
      }
      out[name] = { enforcementLevel: value };
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const { enforcementLevel, ...properties } = value as Record<string, unknown>;
      if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
        throw new PolicyConfigError(
          `${source}: "${name}".enforcementLevel: ${JSON.stringify(enforcementLevel)} is not an enforcement level; use one of ${ENFORCEMENT_LEVELS.join(', ')}`,
        );
      }
      const given: GivenPolicyConfig = {};
      if (enforcementLevel !== undefined) given.enforcementLevel = enforcementLevel;
      if (Object.keys(properties).length > 0) given.properties = properties;
      if (given.enforcementLevel !== undefined || given.properties !== undefined) out[name] = given;
    } else {
      throw new PolicyConfigError(`${source}: "${name}": ${JSON.stringify(value)} is not valid; use an enforcement level string or an object`);
    }
  }
  return out;
}

export function loadPolicyPackConfig(file: string): Record<string, GivenPolicyConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PolicyConfigError(`cannot read policy config ${file}: ${(e as Error).message}`);
  }
  return parsePolicyPackConfig(text, file);
}

/** Defaults, then "all", then per-policy config; validated against each configSchema. */
export function reconcilePolicyPackConfig(policies: Policies, given: Record<string, GivenPolicyConfig> = {}): ResolvedPackConfig {
  const names = new Set(policies.map((p) => p.name));
  const unknown = Object.keys(given).filter((n) => n !== 'all' && !names.has(n));
  if (unknown.length > 0) {
    throw new PolicyConfigError(`unknown policy name(s) in config: ${unknown.join(', ')}. Known: ${[...names].join(', ')}`);
  }
  const result: ResolvedPackConfig = {};
  for (const p of policies) {
    const defaults: Record<string, unknown> = {};
    for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
      if (typeof schema === 'object' && schema.default !== undefined) defaults[k] = schema.default;
    }
    result[p.name] = { enforcementLevel: p.enforcementLevel ?? PACK_DEFAULT_LEVEL, properties: defaults };
  }
  const all = given.all?.enforcementLevel;
  if (all) for (const r of Object.values(result)) r.enforcementLevel = all;
  for (const [name, g] of Object.entries(given)) {
    if (name === 'all') continue;
    if (g.enforcementLevel) result[name].enforcementLevel = g.enforcementLevel;
    if (g.properties) result[name].properties = { ...result[name].properties, ...g.properties };
  }
  const errors: string[] = [];
  for (const p of policies) {
    const props = result[p.name].properties;
    if (!p.configSchema) {
      if (Object.keys(props).length > 0) errors.push(`${p.name}: takes no configuration properties (got ${Object.keys(props).join(', ')})`);
      continue;
    }
    const schema = z.fromJSONSchema({ type: 'object', properties: p.configSchema.properties, required: p.configSchema.required ?? [] } as never);
    const parsed = schema.safeParse(props);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        errors.push(`${p.name}.${issue.path.join('.') || '(root)'}: ${issue.message}`);
      }
    }
  }
  if (errors.length > 0) throw new PolicyConfigError(`invalid policy configuration:\n  ${errors.join('\n  ')}`);
  return result;
}
