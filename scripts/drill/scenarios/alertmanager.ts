import { createHash } from 'node:crypto';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { ALERT_LABELS } from '../../../functions/contracts/alertmanager';
import { ENV } from '../../../functions/contracts/env';
import type { PrometheusAlertRule } from '../recreate';
import type { Timeline } from '../timeline';
import type { ScenarioEnv } from './scenario';

/**
 * STAND-IN for Prometheus + Alertmanager (the machines have neither), shared by
 * the Kubernetes scenarios: the stack's own alert rule (synthesized
 * PrometheusRule) for one Deployment, and Alertmanager's webhook POST of it to
 * the stack's function URL, i.e. the BUILT alertmanager-webhook bundle invoked
 * with a Lambda function URL event and the bearer token from the stack's
 * SecureString. When the alert fires or resolves is the scenario's to play.
 */
export const ALERT = 'RecoveryDeploymentUnavailable';

export interface AlertTarget {
  cluster: string;
  namespace: string;
  name: string;
}

export interface PlayedAlert {
  state: 'inactive' | 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** HTTP status of every POST to the webhook. */
  posts: number[];
}

export const resourceIdOf = (t: AlertTarget) => `${t.cluster}/${t.namespace}/${t.name}`;

export function inactiveAlert(t: AlertTarget): PlayedAlert {
  return { state: 'inactive', fingerprint: createHash('sha256').update(`${resourceIdOf(t)}/${ALERT}`).digest('hex').slice(0, 16), labels: {}, annotations: {}, posts: [] };
}

/** The stack's alert rule for this Deployment (synthesized PrometheusRule). */
export function alertRule(env: ScenarioEnv, t: AlertTarget): PrometheusAlertRule {
  const rule = env.deployment.prometheusRules.find(
    (r) => r.alert === ALERT && r.namespace === t.namespace && r.labels[ALERT_LABELS.cluster] === t.cluster && r.labels[ALERT_LABELS.deployment] === t.name,
  );
  if (!rule) throw new Error(`the synthesized stack has no PrometheusRule alert ${ALERT} for ${resourceIdOf(t)}`);
  return rule;
}

/** Prometheus evaluated the rule true (`for` elapsed: the drill does not wait it out): the alert fires. */
export function firing(env: ScenarioEnv, t: AlertTarget, a: PlayedAlert): PlayedAlert {
  const rule = alertRule(env, t);
  return { ...a, state: 'firing', startsAt: new Date().toISOString(), labels: rule.labels, annotations: rule.annotations };
}

/** Alertmanager's webhook POST (payload version 4) to the stack's function URL: the built bundle, as Lambda invokes it. */
export async function postAlert(env: ScenarioEnv, t: AlertTarget, a: PlayedAlert, timeline: Timeline): Promise<number> {
  const fn = env.deployment.functions.get('alertmanager-webhook');
  if (!fn) throw new Error('the synthesized stack has no alertmanager-webhook function');
  const parameter = fn.env[ENV.webhookSecretParameter];
  // Alertmanager reads the token from the Secret the stack creates; the same value is in this SecureString.
  const token = (await env.clients.ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter!.Value!;
  const status = a.state === 'firing' ? 'firing' : 'resolved';
  const labels: Record<string, string> = { alertname: ALERT, namespace: t.namespace, ...a.labels };
  const body = JSON.stringify({
    version: '4',
    groupKey: `{}/{${ALERT_LABELS.playbook}="${labels[ALERT_LABELS.playbook]}"}:{alertname="${ALERT}", deployment="${t.name}"}`,
    truncatedAlerts: 0,
    status,
    receiver: `${t.namespace}/recovery-${env.stage}-${t.name}/recovery-stack`,
    groupLabels: { alertname: ALERT, deployment: t.name },
    commonLabels: labels,
    commonAnnotations: a.annotations,
    externalURL: 'http://alertmanager.monitoring:9093',
    alerts: [
      {
        status,
        labels,
        annotations: a.annotations,
        startsAt: a.startsAt,
        endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.monitoring:9090/graph',
        fingerprint: a.fingerprint,
      },
    ],
  });
  // Lambda function URL event (payload format 2.0).
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.27.0', host: 'drill.lambda-url.us-east-1.on.aws' },
    requestContext: { accountId: 'anonymous', apiId: 'drill', domainName: 'drill.lambda-url.us-east-1.on.aws', http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '10.0.0.9', userAgent: 'Alertmanager/0.27.0' }, requestId: createHash('sha1').update(body).digest('hex'), routeKey: '$default', stage: '$default', time: new Date().toUTCString(), timeEpoch: Date.now() },
    body,
    isBase64Encoded: false,
  };
  const [r] = await env.runner.invokeAll(fn, [event]);
  const code = r.ok ? Number((r.result as { statusCode?: number } | undefined)?.statusCode ?? 0) : 0;
  a.posts.push(code);
  timeline.add('deliver', `Alertmanager (played) -> ${fn.functionName} function URL: ${ALERT} ${status} on ${resourceIdOf(t)} -> ${r.ok ? `HTTP ${code}` : `FAILED: ${r.error}`}`);
  if (!r.ok || code !== 202) throw new Error(`the webhook refused the ${status} alert: ${r.ok ? `HTTP ${code} ${JSON.stringify(r.result)}` : r.error}`);
  return code;
}
