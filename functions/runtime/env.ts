import * as z from 'zod/mini';
import { ENV } from '../contracts/env';
import { Guardrails } from '../contracts/guardrails';
import { PlaybookName } from '../contracts/remediation-request';
import { describeIssues } from './validation';

/**
 * The function's environment, validated once per cold start (lazily, at the
 * first invocation, so importing a handler never throws). A missing or bad
 * variable fails loudly with its name: a misconfigured stack must not act.
 */
const Stage = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lowercase letters, digits and dashes'));

/** A variable holding JSON that `schema` validates; `what` names it in the error. */
function jsonVariable<T>(what: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: z.core.$ZodIssue[] } } }) {
  return z.pipe(
    z.string(),
    z.transform((raw: string, ctx) => {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch (e) {
        ctx.issues.push({ code: 'custom', message: `${what} JSON (${e instanceof Error ? e.message : String(e)})`, input: raw });
        return z.NEVER;
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        ctx.issues.push({ code: 'custom', message: `${what} JSON (${describeIssues(parsed.error.issues, json)})`, input: raw });
        return z.NEVER;
      }
      return parsed.data;
    }),
  );
}

const GuardrailsJson = jsonVariable('guardrails', Guardrails);
const PlaybooksByKind = jsonVariable('protection playbooks', z.partialRecord(z.enum(['instance', 'volume']), z.array(PlaybookName)));

/** Unset or empty: undefined (classic zod's `z.preprocess(...)`, in zod/mini's terms). */
const Optional = <T extends z.ZodMiniType>(s: T) => z.pipe(z.transform((v: unknown) => (v === '' ? undefined : v)), z.optional(s));

const FunctionEnv = z.object({
  [ENV.stage]: Stage,
  [ENV.account]: z.string().check(z.regex(/^\d{12}$/, 'a 12-digit AWS account id')),
  /** Set by the Lambda runtime: the function's own region. */
  AWS_REGION: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')),
  [ENV.ledgerTable]: z.string().check(z.minLength(3), z.maxLength(255)),
  [ENV.eventBus]: z.string().check(z.minLength(1), z.maxLength(256)),
  [ENV.modeParameter]: z.string().check(z.startsWith('/')),
  [ENV.verifyQueueUrl]: z.url(),
  [ENV.guardrails]: Optional(GuardrailsJson),
  [ENV.topicArn]: z.string().check(z.startsWith('arn:')),
  [ENV.automationRoleArn]: z.string().check(z.startsWith('arn:')),
  [ENV.changeCalendar]: Optional(z.string().check(z.minLength(1))),
  [ENV.protectionPlaybooks]: Optional(PlaybooksByKind),
  /** How often waiters poll (ms). Real AWS: seconds; tests against moto: a few ms. */
  POLL_INTERVAL_MS: Optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(60_000))),
  /** Kill-switch cache (seconds). */
  MODE_CACHE_SECONDS: Optional(z.coerce.number().check(z.minimum(0), z.maximum(300))),
});
type FunctionEnv = z.infer<typeof FunctionEnv>;

export interface RuntimeEnv {
  stage: string;
  /** The account the function runs in (RECOVERY_ACCOUNT, set by infra/ from the deploying identity). */
  account: string;
  /** The function's own region (AWS_REGION). */
  region: string;
  ledgerTable: string;
  eventBus: string;
  modeParameter: string;
  verifyQueueUrl: string;
  guardrails: Guardrails;
  topicArn: string;
  automationRoleArn: string;
  changeCalendar?: string;
  /** Playbooks watching each instance / volume (PROTECTION_PLAYBOOKS; replace-instance and restore-volume). */
  protectionPlaybooks?: Partial<Record<'instance' | 'volume', string[]>>;
  pollIntervalMs: number;
  modeCacheSeconds: number;
}

type Key = keyof FunctionEnv;

/** Reads and validates the variables this function needs (`required`); others are read if present. */
export function loadEnv<K extends keyof RuntimeEnv>(required: readonly K[]): Pick<RuntimeEnv, K> & Partial<RuntimeEnv> {
  const names: Record<keyof RuntimeEnv, Key> = {
    stage: ENV.stage,
    account: ENV.account,
    region: 'AWS_REGION',
    ledgerTable: ENV.ledgerTable,
    eventBus: ENV.eventBus,
    modeParameter: ENV.modeParameter,
    verifyQueueUrl: ENV.verifyQueueUrl,
    guardrails: ENV.guardrails,
    topicArn: ENV.topicArn,
    automationRoleArn: ENV.automationRoleArn,
    changeCalendar: ENV.changeCalendar,
    protectionPlaybooks: ENV.protectionPlaybooks,
    pollIntervalMs: 'POLL_INTERVAL_MS',
    modeCacheSeconds: 'MODE_CACHE_SECONDS',
  };
  const out: Partial<RuntimeEnv> = {};
  const problems: string[] = [];
  for (const [field, name] of Object.entries(names) as [keyof RuntimeEnv, Key][]) {
    const raw = process.env[name];
    const isRequired = (required as readonly string[]).includes(field);
    if (raw === undefined || raw === '') {
      if (isRequired && field !== 'guardrails') problems.push(`${name} is not set`);
      continue;
    }
    const parsed = FunctionEnv.shape[name].safeParse(raw);
    if (!parsed.success) problems.push(describeIssues(parsed.error.issues, raw, { prefix: name }));
    else (out as Record<string, unknown>)[field] = parsed.data;
  }
  if (problems.length > 0) {
    throw new Error(`recovery-stack function environment: ${problems.join(', ')} (infra/ sets these from functions/catalog.ts)`);
  }
  out.guardrails ??= Guardrails.parse({});
  out.pollIntervalMs ??= 5000;
  out.modeCacheSeconds ??= 10;
  return out as Pick<RuntimeEnv, K> & Partial<RuntimeEnv>;
}
