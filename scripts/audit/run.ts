import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseArgs, USAGE, UsageError, type AuditArgs } from './args';
import { byTime } from './audit-record';
import { incidentRecords } from './incident-query';
import { describeTarget, ledgerClient } from './ledger-client';
import { explainReadError } from './ledger-errors';
import { IndexMissing, incidentsByIndex } from './resource-index';
import { incidentsTouching, ScanBoundReached } from './resource-scan';
import { formatTimelines, type IncidentTimeline } from './timeline';

/**
 * The audit command: parse strictly, then read (Query one incident; or find
 * the incidents that touched a resource, by Query on the ledger's audit
 * indexes, or by Scan with --scan or when the ledger has no indexes, and
 * Query each), then print. Read-only: it sends Query and Scan, nothing else.
 * Exit codes (also in USAGE): 0 found, 1 nothing found, 2 bad input or the
 * ledger cannot be read, 3 scan bound reached.
 */
export const EXIT = { found: 0, nothingFound: 1, badInput: 2, scanBound: 3 } as const;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export async function runAudit(argv: string[], io: Io, now = Date.now()): Promise<number> {
  let args: AuditArgs;
  try {
    const parsed = parseArgs(argv);
    if (parsed.help) {
      io.out(USAGE);
      return EXIT.found;
    }
    args = parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`audit: ${e.message}`);
    io.err('run npm run audit -- --help for the usage');
    return EXIT.badInput;
  }

  const client = ledgerClient();
  try {
    const target = await describeTarget(client);
    const permission =
      args.query.kind === 'incident'
        ? 'dynamodb:Query'
        : `dynamodb:Query on the table and its indexes (arn:aws:dynamodb:<region>:<account>:table/${args.table}/index/*)${args.query.scan ? ' and dynamodb:Scan' : ', and dynamodb:Scan for --scan'}`;
    let timelines: IncidentTimeline[];
    try {
      timelines = await read(client, args, now, io);
    } catch (e) {
      if (e instanceof ScanBoundReached) {
        io.err(`audit: ${e.message}`);
        return EXIT.scanBound;
      }
      io.err(`audit: ${explainReadError(e, { table: args.table, target, permission, profile: process.env.AWS_PROFILE })}`);
      return EXIT.badInput;
    }

    if (timelines.length === 0) {
      io.err(`audit: ${nothingFound(args, target, now)}`);
      if (args.json) io.out('[]');
      return EXIT.nothingFound;
    }
    if (args.json) io.out(JSON.stringify(timelines.flatMap((t) => t.items), null, 2));
    else for (const line of formatTimelines(timelines)) io.out(line);
    return EXIT.found;
  } finally {
    client.destroy();
  }
}

/** Incidents read at once at most: a group's hundred incidents are a hundred Queries, each a round trip. */
const READ_AHEAD = 8;

/**
 * `read` of every id, up to READ_AHEAD in flight, results in the ids' order.
 * Every read settles before the first failure is thrown (none left running).
 */
async function readAhead<T>(ids: string[], read: (id: string) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(ids.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < ids.length; i = next++) out[i] = await read(ids[i]);
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(READ_AHEAD, ids.length) }, lane));
  for (const l of lanes) if (l.status === 'rejected') throw l.reason;
  return out;
}

async function read(client: DynamoDBDocumentClient, args: AuditArgs, now: number, io: Io): Promise<IncidentTimeline[]> {
  const q = args.query;
  if (q.kind === 'incident') {
    const items = await incidentRecords(client, args.table, q.incidentId);
    return items.length ? [{ incidentId: q.incidentId, items }] : [];
  }
  const started = Date.now();
  const incidentIds = await findIncidents(client, args.table, q, new Date(now - q.sinceMs).toISOString(), io, started);
  const timelines = await readAhead(incidentIds, async (incidentId) => ({ incidentId, items: await incidentRecords(client, args.table, incidentId) }));
  // Incidents in the order they began; a record deleted between scan and query leaves an empty one out.
  return timelines.filter((t) => t.items.length).sort((a, b) => byTime(a.items[0], b.items[0]));
}

/**
 * The incidents that touched the resource: from the audit indexes, or the
 * scan (--scan, or a ledger without the indexes: said on stderr). Either way
 * the cost goes to stderr; stdout stays the timeline.
 */
async function findIncidents(client: DynamoDBDocumentClient, table: string, q: Extract<AuditArgs['query'], { kind: 'resource' }>, sinceIso: string, io: Io, started: number): Promise<string[]> {
  if (!q.scan) {
    try {
      const { incidentIds, stats } = await incidentsByIndex(client, { table, resourceId: q.resourceId, sinceIso });
      io.err(
        `audit: queried the audit indexes of ${table}: ${stats.queries} quer${stats.queries === 1 ? 'y' : 'ies'}, ${stats.matched} matching record${stats.matched === 1 ? '' : 's'} in ${plural(incidentIds.length, 'incident')}` +
          `${stats.readUnits !== undefined ? `, ${stats.readUnits} read unit${stats.readUnits === 1 ? '' : 's'} reported` : ''}, ${Date.now() - started} ms`,
      );
      return incidentIds;
    } catch (e) {
      if (!(e instanceof IndexMissing)) throw e;
      io.err(`audit: ${e.message} (a ledger deployed before the audit indexes; pulumi up adds them): scanning the whole table instead, bounded by --max-pages`);
    }
  }
  const { incidentIds, stats } = await incidentsTouching(client, { table, resourceId: q.resourceId, sinceIso, maxPages: q.maxPages });
  io.err(
    `audit: scanned ${table}: ${stats.pages} page${stats.pages === 1 ? '' : 's'}, ${stats.scanned} items read, ${stats.matched} matching records in ${plural(incidentIds.length, 'incident')}` +
      `${stats.readUnits !== undefined ? `, ${stats.readUnits} read unit${stats.readUnits === 1 ? '' : 's'} reported` : ''}, ${Date.now() - started} ms`,
  );
  return incidentIds;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function nothingFound(args: AuditArgs, target: string, now: number): string {
  const q = args.query;
  if (q.kind === 'incident') {
    return `no records for incident ${q.incidentId} in ${args.table} (${target}): check the id (notifications carry it) and that --table and AWS_REGION are the stack's; audit records expire after 90 days`;
  }
  return `no decisions about ${q.resourceId} in ${args.table} (${target}) since ${new Date(now - q.sinceMs).toISOString()}: nothing was decided about it in that window (widen --since), or the id differs from the alarm's (instance/volume id, ASG name, DB identifier, function:alias, cluster/service)${q.scan ? '' : '; records written before the ledger had its audit indexes are found only with --scan'}`;
}
