import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createStack, TABLE } from '../functions/stack';
import { audit } from './audit-run';

/**
 * Bad input is refused before any AWS call (exit 2, the usage named), and a
 * ledger that cannot be read is named with the fix (exit 2). Real moto for
 * the table; the environment is broken on purpose where credentials, region
 * or the endpoint are the point.
 */
const INCIDENT = 'inc-0123456789abcdef';

describe('npm run audit: bad input and unreadable ledgers', () => {
  let saved: NodeJS.ProcessEnv;
  let sends: jest.SpyInstance;
  beforeEach(async () => {
    await createStack();
    saved = { ...process.env };
    // Every ledger read goes through the document client's send: counted, still sent.
    sends = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
  });
  afterEach(() => {
    sends.mockRestore();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it.each([
    [['--table', TABLE, '--incident', INCIDENT, '--verbose'], 'unknown flag --verbose'],
    [['--table', TABLE, '--incident', INCIDENT, 'extra'], 'unexpected argument "extra" (every value follows its flag)'],
    [['--incident', INCIDENT], '--table is required: the stack output ledgerTableName'],
    [['--table', '--incident', INCIDENT], '--table needs a value'],
    [['--table', 'x', '--incident', INCIDENT], '--table "x" is not a DynamoDB table name'],
    [['--table', TABLE], 'give --incident <id> or --resource <id>'],
    [['--table', TABLE, '--incident', INCIDENT, '--resource', 'i-0abc'], 'give --incident or --resource, not both'],
    [['--table', TABLE, '--incident', 'inc-123'], '--incident "inc-123" is not an incident id'],
    [['--table', TABLE, '--incident', INCIDENT, '--since', '24h'], '--since applies to --resource only'],
    [['--table', TABLE, '--resource', 'i-0abc', '--since', '24'], '--since "24": use a whole number and a unit m, h or d, e.g. 30m, 24h, 7d'],
    [['--table', TABLE, '--resource', 'i-0abc', '--since', '1w'], '--since "1w": use a whole number and a unit m, h or d'],
    [['--table', TABLE, '--resource', 'i-0abc', '--since', '0h'], '--since "0h": use a whole number'],
    [['--table', TABLE, '--resource', 'i-0abc', '--since', '-1h'], '--since "-1h": use a whole number'],
    [['--table', TABLE, '--resource', 'i-0abc', '--since', '91d'], '--since 91d: at most 90d (audit records expire after 90 days)'],
    [['--table', TABLE, '--resource', 'i-0abc', '--max-pages', '0'], '--max-pages "0": a whole number of 1 MB scan pages'],
    [['--table', TABLE, '--resource', 'i-0abc', '--json', '--json'], '--json given twice'],
    [['--table', TABLE, '--incident', INCIDENT, '--scan'], '--scan applies to --resource only'],
    [['--table', TABLE, '--resource', 'i-0abc', '--scan=yes'], '--scan takes no value'],
    [['--table', TABLE, '--resource', 'standalone'], '--resource standalone: that is the blast-radius group of every resource outside a group'],
  ])('%j -> exit 2, nothing read', async (argv, message) => {
    // Act
    const run = await audit(argv);
    // Assess
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toContain(`audit: ${message}`);
    expect(run.err).toContain('npm run audit -- --help');
    expect(sends).not.toHaveBeenCalled();
  });

  it('accepts 30m, 24h and 7d, and --flag=value', async () => {
    // Act
    const runs = [await audit(['--table', TABLE, '--resource', 'i-0abc', '--since', '30m']), await audit(['--table', TABLE, '--resource', 'i-0abc', '--since=24h']), await audit([`--table=${TABLE}`, '--resource=i-0abc', '--since', '7d'])];
    // Assess: read, and nothing found in the empty ledger
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(runs.map((r) => r.err.includes('no decisions about i-0abc'))).toEqual([true, true, true]);
  });

  it('--help prints the usage, naming the stack output, the indexes, the scan, the permissions and the AWS environment, and exits 0', async () => {
    // Act
    const run = await audit(['--help']);
    // Assess
    expect(run.code).toBe(0);
    expect(run.out).toContain('the stack output ledgerTableName');
    expect(run.out).toContain("Queries the ledger's audit indexes");
    expect(run.out).toContain('--scan              with --resource: SCAN the whole table');
    expect(run.out).toContain('dynamodb:Query on the table and its indexes\n(arn:aws:dynamodb:<region>:<account>:table/<ledger>/index/*)');
    expect(run.out).toContain('AWS_REGION, AWS_PROFILE');
    expect(run.out).toContain('AWS_ENDPOINT_URL');
    expect(sends).not.toHaveBeenCalled();
  });

  it('an incident without records says so and exits 1; --json prints []', async () => {
    // Act
    const [text, json] = [await audit(['--table', TABLE, '--incident', INCIDENT]), await audit(['--table', TABLE, '--incident', `incident#${INCIDENT}`, '--json'])];
    // Assess
    expect(text.code).toBe(1);
    expect(text.out).toBe('');
    expect(text.err).toContain(`audit: no records for incident ${INCIDENT} in ${TABLE} (region us-east-1, endpoint http://127.0.0.1:`);
    expect(json.code).toBe(1);
    expect(json.out).toBe('[]');
  });

  it.each([
    ['--incident', INCIDENT],
    ['--resource', 'i-0abc'],
  ])('a table that does not exist is named with how to find the right one (%s)', async (flag, id) => {
    // Act
    const run = await audit(['--table', 'recovery-tset-ledger', flag, id]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/^audit: table recovery-tset-ledger not found \(region us-east-1, endpoint http:\/\/127\.0\.0\.1:\d+\): the table name is the stack output ledgerTableName \(pulumi stack output ledgerTableName -s <env>/);
  });

  it('no credentials: says where credentials come from, exit 2', async () => {
    // Prepare: no keys, a profile that exists nowhere, no instance metadata
    const dir = mkdtempSync(path.join(tmpdir(), 'audit-'));
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[k];
    Object.assign(process.env, {
      AWS_PROFILE: 'recovery-audit-missing',
      AWS_CONFIG_FILE: path.join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    // Act
    const run = await audit(['--table', TABLE, '--incident', INCIDENT]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^audit: no AWS credentials for profile recovery-audit-missing \(AWS_PROFILE\) \(.+\): set AWS_PROFILE to a configured profile \(and aws sso login\), or AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY$/);
  });

  it('no region: says to set AWS_REGION, exit 2', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'audit-'));
    for (const k of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[k];
    process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
    // Act
    const run = await audit(['--table', TABLE, '--incident', INCIDENT]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.err).toBe("audit: no AWS region: set AWS_REGION to the stack's region (or a region in the AWS_PROFILE's config)");
  });

  it('an endpoint that does not answer is named, exit 2', async () => {
    // Prepare: a loopback port nobody listens on
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
    // Act
    const run = await audit(['--table', TABLE, '--resource', 'i-0abc']);
    // Assess
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toBe(
      `audit: cannot reach DynamoDB (region us-east-1, endpoint http://127.0.0.1:${port}): connect ECONNREFUSED 127.0.0.1:${port}. Check the network, AWS_REGION and, for a sandbox, that AWS_ENDPOINT_URL points at a running emulator`,
    );
  });

  it('exits 2 as a process too (the tsx entry npm run audit runs), usage on stderr, nothing on stdout', () => {
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../scripts/audit/main.ts'), '--table', TABLE, '--incdent', INCIDENT], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('audit: unknown flag --incdent\nrun npm run audit -- --help for the usage\n');
  });
});
