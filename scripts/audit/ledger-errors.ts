/**
 * Turns what the SDK throws while reading the ledger into one sentence an
 * on-call engineer can act on: which table, where, and how to fix it. Every
 * one of these ends the command with exit 2, nothing read.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const REJECTED_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'ExpiredToken', 'InvalidClientTokenId']);

export interface ReadContext {
  table: string;
  /** e.g. `region eu-west-1, endpoint http://127.0.0.1:5000` */
  target: string;
  /** The DynamoDB permission the read needed (Query or Scan). */
  permission: string;
  /** AWS_PROFILE, when set: named when its credentials cannot be found. */
  profile?: string;
}

const FIND_TABLE = 'the table name is the stack output ledgerTableName (pulumi stack output ledgerTableName -s <env>; recovery-<env>-ledger by default), and AWS_REGION must be the stack\'s region';

export function explainReadError(e: unknown, ctx: ReadContext): string {
  const err = (e ?? {}) as { name?: string; code?: string; message?: string; errno?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? '';
  const code = err.code ?? '';
  // The SDK wraps socket errors ("AWS SDK error wrapper for Error: connect ECONNREFUSED ..."): the cause is what helps.
  const message = (err.message ?? String(e)).replace(/^AWS SDK error wrapper for (\w*Error: )?/, '');
  if (name === 'ResourceNotFoundException') return `table ${ctx.table} not found (${ctx.target}): ${FIND_TABLE}`;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    const profile = ctx.profile ? ` for profile ${ctx.profile} (AWS_PROFILE)` : '';
    return `no AWS credentials${profile} (${message}): set AWS_PROFILE to a configured profile (and aws sso login), or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY`;
  }
  if (/Region is missing/i.test(message)) return 'no AWS region: set AWS_REGION to the stack\'s region (or a region in the AWS_PROFILE\'s config)';
  if (REJECTED_CREDENTIALS.has(name)) return `AWS refused the credentials (${name}: ${message}): refresh them (aws sso login, or new keys) for the stack's account`;
  if (name === 'AccessDeniedException') return `not allowed to read ${ctx.table} (${message}): the caller needs ${ctx.permission} on the table`;
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name) || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|socket hang up/.test(message)) {
    const what = code && !message.includes(code) ? `${code}: ${message}` : message;
    return `cannot reach DynamoDB (${ctx.target}): ${what}. Check the network, AWS_REGION and, for a sandbox, that AWS_ENDPOINT_URL points at a running emulator`;
  }
  return `could not read ${ctx.table} (${ctx.target}): ${name || 'Error'}: ${message}`;
}
