/** Nearest-rank percentile of a sample (ms). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export function summary(xs: number[]) {
  return { n: xs.length, p50: round(percentile(xs, 50)), p99: round(percentile(xs, 99)) };
}
