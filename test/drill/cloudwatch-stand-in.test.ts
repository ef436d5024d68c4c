import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { alarmRuleInputTemplate, RemediationRequest } from '../../functions/contracts/remediation-request';
import { clientsFor, type Clients } from '../../scripts/drill/aws';
import { CloudWatchStandIn } from '../../scripts/drill/cloudwatch';
import { asEventBridgeDelivered } from '../../scripts/drill/eventbridge-delivery';
import { Impairments } from '../../scripts/sandbox/gaps/impairments';
import { motoEndpoint, resetEmulator } from '../support/aws';

/**
 * The drill's CloudWatch stand-in: the alarm follows the emulated fleet, and
 * the state-change event it emits, routed by a real rule with the stack's
 * input transformer through moto, is exactly what the functions' contract
 * (RemediationRequest around a CloudWatch Alarm State Change) accepts.
 */
describe('CloudWatch stand-in', () => {
  let c: Clients;

  beforeEach(async () => {
    await resetEmulator();
    c = clientsFor(motoEndpoint());
  });
  afterEach(() => c.destroy());

  async function setup() {
    const run = await c.ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1 }));
    const id = run.Instances![0].InstanceId!;
    const alarm = `recovery-dev-ec2-system-status-${id}`;
    await c.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        Namespace: 'AWS/EC2',
        MetricName: 'StatusCheckFailed_System',
        Dimensions: [{ Name: 'InstanceId', Value: id }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    const q = await c.sqs.send(new CreateQueueCommand({ QueueName: 'fn' }));
    await c.events.send(
      new PutRuleCommand({
        Name: 'r',
        EventPattern: JSON.stringify({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: [{ prefix: 'recovery-dev-ec2-system-status-' }], state: { value: ['ALARM'] } } }),
      }),
    );
    const playbook = { name: 'ec2-system-status', ladder: ['reboot'], verifyAfterSeconds: 1 };
    await c.events.send(
      new PutTargetsCommand({ Rule: 'r', Targets: [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:123456789012:fn', InputTransformer: { InputTemplate: alarmRuleInputTemplate(playbook) } }] }),
    );
    return { id, alarm, queueUrl: q.QueueUrl! };
  }

  it('puts the alarm in ALARM for an impaired instance and emits an event the contract accepts', async () => {
    // Prepare
    const { id, alarm, queueUrl } = await setup();
    const impairments = new Impairments();
    impairments.inject({ kind: 'instance-system', resourceId: id });
    const cw = new CloudWatchStandIn(c, impairments);
    // Act
    const transitions = await cw.evaluate([alarm]);
    const msgs = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    // Assess
    expect(transitions).toEqual([expect.objectContaining({ alarmName: alarm, to: 'ALARM' })]);
    expect(msgs.Messages).toHaveLength(1);
    const request = RemediationRequest.parse(asEventBridgeDelivered(JSON.parse(msgs.Messages![0].Body!)));
    expect(request.event.detail).toMatchObject({
      alarmName: alarm,
      state: { value: 'ALARM' },
      configuration: { metrics: [{ metricStat: { metric: { namespace: 'AWS/EC2', name: 'StatusCheckFailed_System', dimensions: { InstanceId: id } } } }] },
    });
    expect(request.event.resources).toEqual([`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm}`]);
  });

  it('returns to OK when the instance stops reporting (treatMissingData notBreaching), and the rule ignores OK', async () => {
    // Prepare
    const { id, alarm, queueUrl } = await setup();
    const impairments = new Impairments();
    impairments.inject({ kind: 'instance-system', resourceId: id });
    const cw = new CloudWatchStandIn(c, impairments);
    await cw.evaluate([alarm]);
    await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    // Act
    await c.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    const transitions = await cw.evaluate([alarm]);
    const again = await cw.evaluate([alarm]);
    const msgs = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    // Assess
    expect(transitions).toEqual([expect.objectContaining({ from: 'ALARM', to: 'OK' })]);
    expect(again).toEqual([]);
    expect(msgs.Messages ?? []).toHaveLength(0);
  });

  it('returns to OK when the fault heals by itself while the instance keeps running', async () => {
    // Prepare
    const { id, alarm } = await setup();
    const impairments = new Impairments();
    impairments.inject({ kind: 'instance-system', resourceId: id });
    const cw = new CloudWatchStandIn(c, impairments);
    await cw.evaluate([alarm]);
    const version = impairments.version;
    // Act
    const healed = impairments.heal(id, 'instance-system', 'test: hardware recovered');
    const transitions = await cw.evaluate([alarm]);
    // Assess
    expect(healed).toEqual([expect.objectContaining({ resourceId: id, clearedBy: 'test: hardware recovered' })]);
    expect(impairments.version).toBeGreaterThan(version);
    expect(impairments.active(id)).toEqual([]);
    expect(transitions).toEqual([expect.objectContaining({ from: 'ALARM', to: 'OK', reason: expect.stringContaining('[0]') })]);
  });
});
