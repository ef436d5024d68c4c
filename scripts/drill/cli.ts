/**
 * `npm run drill [-- --stack dev] [--json file] [--report file] [--only a,b] [--guards] [--verbose]`
 * Parsed strictly: a typo is an error with the usage, never silently ignored.
 */
export interface DrillArgs {
  stack: string;
  json?: string;
  report?: string;
  only?: string[];
  /** Run the guard scenarios (GUARD_SCENARIOS), on prod unless --stack says otherwise. */
  guards: boolean;
  verbose: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run drill -- [--stack dev|staging|prod] [--json <file>] [--report <file.md>] [--only <scenario,...>] [--guards] [--verbose]

Replays faults end to end in a local AWS emulator: starts moto_server (or uses AWS_ENDPOINT_URL),
synthesizes the stack, recreates it in the emulator, seeds a fleet, injects faults and runs the built
functions, whose every AWS request is then evaluated against the function's synthesized IAM role.
Exit 0 only when every scenario reached its expected outcome and no request was denied or unmapped.
--guards runs one scenario per guard (change calendar, approval, cooldown, attempts, caps,
circuit breaker) on the prod stack, whose config enables them all (with --only: as well).`;

export function parseArgs(argv: string[]): DrillArgs {
  const out: DrillArgs = { stack: 'dev', guards: false, verbose: false, help: false };
  let stackGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    switch (a) {
      case '--stack':
        out.stack = value();
        stackGiven = true;
        break;
      case '--guards':
        out.guards = true;
        break;
      case '--json':
        out.json = value();
        break;
      case '--report':
        out.report = value();
        break;
      case '--only':
        out.only = value().split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case '--verbose':
        out.verbose = true;
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      default:
        throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  if (out.guards && !stackGiven) out.stack = 'prod';
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(out.stack)) throw new Error(`--stack ${out.stack}: use a stack name such as dev, staging or prod`);
  return out;
}
