import * as pulumi from '@pulumi/pulumi';
import { DETAIL_TYPES, RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import { ruleName } from '../routing/rule-name';
import { apiDestination, connection } from './api-destination';
import type { ChannelContext, DestinationRoute } from './channel';

/**
 * Opsgenie Alert API: `Remediation Escalated` creates an alert
 * (POST /v2/alerts, alias = incident id, so repeats deduplicate),
 * `Remediation Verified` (the automation fixed it) or `Remediation Resolved` (the
 * alarm of an escalated incident is OK again) closes it
 * (POST /v2/alerts/{alias}/close?identifierType=alias, the alias filled from the
 * event by the target's path parameter: the same incident id the create used).
 * Auth: `Authorization: GenieKey <key>`, kept in the connection's secret.
 */
export function opsgenieApiBase(region: 'us' | 'eu'): string {
  return region === 'eu' ? 'https://api.eu.opsgenie.com' : 'https://api.opsgenie.com';
}

export function opsgenieTemplates(stage: string, priority: string) {
  return {
    create:
      '{"message":"recovery-stack ' + stage + ': <playbook> on <resource> escalated to humans","alias":"<incident>",' +
      '"description":"Automated recovery for <resource> (playbook <playbook>, last action <action>) is exhausted or was refused; see the ledger for incident <incident>.",' +
      '"entity":"<resource>","source":"recovery-stack","priority":"' + priority + '","tags":["recovery-stack","' + stage + '"],' +
      '"details":{"incidentId":"<incident>","playbook":"<playbook>","resource":"<resource>","action":"<action>"}}',
    close: '{"source":"recovery-stack","note":"<type>: the alarm is OK again"}',
  };
}

export function opsgenie(
  ctx: ChannelContext,
  cfg: { apiKey: pulumi.Input<string>; region: 'us' | 'eu'; priority: string },
  opts: pulumi.CustomResourceOptions,
): DestinationRoute[] {
  const name = `recovery-${ctx.stage}-opsgenie`;
  const conn = connection(
    name,
    { description: `recovery-stack ${ctx.stage}: Opsgenie Alert API (GenieKey in the connection secret)`, apiKey: { key: 'Authorization', value: pulumi.interpolate`GenieKey ${cfg.apiKey}` } },
    opts,
  );
  const base = opsgenieApiBase(cfg.region);
  const create = apiDestination(`${name}-create`, { connection: conn, endpoint: `${base}/v2/alerts`, description: `recovery-stack ${ctx.stage}: Opsgenie create alert` }, opts);
  const close = apiDestination(`${name}-close`, { connection: conn, endpoint: `${base}/v2/alerts/*/close`, description: `recovery-stack ${ctx.stage}: Opsgenie close alert by alias` }, opts);
  const templates = opsgenieTemplates(ctx.stage, cfg.priority);
  return [
    {
      name: ruleName('recovery', ctx.stage, 'opsgenie', 'create'),
      destination: create,
      destinationName: `${name}-create`,
      description: `recovery-stack ${ctx.stage}: escalations create an Opsgenie alert (alias = incident id)`,
      eventPattern: { source: [RECOVERY_SOURCE], 'detail-type': [DETAIL_TYPES.escalated] },
      inputTransformer: {
        inputPaths: { incident: '$.detail.incidentId', playbook: '$.detail.playbook', resource: '$.detail.resource.id', action: '$.detail.action' },
        inputTemplate: templates.create,
      },
    },
    {
      name: ruleName('recovery', ctx.stage, 'opsgenie', 'close'),
      destination: close,
      destinationName: `${name}-close`,
      description: `recovery-stack ${ctx.stage}: verified recoveries and escalated incidents whose alarm is OK again close the Opsgenie alert`,
      eventPattern: { source: [RECOVERY_SOURCE], 'detail-type': [DETAIL_TYPES.verified, DETAIL_TYPES.resolved] },
      inputTransformer: { inputPaths: { incident: '$.detail.incidentId', type: '$.detail-type' }, inputTemplate: templates.close },
      httpTarget: { pathParameterValues: ['$.detail.incidentId'], queryStringParameters: { identifierType: 'alias' } },
    },
  ];
}

