import { z } from 'zod';
import { SECRET_PLACEHOLDER } from '../synth/stack-files';

/**
 * `recovery-stack:notifications`: who hears about recoveries and how. Every
 * channel is a switch (absent = off). Credentials (PagerDuty routing key,
 * Opsgenie API key, Slack webhook URL) must be Pulumi secrets: the runtime
 * only tells us per top-level key whether it is secret, so the whole
 * `notifications` key must be (`pulumi config set --secret --path ...` makes
 * it so); `secretProblems` refuses a plaintext credential, naming the fix.
 *
 * Offline synth replaces `secure:` values by SECRET_PLACEHOLDER, so format
 * checks of credentials accept the placeholder.
 */
const secretFormat = (re: RegExp, what: string) =>
  z.string().refine((s) => s === SECRET_PLACEHOLDER || re.test(s), { error: `must be ${what}` });

const Email = z.email({ error: 'must be an email address' });

/** PagerDuty Events API v2 integration ("routing") key: 32 characters. */
const PagerDutyRoutingKey = secretFormat(/^[A-Za-z0-9]{32}$/, 'a PagerDuty Events API v2 integration key (32 letters/digits)');

const Opsgenie = z
  .object({
    /** API key of an Opsgenie "API" integration (sent as `Authorization: GenieKey <key>`). */
    apiKey: secretFormat(/^[A-Za-z0-9-]{16,64}$/, 'an Opsgenie integration API key'),
    /** Opsgenie account region: api.opsgenie.com or api.eu.opsgenie.com. */
    region: z.enum(['us', 'eu'], { error: 'must be us or eu' }).default('us'),
    priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5'], { error: 'must be P1..P5' }).default('P2'),
  })
  .strict();

const SlackWebhook = z
  .object({
    via: z.literal('webhook'),
    /** Slack incoming-webhook URL (the URL is the credential). */
    webhookUrl: secretFormat(/^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+$/, 'a Slack incoming webhook URL (https://hooks.slack.com/services/...)'),
  })
  .strict();

const SlackChatbot = z
  .object({
    via: z.literal('chatbot'),
    /** Slack workspace (team) id authorized in the AWS Chatbot console, e.g. T0123ABCD. */
    workspaceId: z.string().regex(/^[A-Z0-9]{9,15}$/, { error: 'must be a Slack workspace id like T0123ABCD (authorize the workspace in the AWS Chatbot console first)' }),
    /** Slack channel id, e.g. C0123ABCD. */
    channelId: z.string().regex(/^[A-Z0-9]{9,15}$/, { error: 'must be a Slack channel id like C0123ABCD' }),
  })
  .strict();

const Slack = z.discriminatedUnion('via', [SlackWebhook, SlackChatbot], { error: 'slack.via must be webhook or chatbot' });

export const NotificationsConfig = z
  .object({
    emails: z.array(Email).max(20).default([]),
    /**
     * PagerDuty Events API v2 integration key (secret). Escalations trigger an
     * incident, verified recoveries resolve it; dedup_key = incident id.
     */
    pagerDutyRoutingKey: PagerDutyRoutingKey.optional(),
    opsgenie: Opsgenie.optional(),
    slack: Slack.optional(),
  })
  .strict()
  .default({ emails: [] });
export type NotificationsConfig = z.infer<typeof NotificationsConfig>;

/** Config paths (under `recovery-stack:notifications`) that hold credentials, with their values. */
export function credentialPaths(n: NotificationsConfig): string[] {
  const paths: string[] = [];
  if (n.pagerDutyRoutingKey !== undefined) paths.push('pagerDutyRoutingKey');
  if (n.opsgenie) paths.push('opsgenie.apiKey');
  if (n.slack?.via === 'webhook') paths.push('slack.webhookUrl');
  return paths;
}

/**
 * A credential given in plain text is an error: it would sit unencrypted in
 * Pulumi.<stack>.yaml and in the state. `isSecret` answers for a
 * fully-qualified config key (the runtime's isConfigSecret).
 */
export function secretProblems(n: NotificationsConfig, isSecret: (fullKey: string) => boolean, namespace: string): { key: string; message: string }[] {
  const top = `${namespace}:notifications`;
  if (isSecret(top)) return [];
  return credentialPaths(n).map((p) => ({
    key: `${top}.${p}`,
    message: `is a credential and must be a Pulumi secret: run \`pulumi config set --secret --path '${top}.${p}' <value>\` (it is stored in plain text now)`,
  }));
}
