// Minimal entry so infra can bundle it; the real handler replaces this (issue 3).
export async function handler(_event: unknown): Promise<never> {
  throw new Error('verifier: handler not implemented yet');
}
