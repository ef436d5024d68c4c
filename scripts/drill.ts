/**
 * npm run drill: the whole fault loop end to end in a local AWS sandbox.
 * See scripts/drill/run.ts for the flow and scripts/drill/cli.ts for options.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, USAGE } from './drill/cli';
import { evidencePassed } from './iam/evaluate';
import { summary as iamSummary } from './iam/report';
import { json, markdown, table } from './drill/report';
import { runDrill } from './drill/run';
import { GUARD_SCENARIOS } from './drill/scenarios';
import type { Sandbox } from './drill/sandbox';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let sandbox: Sandbox | undefined;
  // Ctrl-C / kill: stop what the drill started (moto_server, the proxy), then exit.
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`\n${sig}: stopping the sandbox`);
    void (sandbox?.close() ?? Promise.resolve()).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const report = await runDrill({
    stack: args.stack,
    endpoint: process.env.AWS_ENDPOINT_URL || undefined,
    only: args.guards ? [...(args.only ?? []), ...GUARD_SCENARIOS.map((s) => s.name)] : args.only,
    log: (l) => console.log(l),
    onSandbox: (s) => (sandbox = s),
  });
  console.log('');
  console.log(table(report));
  console.log('');
  if (args.json) writeFileSync(args.json, json(report));
  if (args.report) writeFileSync(args.report, markdown(report));
  for (const line of iamSummary(report.iam)) console.log(line);
  console.log('');
  const failed = report.scenarios.filter((s) => !s.passed);
  const iamPassed = evidencePassed(report.iam);
  console.log(`drill ${report.stack}: ${report.scenarios.length - failed.length}/${report.scenarios.length} scenarios passed in ${report.seconds}s`);
  if (failed.length) console.log(`FAILED: ${failed.map((s) => s.name).join(', ')}`);
  if (!iamPassed) console.log(`FAILED: IAM evidence (${report.iam.denied} denied, ${report.iam.unmapped} unmapped, ${report.iam.unattributed.length} unattributed requests)`);
  return failed.length || !iamPassed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`drill failed: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.DRILL_DEBUG) console.error(e);
    process.exit(1);
  },
);
