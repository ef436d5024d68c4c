import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { REGION } from './aws';

/**
 * `npm run audit -- --table <ledger> --resource <id>` as an operator runs it
 * (its own process, the standard AWS environment pointed at the emulator), so
 * a scenario can check that the audit trail the built functions left tells
 * the story: through the ledger's audit indexes, which the synthesized table
 * has and the bundles' records key.
 */
export interface AuditRun {
  code: number | null;
  out: string;
  err: string;
}

const MAIN = path.join(__dirname, '..', 'audit', 'main.ts');

export function auditTrail(emulator: string, table: string, resourceId: string): Promise<AuditRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: emulator,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.AWS_PROFILE;
  return new Promise((resolve) => {
    execFile(process.execPath, [require.resolve('tsx/cli'), MAIN, '--table', table, '--resource', resourceId], { env, timeout: 60_000 }, (error, out, err) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out, err }),
    );
  });
}
