/**
 * npm run audit: recovery-stack's audit trail for one incident or one resource.
 * See ./args.ts for the options and ./run.ts for the flow.
 */
import { runAudit } from './run';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runAudit(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`audit: unexpected error: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 2;
  },
);
