import { parseArgs } from '../../scripts/drill/cli';

describe('drill command line', () => {
  it('defaults to the dev stack', () => {
    // Act
    const args = parseArgs([]);
    // Assess
    expect(args).toMatchObject({ stack: 'dev', verbose: false, help: false });
  });

  it('reads --stack, --json, --report and --only', () => {
    // Act
    const args = parseArgs(['--stack', 'prod', '--json', 'out.json', '--report', 'r.md', '--only', 'alarm-storm, kill-switch-off']);
    // Assess
    expect(args).toMatchObject({ stack: 'prod', json: 'out.json', report: 'r.md', only: ['alarm-storm', 'kill-switch-off'] });
  });

  it('--guards runs on prod unless --stack names another stack', () => {
    // Act
    const plain = parseArgs(['--guards']);
    const onStaging = parseArgs(['--stack', 'staging', '--guards']);
    // Assess
    expect(plain).toMatchObject({ stack: 'prod', guards: true });
    expect(onStaging).toMatchObject({ stack: 'staging', guards: true });
    expect(parseArgs([])).toMatchObject({ guards: false });
  });

  it.each([
    [['--stak', 'dev'], /unknown argument --stak/],
    [['--json'], /--json needs a value/],
    [['--json', '--report', 'x'], /--json needs a value/],
    [['--stack', 'Prod!'], /--stack Prod!: use a stack name/],
  ])('rejects %j with a clear message', (argv, message) => {
    // Act + Assess
    expect(() => parseArgs(argv as string[])).toThrow(message);
  });
});
