/**
 * EventBridge pattern matching for the subset recovery-stack uses: nested
 * objects, arrays of exact values, `{prefix}`, `{exists}` and
 * `{anything-but}`. Used by `synth` to show which rule an alarm reaches; the
 * tests check it against the emulator's real EventBridge matching.
 */
export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  if (!event || typeof event !== 'object') return false;
  const ev = event as Record<string, unknown>;
  for (const [key, cond] of Object.entries(pattern)) {
    const value = ev[key];
    if (Array.isArray(cond)) {
      if (!matchesList(cond, value)) return false;
    } else if (cond && typeof cond === 'object') {
      if (!matchesPattern(cond as Record<string, unknown>, value)) return false;
    } else {
      throw new Error(`unsupported pattern at ${key}: ${JSON.stringify(cond)} (pattern leaves must be arrays)`);
    }
  }
  return true;
}

function matchesList(conds: unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return conds.some((c) => {
    if (c !== null && typeof c === 'object') {
      const op = c as Record<string, unknown>;
      if (typeof op.prefix === 'string') return values.some((v) => typeof v === 'string' && v.startsWith(op.prefix as string));
      if (typeof op.exists === 'boolean') return op.exists ? value !== undefined : value === undefined;
      if ('anything-but' in op) {
        const not = Array.isArray(op['anything-but']) ? (op['anything-but'] as unknown[]) : [op['anything-but']];
        return value !== undefined && values.every((v) => !not.includes(v));
      }
      throw new Error(`unsupported pattern operator ${JSON.stringify(c)}`);
    }
    return value !== undefined && values.some((v) => v === c);
  });
}
