import type * as pulumi from '@pulumi/pulumi';
import { DETAIL_TYPES, RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import { ruleName } from '../routing/rule-name';
import { apiDestination, connection } from './api-destination';
import type { ChannelContext, DestinationRoute } from './channel';

/**
 * PagerDuty Events API v2 (https://events.pagerduty.com/v2/enqueue):
 *   `Remediation Escalated` -> event_action trigger; `Remediation Verified` (the
 *   automation fixed it) or `Remediation Resolved` (the alarm of an escalated
 *   incident is OK again, functions/handlers/notifier.ts) -> resolve.
 *   dedup_key = the incident id in both, so the resolve closes the page the trigger opened.
 * The routing key belongs in the JSON body (`routing_key`); it is a connection
 * body parameter with isValueSecret, so EventBridge keeps it in the
 * connection's Secrets Manager secret and merges it into each request; the
 * rule templates never contain it. (A connection needs an auth scheme: the
 * API key header carries the same key, which PagerDuty ignores.)
 */
/*
 * Templates quote every string variable ("<incident>"): the values (incident id, stage,
 * playbook, resource id, action kind, time) have no quotes or backslashes by contract, and
 * quoted insertion is the same in AWS and in the emulator (moto inserts unquoted strings
 * raw, AWS adds quotes). Only the detail object is inserted as JSON.
 */
export const PAGERDUTY_ENQUEUE_URL = 'https://events.pagerduty.com/v2/enqueue';

const INPUT_PATHS = {
  incident: '$.detail.incidentId',
  stage: '$.detail.stage',
  playbook: '$.detail.playbook',
  resource: '$.detail.resource.id',
  action: '$.detail.action',
  time: '$.time',
  detail: '$.detail',
};

/** Input templates (exported for tests that render them against real events). */
export const PAGERDUTY_TEMPLATES = {
  trigger:
    '{"event_action":"trigger","dedup_key":"<incident>","payload":{' +
    '"summary":"recovery-stack <stage>: <playbook> on <resource> escalated to humans (automated recovery exhausted or refused)",' +
    '"source":"<resource>","severity":"critical","timestamp":"<time>","component":"<resource>","group":"<playbook>","class":"<action>",' +
    '"custom_details":<detail>}}',
  resolve: '{"event_action":"resolve","dedup_key":"<incident>"}',
};

export function pagerDuty(ctx: ChannelContext, routingKey: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): DestinationRoute[] {
  const name = `recovery-${ctx.stage}-pagerduty`;
  const conn = connection(
    name,
    {
      description: `recovery-stack ${ctx.stage}: PagerDuty Events API v2 (routing key in the connection secret)`,
      apiKey: { key: 'X-Routing-Key', value: routingKey },
      bodies: [{ key: 'routing_key', value: routingKey, isValueSecret: true }],
    },
    opts,
  );
  const destination = apiDestination(name, { connection: conn, endpoint: PAGERDUTY_ENQUEUE_URL, description: `recovery-stack ${ctx.stage}: PagerDuty enqueue` }, opts);
  return [
    {
      name: ruleName('recovery', ctx.stage, 'pagerduty', 'trigger'),
      destination,
      destinationName: name,
      description: `recovery-stack ${ctx.stage}: escalations trigger a PagerDuty incident (dedup key = incident id)`,
      eventPattern: { source: [RECOVERY_SOURCE], 'detail-type': [DETAIL_TYPES.escalated] },
      inputTransformer: { inputPaths: INPUT_PATHS, inputTemplate: PAGERDUTY_TEMPLATES.trigger },
    },
    {
      name: ruleName('recovery', ctx.stage, 'pagerduty', 'resolve'),
      destination,
      destinationName: name,
      description: `recovery-stack ${ctx.stage}: verified recoveries and escalated incidents whose alarm is OK again resolve the PagerDuty incident`,
      eventPattern: { source: [RECOVERY_SOURCE], 'detail-type': [DETAIL_TYPES.verified, DETAIL_TYPES.resolved] },
      inputTransformer: { inputPaths: { incident: INPUT_PATHS.incident }, inputTemplate: PAGERDUTY_TEMPLATES.resolve },
    },
  ];
}
