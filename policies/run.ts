/**
 * Offline policy check: synthesizes a stack under Pulumi's mock engine and runs
 * every resource and stack policy of the pack with the runtime's semantics.
 *
 *   npm run policy -- --stack prod
 *   npm run policy -- --program examples/bad-program --stack prod
 *   npm run policy -- --stack dev --config policies/config.prod.json
 *
 * Exit codes: 0 no mandatory violation; 1 mandatory violation(s) or a policy
 * error; 2 usage, config or synthesis error.
 */
import * as path from 'node:path';
import { ALL_POLICIES } from './all';
import { checkStack } from './runner/check';
import { PolicyConfigError } from './runner/config';
import { formatReport, summarize } from './runner/report';

const USAGE = `usage: npm run policy -- --stack <name> [--program <dir>] [--config <policy-config.json>]
  --stack    stack name; reads Pulumi.<stack>.yaml next to the program's Pulumi.yaml
  --program  a Pulumi TypeScript program directory (default: this repository)
  --config   policy pack config (default: policies/config.<stack>.json if present)`;

interface Args {
  stack: string;
  program?: string;
  config?: string;
}

class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  const out: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const key = ({ '--stack': 'stack', '--program': 'program', '--config': 'config' } as const)[flag as '--stack'];
    if (!key) throw new UsageError(flag === '--help' || flag === '-h' ? '' : `unknown argument '${flag}'`);
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    out[key] = value;
  }
  if (!out.stack) throw new UsageError('--stack is required');
  return out as Args;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    const msg = (e as Error).message;
    console.error(msg ? `error: ${msg}\n${USAGE}` : USAGE);
    return 2;
  }
  const programDir = args.program ? path.resolve(args.program) : undefined;
  let checked;
  try {
    checked = await checkStack({ stack: args.stack, programDir, configFile: args.config && path.resolve(args.config) });
  } catch (e) {
    if (e instanceof PolicyConfigError) {
      console.error(`error: ${e.message}`);
    } else {
      console.error(`error: could not synthesize stack '${args.stack}'${programDir ? ` of ${programDir}` : ''}: ${(e as Error).stack ?? e}`);
    }
    return 2;
  }
  const { result, config, configFile, timings, synth } = checked;
  const heading =
    `Policy pack recovery-stack: ${synth.project}/${synth.stack} (${result.resourceCount} resources), ` +
    `config ${configFile ? path.relative(process.cwd(), configFile) : '(policy defaults)'}`;
  console.log(formatReport(result, ALL_POLICIES, config, heading));
  console.log(`Timing: synth ${Math.round(timings.synthMs)} ms, policies ${Math.round(timings.policyMs)} ms`);
  return summarize(result).failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
}
