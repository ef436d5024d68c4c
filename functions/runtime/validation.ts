import type * as z from 'zod/mini';
import { shown } from './printable';

/**
 * Rejection messages an SRE can act on: `<path>: expected <what>, got <value>`.
 * zod/mini carries no locale (every message is "Invalid input"), so the words
 * come from the issue's own fields (expected type, allowed values, bounds,
 * pattern) and the value is read from the input at the issue's path. A check
 * that sets its own message (z.regex(re, 'a 12-digit account id')) names what
 * it expects in that message.
 */
type Issue = z.core.$ZodIssue;

function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const quoted = (values: readonly unknown[]) => values.map((x) => JSON.stringify(x)).join(' | ');

function expected(i: Issue): string {
  const own = i.message && i.message !== 'Invalid input' ? i.message : undefined;
  switch (i.code) {
    case 'invalid_type':
      return own ?? `${i.expected === 'int' ? 'an integer' : i.expected}`;
    case 'invalid_value':
      return own ?? (i.values.length === 1 ? quoted(i.values) : `one of ${quoted(i.values)}`);
    case 'invalid_union':
      if ('discriminator' in i && i.discriminator) return `one of ${quoted((i as { options?: unknown[] }).options ?? [])}`;
      return own ?? 'one of the accepted shapes';
    case 'too_big': {
      const unit = i.origin === 'string' ? ' characters' : i.origin === 'array' ? ' items' : '';
      return own ?? `at most ${String(i.maximum)}${unit}`;
    }
    case 'too_small': {
      const unit = i.origin === 'string' ? ' characters' : i.origin === 'array' ? ' items' : '';
      return own ?? `at least ${String(i.minimum)}${unit}`;
    }
    case 'invalid_format':
      return own ?? (i.format === 'regex' && 'pattern' in i ? `a string matching ${String(i.pattern)}` : `a valid ${i.format}`);
    case 'unrecognized_keys':
      return own ?? `no keys other than the known ones (unknown: ${i.keys.join(', ')})`;
    case 'not_multiple_of':
      return own ?? `a multiple of ${String(i.divisor)}`;
    default:
      return own ?? 'a valid value';
  }
}

/** One line per issue (at most `max`), each with the path under `prefix`. */
export function describeIssues(issues: readonly Issue[], input: unknown, o: { prefix?: string; max?: number } = {}): string {
  const lines = issues.slice(0, o.max ?? 8).map((i) => {
    const path = [...(o.prefix ? [o.prefix] : []), ...i.path.map(String)].join('.') || '(root)';
    const value = i.code === 'unrecognized_keys' ? undefined : at(input, i.path);
    const got = i.code === 'unrecognized_keys' ? i.keys.map((k) => JSON.stringify(k)).join(', ') : shown(value);
    return `${path}: expected ${expected(i)}, got ${got}`;
  });
  const more = issues.length > (o.max ?? 8) ? `; and ${issues.length - (o.max ?? 8)} more` : '';
  return lines.join('; ') + more;
}
