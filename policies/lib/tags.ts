import { ifKnown } from './unknown';

/**
 * The tags of an AWS resource as one map. Handles map-shaped `tags` (most
 * resources), list-shaped `tags` ([{ key, value }], Auto Scaling groups) and
 * `tagsAll` (outputs, including provider default tags, seen by stack policies).
 */
export function tagsOf(props: Record<string, any>): Record<string, string> {
  const out: Record<string, string> = {};
  const all = ifKnown(() => props.tagsAll);
  addTags(out, all);
  addTags(out, props.tags);
  return out;
}

function addTags(out: Record<string, string>, tags: unknown): void {
  if (!tags || typeof tags !== 'object') return;
  if (Array.isArray(tags)) {
    for (const t of tags) {
      if (t && typeof t.key === 'string' && t.value !== undefined) out[t.key] = String(t.value);
    }
    return;
  }
  for (const [k, v] of Object.entries(tags as Record<string, unknown>)) {
    if (v !== undefined && v !== null) out[k] = String(v);
  }
}
