import { LEDGER_INDEXES } from '../../functions/contracts/ledger-indexes';
import { parseDuration } from './duration';

/**
 * `npm run audit -- --table <ledger> (--incident <id> | --resource <id> [--since 24h] [--scan]) [--json]`
 * Parsed strictly: a typo is an error with the usage (exit 2), never a silently different query.
 */
export type AuditQuery = { kind: 'incident'; incidentId: string } | { kind: 'resource'; resourceId: string; sinceMs: number; maxPages: number; scan: boolean };

export interface AuditArgs {
  table: string;
  query: AuditQuery;
  json: boolean;
}

export const DEFAULT_SINCE = '24h';
export const DEFAULT_MAX_PAGES = 50;
const INCIDENT_ID = /^inc-[a-f0-9]{16}$/;

export const USAGE = `usage: npm run audit -- --table <ledger table> --incident <incident id> [--json]
       npm run audit -- --table <ledger table> --resource <resource id> [--since ${DEFAULT_SINCE}] [--scan] [--max-pages ${DEFAULT_MAX_PAGES}] [--json]

Reads recovery-stack's audit trail (its DynamoDB ledger) and prints what the automation decided, oldest
first, one decision per line: time, rung, action, detail-type, resource, and why (the guard that skipped
it, the plan, the result, the failure).

  --table <name>      the ledger table: the stack output ledgerTableName
                      (pulumi stack output ledgerTableName -s <env>; recovery-<env>-ledger by default)
  --incident <id>     one incident from alarm to outcome (inc-<16 hex>, as in notifications)
  --resource <id>     every incident that touched the resource within --since: instance, volume, ASG,
                      DB instance id, function:alias, cluster/service, cluster/namespace/deployment;
                      an ASG name also finds its members'. Queries the ledger's audit indexes
                      (${LEDGER_INDEXES.map((i) => i.name).join(', ')}): reads only that resource's
                      records. A ledger deployed before the indexes has none: then this scans, and says so.
  --since <window>    how far back, with --resource: 30m, 24h, 7d (default ${DEFAULT_SINCE}, at most 90d)
  --scan              with --resource: SCAN the whole table instead of the indexes (pages of up to 1 MB,
                      about 128 read units each, whatever --since says). Finds the records written before
                      the indexes existed (they carry no index key; audit records expire after 90 days)
  --max-pages <n>     scan bound (--scan, or a ledger without the indexes; default ${DEFAULT_MAX_PAGES}: about
                      ${DEFAULT_MAX_PAGES} MB, some ${DEFAULT_MAX_PAGES},000 decisions); past it the scan stops, exit 3
  --json              print the ledger records themselves (a JSON array, timeline order);
                      use npm run -s audit so npm's banner does not precede it

Region and credentials come from the standard AWS environment: AWS_REGION, AWS_PROFILE (or
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), AWS_ENDPOINT_URL for a sandbox. The caller needs
dynamodb:Query on the table (--incident), dynamodb:Query on the table and its indexes
(arn:aws:dynamodb:<region>:<account>:table/<ledger>/index/*) for --resource, and dynamodb:Scan on
the table for --scan (or a ledger without the indexes).

Exit: 0 records found; 1 none found (the incident has no records, or nothing touched the resource
within --since); 2 bad input or the ledger cannot be read (nothing else happens); 3 the scan bound
was reached before the end of the table (raise --max-pages, or use --incident).`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Parsed = { help: true } | ({ help: false } & AuditArgs);

export function parseArgs(argv: string[]): Parsed {
  const seen = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    if (raw === '-h' || raw === '--help') return { help: true };
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    if (seen.has(flag)) throw new UsageError(`${flag} given twice`);
    switch (flag) {
      case '--json':
      case '--scan':
        if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
        seen.set(flag, true);
        break;
      case '--table':
      case '--incident':
      case '--resource':
      case '--since':
      case '--max-pages': {
        const v = inline ?? argv[++i];
        if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
        seen.set(flag, v);
        break;
      }
      default:
        throw new UsageError(raw.startsWith('-') ? `unknown flag ${raw}` : `unexpected argument ${JSON.stringify(raw)} (every value follows its flag)`);
    }
  }
  const str = (f: string) => seen.get(f) as string | undefined;

  const table = str('--table');
  if (!table) throw new UsageError('--table is required: the stack output ledgerTableName (pulumi stack output ledgerTableName -s <env>)');
  // DynamoDB's own rule for table names: refuse here rather than send a request AWS will refuse.
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(table)) throw new UsageError(`--table ${JSON.stringify(table)} is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -); use the stack output ledgerTableName`);

  const incident = str('--incident');
  const resource = str('--resource');
  if (incident !== undefined && resource !== undefined) throw new UsageError('give --incident or --resource, not both');
  if (incident === undefined && resource === undefined) throw new UsageError('give --incident <id> or --resource <id>');

  const json = seen.has('--json');
  if (incident !== undefined) {
    for (const f of ['--since', '--max-pages', '--scan']) if (seen.has(f)) throw new UsageError(`${f} applies to --resource only (an incident is read whole, with one query)`);
    // Accept the ledger key as pasted from the console (incident#inc-...).
    const incidentId = incident.replace(/^incident#/, '');
    if (!INCIDENT_ID.test(incidentId)) throw new UsageError(`--incident ${JSON.stringify(incident)} is not an incident id (inc- and 16 hex digits, as in notifications and the ledger's pk incident#<id>)`);
    return { help: false, table, json, query: { kind: 'incident', incidentId } };
  }

  const resourceId = resource!.trim();
  if (resourceId.length === 0 || resourceId.length > 511) throw new UsageError('--resource needs a resource id of 1-511 characters');
  // Records name `standalone` as the group of every resource outside a group: it would match them all.
  if (resourceId === 'standalone') throw new UsageError('--resource standalone: that is the blast-radius group of every resource outside a group, not a resource; give an instance, volume, ASG or DB id');
  const sinceMs = parseDuration(str('--since') ?? DEFAULT_SINCE);
  if (sinceMs instanceof Error) throw new UsageError(sinceMs.message);
  const pagesText = str('--max-pages') ?? String(DEFAULT_MAX_PAGES);
  const maxPages = Number(pagesText);
  if (!/^[0-9]+$/.test(pagesText) || maxPages < 1 || maxPages > 1000) throw new UsageError(`--max-pages ${JSON.stringify(pagesText)}: a whole number of 1 MB scan pages, 1-1000`);
  return { help: false, table, json, query: { kind: 'resource', resourceId, sinceMs, maxPages, scan: seen.has('--scan') } };
}
