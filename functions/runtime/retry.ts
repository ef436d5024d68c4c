/**
 * Retry policy for every SDK client (passed as `retryStrategy`).
 *
 * - Throttling (ThrottlingException, RequestLimitExceeded, ...) is always
 *   retried with capped exponential backoff and full jitter: a throttled
 *   request was never executed, so retrying it is safe even for mutations.
 * - Transient/server errors are retried only for calls that are safe to
 *   repeat: reads, and mutations made idempotent by AWS (ClientToken on
 *   RunInstances / CreateVolume / StartAutomationExecution, Stop/Start/Tags).
 *   A timed-out DetachVolume, TerminateInstanceInAutoScalingGroup, PutEvents,
 *   SendMessage or a counter UpdateItem may have happened: repeating it blindly
 *   could act twice, so those errors surface to the caller (and rollback).
 *
 * The strategy does not see which command failed, so a middleware inside the
 * retry loop (see sdk.ts) marks errors of non-idempotent commands.
 */
export const NOT_IDEMPOTENT = Symbol.for('recovery-stack.not-idempotent');

export const NON_IDEMPOTENT_COMMANDS = new Set([
  'TerminateInstanceInAutoScalingGroupCommand',
  'DetachVolumeCommand',
  'AttachVolumeCommand',
  'AssociateAddressCommand',
  'DisassociateAddressCommand',
  'PutEventsCommand',
  'SendMessageCommand',
  'PublishCommand',
  'UpdateItemCommand',
  'PutItemCommand',
  'DeleteItemCommand',
  // restore-db's renames: a repeated rename of a name already taken fails confusingly; the action re-reads state instead.
  'ModifyDBInstanceCommand',
  'RestoreDBInstanceToPointInTimeCommand',
  // A repeated SendCommand runs the playbook twice.
  'SendCommandCommand',
]);

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}
interface ErrorInfo {
  error?: unknown;
  errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
}

const token = (count: number, delay: number): Token => ({ getRetryCount: () => count, getRetryDelay: () => delay });

export class GuardedRetryStrategy {
  readonly mode = 'standard';
  constructor(
    private readonly maxAttempts: number,
    private readonly baseDelayMs = 100,
    private readonly maxDelayMs = 20_000,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<Token> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: Token, info: ErrorInfo): Promise<Token> {
    const attempt = previous.getRetryCount() + 1;
    const unsafe = typeof info.error === 'object' && info.error !== null && NOT_IDEMPOTENT in info.error;
    const retryable = info.errorType === 'THROTTLING' || (!unsafe && (info.errorType === 'TRANSIENT' || info.errorType === 'SERVER_ERROR'));
    if (!retryable || attempt >= this.maxAttempts) throw info.error ?? new Error('not retried');
    // Throttling backs off harder (AWS's guidance: 500 ms base vs 100 ms).
    const base = info.errorType === 'THROTTLING' ? this.baseDelayMs * 5 : this.baseDelayMs;
    const ceiling = Math.min(this.maxDelayMs, base * 2 ** (attempt - 1));
    return token(attempt, Math.max(1, Math.floor(Math.random() * ceiling)));
  }

  recordSuccess(_token: Token): void {}
}
