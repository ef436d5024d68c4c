import { asEventBridgeDelivered } from '../../scripts/drill/eventbridge-delivery';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ALERT_DETAIL_TYPE, AlertFaultEvent } from '../../functions/contracts/alertmanager';
import { ENV } from '../../functions/contracts/env';
import { RECOVERY_SOURCE } from '../../functions/contracts/recovery-event';
import { RemediationRequest } from '../../functions/contracts/remediation-request';
import { handler as webhook } from '../../functions/handlers/alertmanager-webhook';
import { handler as rollout } from '../../functions/handlers/k8s-rollout';
import { handler as verifier } from '../../functions/handlers/verifier';
import { startKubeApi, type KubeApi } from '../../scripts/sandbox/kube-api';
import { aws, BUS, busEvents, createStack, drain, incidentRecords, muteRules, playbook, type TestStack } from '../functions/stack';

/**
 * Alertmanager alert -> webhook -> recovery bus -> playbook rule (moto; the
 * rule targets SQS because moto does not run Lambda targets, and the test
 * wraps the routed event in the rule's envelope, as the input transformer
 * does) -> k8s-rollout handler through the shared guards, ledger and events
 * -> verifier reads the alert state back. The Kubernetes API is
 * scripts/sandbox/kube-api.ts: there is no API server on these machines.
 */
const CLUSTER = 'shop-eks';
const SECRET = 'a-long-shared-secret-from-pulumi';
const PLAYBOOK = playbook('k8s-deployment.rollout-undo', ['rollout-undo'], 0);

function payload(status: 'firing' | 'resolved') {
  return {
    version: '4',
    groupKey: '{}/{recovery_playbook="k8s-deployment.rollout-undo"}:{alertname="RecoveryDeploymentUnavailable"}',
    truncatedAlerts: 0,
    status,
    receiver: 'shop/recovery-dev-cart/recovery-stack',
    groupLabels: { alertname: 'RecoveryDeploymentUnavailable' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring:9093',
    alerts: [
      {
        status,
        labels: { alertname: 'RecoveryDeploymentUnavailable', namespace: 'shop', deployment: 'cart', recovery_playbook: PLAYBOOK.name, recovery_cluster: CLUSTER, severity: 'warning' },
        annotations: { summary: 'shop/cart has unavailable replicas' },
        startsAt: '2026-11-25T10:00:00.000Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-25T10:09:00.000Z',
        generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=kube_deployment_status_replicas_unavailable',
        fingerprint: '0f3b6c1d2e4a5b69',
      },
    ],
  };
}
const post = (status: 'firing' | 'resolved') =>
  webhook({ headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify(payload(status)), requestContext: { http: { method: 'POST' } } });

describe('Alertmanager alert -> k8s-rollout through the shared remediation path', () => {
  let stack: TestStack;
  let api: KubeApi;
  let playbookQueue: string;

  /** What the playbook rule delivers: the routed event wrapped in the alarm rules' envelope. */
  async function routedRequest(): Promise<RemediationRequest> {
    // As EventBridge delivers it (moto's rule -> SQS copy omits `account`).
    const [event] = await drain(playbookQueue, (b) => AlertFaultEvent.parse(asEventBridgeDelivered(JSON.parse(b))));
    return RemediationRequest.parse({ version: 1, playbook: PLAYBOOK, rung: 0, event });
  }

  beforeEach(async () => {
    stack = await createStack();
    await aws().ssm.send(new PutParameterCommand({ Name: '/recovery/test/alertmanager-webhook-secret', Type: 'SecureString', Value: SECRET, Overwrite: true }));
    process.env[ENV.webhookSecretParameter] = '/recovery/test/alertmanager-webhook-secret';
    playbookQueue = (await aws().sqs.send(new CreateQueueCommand({ QueueName: 'recovery-test-k8s-undo' }))).QueueUrl!;
    const arn = (await aws().sqs.send(new GetQueueAttributesCommand({ QueueUrl: playbookQueue, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await aws().events.send(
      new PutRuleCommand({ Name: 'k8s-undo', EventBusName: BUS, EventPattern: JSON.stringify({ source: [RECOVERY_SOURCE], 'detail-type': [ALERT_DETAIL_TYPE], detail: { playbook: [PLAYBOOK.name], status: ['firing'] } }) }),
    );
    await aws().events.send(new PutTargetsCommand({ Rule: 'k8s-undo', EventBusName: BUS, Targets: [{ Id: 'q', Arn: arn }] }));
    api = await startKubeApi({ clusterName: CLUSTER, allow: { namespace: 'shop', deployment: 'cart' }, rolloutAfterReads: 2 });
    api.seed({ namespace: 'shop', name: 'cart', images: ['cart:v1', 'cart:v2'] });
    process.env[ENV.kubeClusters] = JSON.stringify({ [CLUSTER]: { endpoint: api.endpoint, region: 'us-east-1' } });
    process.env.POLL_INTERVAL_MS = '1';
  });
  afterEach(async () => {
    await api.close();
    delete process.env[ENV.kubeClusters];
  });

  const image = () => (api.deployments.get('shop/cart')!.spec.template.spec.containers as { image: string }[])[0].image;

  it('rolls the Deployment back, records the incident, and verifies once the alert resolves', async () => {
    // Prepare
    expect((await post('firing')).statusCode).toBe(202);
    const req = await routedRequest();
    await busEvents(stack);
    // Act: the action
    const out = await rollout(req);
    // Assess
    expect(out.outcome).toBe('succeeded');
    expect(image()).toBe('cart:v1');
    const seen = await busEvents(stack);
    expect(seen.map((e) => e.detailType)).toEqual(['Remediation Started', 'Remediation Succeeded']);
    expect(seen[1].detail.resource).toEqual({ type: 'kubernetes-deployment', id: 'shop-eks/shop/cart', group: 'standalone' });
    expect(seen[1].detail.action).toBe('k8s-rollout');
    // An alert has no CloudWatch alarm: no mute rules asked for, none recorded.
    expect(muteRules.requests).toEqual([]);
    expect(seen[1].detail.evidence.alarmMuteRules).toBeUndefined();
    const records = await incidentRecords(out.incidentId!);
    expect(records.map((r) => r.detailType)).toEqual(expect.arrayContaining(['Remediation Started', 'Remediation Succeeded']));

    // Act: the alert resolves, then the verifier reads the verification message
    expect((await post('resolved')).statusCode).toBe(202);
    const msgs = (await aws().sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.verifyQueueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];
    expect(msgs).toHaveLength(1);
    const result = await verifier({ Records: [{ messageId: msgs[0].MessageId!, body: msgs[0].Body!, attributes: { ApproximateReceiveCount: '1' } }] });
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const after = await busEvents(stack);
    const verified = after.find((e) => e.detailType === 'Remediation Verified');
    expect(verified?.detail.reason).toMatch(/alert RecoveryDeploymentUnavailable \(0f3b6c1d2e4a5b69\) on shop-eks\/shop\/cart is OK after rung 0/);
  });

  it('a redelivered alert acts once (idempotency by alert firing)', async () => {
    // Prepare
    await post('firing');
    const req = await routedRequest();
    await rollout(req);
    // Act
    const again = await rollout(req);
    // Assess
    expect(again).toMatchObject({ outcome: 'skipped', duplicate: true });
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('an alert that already resolved is not acted on', async () => {
    // Prepare
    await post('firing');
    const req = await routedRequest();
    await post('resolved');
    // Act
    const out = await rollout(req);
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toMatch(/is already OK: recovered without us/);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('the kill switch stands it down like any alarm', async () => {
    // Prepare
    await aws().ssm.send(new PutParameterCommand({ Name: '/recovery/test/mode', Type: 'String', Value: 'off', Overwrite: true }));
    await post('firing');
    const req = await routedRequest();
    // Act
    const out = await rollout(req);
    // Assess
    expect(out.outcome).toBe('skipped');
    expect(out.reason).toMatch(/off/);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('rejects a request whose alert belongs to another playbook, before any call', async () => {
    // Prepare
    await post('firing');
    const req = await routedRequest();
    // Act
    const run = rollout({ ...req, playbook: { ...PLAYBOOK, name: 'k8s-deployment' } });
    // Assess
    expect(await run).toEqual({ outcome: 'rejected', reason: 'event.detail.playbook: expected "k8s-deployment" (the request\'s playbook), got "k8s-deployment.rollout-undo"' });
    expect(api.requests).toHaveLength(0);
  });
});
