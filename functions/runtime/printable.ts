/**
 * Values taken from events (alarm names, reasons, labels, ids) reach logs,
 * ledger items, recovery events and notifications. Control and format
 * characters (terminal escapes, newlines that forge log lines, bidi overrides)
 * are replaced by `?` there, so what people read is what was sent, minus the
 * tricks. The ledger's reader prints the same way (scripts/audit/timeline.ts).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

export function hasUnprintable(s: string): boolean {
  UNPRINTABLE.lastIndex = 0;
  return UNPRINTABLE.test(s);
}

export function printable(s: string): string {
  return s.replace(UNPRINTABLE, '?');
}

/** The same for every string (keys included) in a JSON-like value; other values unchanged. */
export function printableDeep<T>(v: T): T {
  if (typeof v === 'string') return printable(v) as T;
  if (Array.isArray(v)) return v.map((x) => printableDeep(x)) as T;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [printable(k), printableDeep(x)])) as T;
  }
  return v;
}

/**
 * A value as a rejection message shows it: JSON (so quotes and escapes are
 * visible), control characters as `?`, at most `max` characters.
 */
export function shown(v: unknown, max = 80): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    return keys.length ? `an object with keys ${printable(keys.slice(0, 6).join(', ')).slice(0, max)}${keys.length > 6 ? ', ...' : ''}` : 'an empty object';
  }
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  text = printable(text);
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
}
