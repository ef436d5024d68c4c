import { asEventBridgeDelivered } from '../../scripts/drill/eventbridge-delivery';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ALERT_DETAIL_TYPE, AlertFaultEvent } from '../../functions/contracts/alertmanager';
import { ENV } from '../../functions/contracts/env';
import { RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import { bearerMatches, handler, MAX_BODY_BYTES, type FunctionUrlEvent } from '../../functions/handlers/alertmanager-webhook';
import { aws, BUS, busEvents, createStack, drain, ledgerItems, type TestStack } from '../functions/stack';

/**
 * The webhook against moto: SSM SecureString secret, DynamoDB ledger, the
 * recovery bus with a playbook-style rule -> SQS (EventBridge Lambda targets
 * are not executed by moto, so the rule targets a queue; a comment-worthy
 * stand-in only for delivery). Payloads have Alertmanager's real v4 shape
 * (alertmanager notify/webhook Message, as sent for kube-prometheus alerts).
 */
const SECRET = 'a-long-shared-secret-from-pulumi';
const PARAM = '/recovery/test/alertmanager-webhook-secret';

function alert(status: 'firing' | 'resolved', over: Record<string, string> = {}, fingerprint = '5c1a4f0e2b7d9a31') {
  return {
    status,
    labels: {
      alertname: 'KubeDeploymentReplicasMismatch',
      namespace: 'shop',
      deployment: 'cart',
      severity: 'warning',
      recovery_playbook: 'k8s-cart',
      recovery_cluster: 'prod-eks',
      ...over,
    },
    annotations: { summary: 'Deployment has not matched the expected number of replicas.', runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubedeploymentreplicasmismatch' },
    startsAt: '2026-11-25T10:00:00.000Z',
    endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-25T10:12:00.000Z',
    generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=kube_deployment_spec_replicas+%3E+0&g0.tab=1',
    fingerprint,
  };
}

function payload(alerts: unknown[], status: 'firing' | 'resolved' = 'firing') {
  return {
    receiver: 'monitoring/recovery-stack/recovery-stack',
    status,
    alerts,
    groupLabels: { alertname: 'KubeDeploymentReplicasMismatch' },
    commonLabels: { alertname: 'KubeDeploymentReplicasMismatch', namespace: 'shop' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring:9093',
    version: '4',
    groupKey: '{}/{namespace="shop"}:{alertname="KubeDeploymentReplicasMismatch"}',
    truncatedAlerts: 0,
  };
}

const post = (body: unknown, token = SECRET, extra: Partial<FunctionUrlEvent> = {}): FunctionUrlEvent => ({
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: typeof body === 'string' ? body : JSON.stringify(body),
  isBase64Encoded: false,
  requestContext: { http: { method: 'POST' } },
  ...extra,
});

describe('alertmanager-webhook', () => {
  let stack: TestStack;
  let playbookQueue: string;
  beforeEach(async () => {
    stack = await createStack();
    await aws().ssm.send(new PutParameterCommand({ Name: PARAM, Type: 'SecureString', Value: SECRET, Overwrite: true }));
    process.env[ENV.webhookSecretParameter] = PARAM;
    // The playbook rule as infra builds it for a Kubernetes playbook (firing alerts of this playbook only).
    playbookQueue = (await aws().sqs.send(new CreateQueueCommand({ QueueName: 'recovery-test-k8s-playbook' }))).QueueUrl!;
    const arn = (await aws().sqs.send(new GetQueueAttributesCommand({ QueueUrl: playbookQueue, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await aws().events.send(
      new PutRuleCommand({
        Name: 'k8s-cart',
        EventBusName: BUS,
        EventPattern: JSON.stringify({ source: [RECOVERY_SOURCE], 'detail-type': [ALERT_DETAIL_TYPE], detail: { playbook: ['k8s-cart'], status: ['firing'] } }),
      }),
    );
    await aws().events.send(new PutTargetsCommand({ Rule: 'k8s-cart', EventBusName: BUS, Targets: [{ Id: 'q', Arn: arn }] }));
  });

  it('puts a firing alert on the bus as a fault event the playbook rule routes, and records its state', async () => {
    // Act
    const res = await handler(post(payload([alert('firing')])));
    // Assess
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 1, rejected: [] });
    const routed = await drain(playbookQueue, (b) => AlertFaultEvent.parse(asEventBridgeDelivered(JSON.parse(b))));
    expect(routed).toHaveLength(1);
    expect(routed[0].detail).toMatchObject({ status: 'firing', playbook: 'k8s-cart', fingerprint: '5c1a4f0e2b7d9a31', deployment: { id: 'prod-eks/shop/cart' } });
    const state = await ledgerItems('alert#5c1a4f0e2b7d9a31');
    expect(state).toEqual([expect.objectContaining({ status: 'firing', deployment: 'prod-eks/shop/cart' })]);
  });

  it('handles resolved alerts: recorded, on the bus, but not routed to the playbook', async () => {
    // Prepare
    await handler(post(payload([alert('firing')])));
    await drain(playbookQueue, (b) => b);
    await busEvents(stack);
    // Act
    const res = await handler(post(payload([alert('resolved')], 'resolved')));
    // Assess
    expect(res.statusCode).toBe(202);
    expect(await drain(playbookQueue, (b) => b)).toHaveLength(0);
    const seen = await busEvents(stack);
    expect(seen.map((e) => [e.detailType, e.detail.status])).toEqual([[ALERT_DETAIL_TYPE, 'resolved']]);
    expect((await ledgerItems('alert#5c1a4f0e2b7d9a31'))[0]).toMatchObject({ status: 'resolved', endsAt: '2026-11-25T10:12:00.000Z' });
  });

  it('a delayed firing that arrives after its resolution is ignored: the alert stays resolved and nothing is routed', async () => {
    // Prepare: Alertmanager delivered the resolution first (a retried group, out of order)
    await handler(post(payload([alert('resolved')], 'resolved')));
    await busEvents(stack);
    // Act
    const res = await handler(post(payload([alert('firing')])));
    // Assess
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 0, stale: [{ fingerprint: '5c1a4f0e2b7d9a31', status: 'firing' }] });
    expect(await drain(playbookQueue, (b) => b)).toHaveLength(0);
    expect(await busEvents(stack)).toHaveLength(0);
    expect((await ledgerItems('alert#5c1a4f0e2b7d9a31'))[0]).toMatchObject({ status: 'resolved' });
  });

  it('a new firing of a resolved alert (later startsAt) is recorded and routed', async () => {
    // Prepare
    await handler(post(payload([alert('resolved')], 'resolved')));
    // Act
    const res = await handler(post(payload([{ ...alert('firing'), startsAt: '2026-11-25T11:00:00.5Z' }])));
    // Assess
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 1 });
    expect(await drain(playbookQueue, (b) => b)).toHaveLength(1);
    expect((await ledgerItems('alert#5c1a4f0e2b7d9a31'))[0]).toMatchObject({ status: 'firing', startsAt: '2026-11-25T11:00:00.5Z' });
  });

  it('a group with routable and unroutable alerts: the routable ones go, the others are reported', async () => {
    // Act
    const res = await handler(post(payload([alert('firing'), alert('firing', { recovery_playbook: '' }, 'aaaaaaaaaaaaaaaa')])));
    // Assess
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body);
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ fingerprint: 'aaaaaaaaaaaaaaaa', reason: expect.stringMatching(/lacks label\(s\) recovery_playbook/) }]);
  });

  it.each([
    ['a wrong token', post(payload([alert('firing')]), 'not-the-secret'), 401, /bearer/],
    ['no token', { ...post(payload([alert('firing')])), headers: {} }, 401, /bearer/],
    ['a GET', post('', SECRET, { requestContext: { http: { method: 'GET' } } }), 405, /POST/],
    ['a body that is not JSON', post('{"version":'), 400, /not JSON/],
    ['version 3', post({ ...payload([alert('firing')]), version: '3' }), 422, /version/],
    ['an alert without fingerprint', post(payload([{ ...alert('firing'), fingerprint: undefined }])), 422, /fingerprint/],
    ['no alerts', post(payload([])), 422, /alerts/],
    ['an oversized body', post('x'.repeat(MAX_BODY_BYTES + 1)), 413, /limit/],
    ['only unroutable alerts', post(payload([alert('firing', { namespace: 'Not_A_Namespace' })])), 422, /no alert .* can be routed/],
  ])('rejects %s with a 4xx and a reason, and nothing happens', async (_what, event, status, reason) => {
    // Act
    const res = await handler(event as FunctionUrlEvent);
    // Assess
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body).error).toMatch(reason);
    expect(await busEvents(stack)).toHaveLength(0);
    expect(await ledgerItems('alert#')).toHaveLength(0);
  });

  it('compares the bearer token in constant time over digests (any length)', () => {
    // Assess
    expect(bearerMatches(`Bearer ${SECRET}`, SECRET)).toBe(true);
    expect(bearerMatches(`Bearer ${SECRET}x`, SECRET)).toBe(false);
    expect(bearerMatches(SECRET, SECRET)).toBe(false);
    expect(bearerMatches(undefined, SECRET)).toBe(false);
  });
});
