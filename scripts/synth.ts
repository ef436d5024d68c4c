/**
 * npm run synth -- --stack <name> [--json] [--program <dir>] [--fleet <n>]
 *
 * Runs the Pulumi program under the mock engine with Pulumi.<name>.yaml and
 * prints what the stack would create: resource counts by type and which
 * function each alarm reaches. --json prints {"stack","resources":[{type,name,inputs}]}
 * with secrets redacted. Exit 2 on invalid config, 1 on any other failure.
 */
import * as path from 'node:path';
import { countsByType, redact, routes } from '../infra/synth/plan';
import { synthesize, SynthConfigError } from '../infra/synth/synthesize';

interface Args {
  stack: string;
  json: boolean;
  program?: string;
  fleet?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { stack: 'dev', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--stack' || a === '-s') args.stack = value();
    else if (a === '--json') args.json = true;
    else if (a === '--program') args.program = path.resolve(value());
    else if (a === '--fleet') args.fleet = Number(value());
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  if (args.fleet !== undefined && !(Number.isInteger(args.fleet) && args.fleet >= 0)) usage('--fleet must be a whole number');
  return args;
}

function usage(problem?: string): never {
  if (problem) console.error(problem);
  console.error('usage: npm run synth -- --stack <dev|staging|prod> [--json] [--program <dir>] [--fleet <instances per tag selector>]');
  process.exit(problem ? 1 : 0);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

// `npm run synth | head` closes the pipe early: that is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const result = await synthesize({
    stack: args.stack,
    programDir: args.program,
    mocks: args.fleet !== undefined ? { instancesPerSelector: args.fleet } : undefined,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;

  if (args.json) {
    const resources = result.resources.map((r) => ({ type: r.type, name: r.name, inputs: redact(r) }));
    process.stdout.write(`${JSON.stringify({ stack: result.stack, resources }, null, 2)}\n`);
    return;
  }

  console.log(`${result.project} / ${result.stack}: ${result.resources.length} resources (synthesized offline in ${(ms / 1000).toFixed(1)}s)\n`);
  console.log(table([['COUNT', 'TYPE'], ...countsByType(result).map(([t, n]) => [String(n), t])]));
  const r = routes(result);
  if (r.length > 0) {
    console.log(`\nAlarm -> playbook -> function (${r.length} alarms)`);
    console.log(
      table([
        ['ALARM', 'PLAYBOOK', 'FUNCTION'],
        ...r.map((x) => [x.alarm, x.playbook, x.functions.length === 1 ? x.functions[0] : `!! ${x.functions.length} routes: ${x.functions.join(', ') || 'none'}`]),
      ]),
    );
  }
  const outputs = Object.entries(result.outputs);
  if (outputs.length > 0) {
    console.log('\nOutputs');
    for (const [k, v] of outputs) console.log(`  ${k}: ${result.outputSecrets?.includes(k) ? '[secret]' : JSON.stringify(v)}`);
  }
  for (const w of result.warnings ?? []) console.log(`warning: ${w}`);
}

main().catch((err: unknown) => {
  if (err instanceof SynthConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
