import type { PolicyResource } from '@pulumi/policy';
import { ifKnown } from './unknown';

/**
 * Strings other resources use to point at `r`: its physical id, name,
 * identifier and ARN (stack policies see outputs, where these are set).
 */
export function identitiesOf(r: PolicyResource): string[] {
  const ids: string[] = [];
  for (const key of ['id', 'arn', 'name', 'identifier', 'functionName']) {
    const v = ifKnown(() => r.props[key]);
    if (typeof v === 'string' && v.length > 0) ids.push(v);
  }
  return ids;
}

/**
 * Does `from` refer to `to`? True when the engine recorded a dependency
 * (whole resource or one of `properties`), or when one of the given property
 * values of `from` equals an identity of `to` (or is an ARN ending in it).
 * Values that are unknown during preview are skipped: the dependency graph
 * covers those.
 */
export function refersTo(from: PolicyResource, to: PolicyResource, properties: string[]): boolean {
  if (from.dependencies.some((d) => d.urn === to.urn)) return true;
  for (const p of properties) {
    if ((from.propertyDependencies[p] ?? []).some((d) => d.urn === to.urn)) return true;
  }
  const ids = identitiesOf(to);
  if (ids.length === 0) return false;
  for (const p of properties) {
    const values = stringsIn(ifKnown(() => from.props[p]));
    if (values.some((v) => ids.some((id) => v === id || v.endsWith(`:${id}`) || v.endsWith(`/${id}`)))) return true;
  }
  return false;
}

/** Every string inside a value (objects and arrays walked), unknown parts skipped. */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) stringsIn(ifKnown(() => value[i]), out);
  }
  else if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) stringsIn(ifKnown(() => (value as Record<string, unknown>)[k]), out);
  }
  return out;
}
