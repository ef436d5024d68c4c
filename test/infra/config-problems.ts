import { ConfigError, loadConfig } from '../../infra/config';

/** The problems loadConfig names for `raw` (each: key and message); a config it accepts fails the test. */
export function problemsOf(raw: Record<string, unknown>): { key: string; message: string }[] {
  try {
    loadConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}
