import { createHash } from 'node:crypto';

/** EventBridge rule names: 1-64 of [.-_A-Za-z0-9]; long ones keep a readable head and a hash tail. */
export function ruleName(...parts: string[]): string {
  const raw = parts.join('-').replace(/[^.\-_A-Za-z0-9]/g, '_');
  if (raw.length <= 64) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  return `${raw.slice(0, 55)}-${hash}`;
}
