import { alarmPattern } from '../../infra/routing/event-patterns';
import { matchesPattern } from '../../infra/routing/pattern-match';
import { redact } from '../../infra/synth/plan';
import { synthesize, SynthConfigError } from '../../infra/synth/synthesize';
import type { SynthResource, SynthResult } from '../../infra/synth/types';

/**
 * Notification channels, log detectors and audit shipping, synthesized under
 * the mock engine from Pulumi.dev.yaml plus config overrides (one switch at a time).
 */
const NS = 'recovery-stack';
const PD_KEY = 'abcdefghijklmnopqrstuvwxyz012345'; // real-looking key: must never survive redaction
const of = (r: SynthResult, type: string) => r.resources.filter((x) => x.type === type);
const TYPES = {
  connection: 'aws:cloudwatch/eventConnection:EventConnection',
  destination: 'aws:cloudwatch/eventApiDestination:EventApiDestination',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  metricFilter: 'aws:cloudwatch/logMetricFilter:LogMetricFilter',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  subscription: 'aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter',
  firehose: 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
  chatbot: 'aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  lambda: 'aws:lambda/function:Function',
};

describe('notification channels and log features are config switches', () => {
  let plain: SynthResult;
  let all: SynthResult;

  beforeAll(async () => {
    plain = await synthesize({ stack: 'dev' });
    all = await synthesize({
      stack: 'dev',
      config: {
        [`${NS}:notifications`]: {
          emails: ['oncall@example.com'],
          // Plain here, but the key is secret (a nested `secure:`), as `pulumi config set --secret --path` leaves it.
          pagerDutyRoutingKey: PD_KEY,
          opsgenie: { apiKey: { secure: 'v1:opsgenie' }, region: 'eu' },
          slack: { via: 'webhook', webhookUrl: { secure: 'v1:slack' } },
        },
        [`${NS}:logDetectors`]: [
          { name: 'panic', logGroupName: '/app/web', filterPattern: '"panic:"', threshold: 1 },
          {
            name: 'oom',
            logGroupName: '/app/batch',
            filterPattern: '{ $.msg = "OOM" }',
            threshold: 3,
            periodSeconds: 300,
            // Not reboot: a group terminates a stopped member (infra/ladder-fit.ts refuses reboot on groups).
            ladder: ['replace-instance'],
            resource: { dimension: 'AutoScalingGroupName', field: '$.asg', id: 'web-dev' },
          },
        ],
        [`${NS}:auditLogs`]: { enabled: true },
      },
    });
  }, 240_000);

  it('off by default: no connections, destinations, metric filters, subscriptions, Firehose or Chatbot', () => {
    // Assess
    for (const t of [TYPES.connection, TYPES.destination, TYPES.metricFilter, TYPES.subscription, TYPES.firehose, TYPES.chatbot]) {
      expect([t, of(plain, t).length]).toEqual([t, 0]);
    }
  });

  it('PagerDuty: Events API v2 destination; Escalated -> trigger, Verified / Resolved -> resolve, dedup key = incident id', () => {
    // Assess
    const dest = of(all, TYPES.destination).find((d) => d.name === 'recovery-dev-pagerduty')!;
    expect(dest.inputs.invocationEndpoint).toBe('https://events.pagerduty.com/v2/enqueue');
    const conn = of(all, TYPES.connection).find((c) => c.name === 'recovery-dev-pagerduty')!;
    const bodies = (conn.inputs.authParameters as any).invocationHttpParameters.bodies;
    expect(bodies).toEqual([{ key: 'routing_key', value: PD_KEY, isValueSecret: true }]);
    const rules = Object.fromEntries(of(all, TYPES.rule).map((r) => [r.name, JSON.parse(r.inputs.eventPattern as string)]));
    expect(rules['recovery-dev-pagerduty-trigger']['detail-type']).toEqual(['Remediation Escalated']);
    expect(rules['recovery-dev-pagerduty-resolve']['detail-type']).toEqual(['Remediation Verified', 'Remediation Resolved']);
    expect(rules['recovery-dev-opsgenie-close']['detail-type']).toEqual(['Remediation Verified', 'Remediation Resolved']);
    // Resolve reads the dedup key from the same path as the trigger.
    const resolve = of(all, TYPES.target).find((t) => t.name === 'recovery-dev-pagerduty-resolve')!;
    expect((resolve.inputs.inputTransformer as { inputPaths: Record<string, string> }).inputPaths.incident).toBe('$.detail.incidentId');
    const trigger = of(all, TYPES.target).find((t) => t.name === 'recovery-dev-pagerduty-trigger')!;
    const tr = trigger.inputs.inputTransformer as { inputPaths: Record<string, string>; inputTemplate: string };
    expect(tr.inputPaths.incident).toBe('$.detail.incidentId');
    expect(tr.inputTemplate).toMatch(/^\{"event_action":"trigger","dedup_key":"<incident>",/);
    // The key never appears in a rule or target (only in the connection's secret).
    expect(JSON.stringify(of(all, TYPES.target).map((t) => t.inputs))).not.toContain(PD_KEY);
    // The old SNS->PagerDuty CloudWatch-integration subscription is gone.
    expect(all.resources.some((r) => r.name.endsWith('-pagerduty') && r.type === 'aws:sns/topicSubscription:TopicSubscription')).toBe(false);
  });

  it('Opsgenie: create by alias, close by alias through the path parameter; EU endpoint', () => {
    // Assess
    const dests = Object.fromEntries(of(all, TYPES.destination).map((d) => [d.name, d.inputs.invocationEndpoint]));
    expect(dests['recovery-dev-opsgenie-create']).toBe('https://api.eu.opsgenie.com/v2/alerts');
    expect(dests['recovery-dev-opsgenie-close']).toBe('https://api.eu.opsgenie.com/v2/alerts/*/close');
    const close = of(all, TYPES.target).find((t) => t.name === 'recovery-dev-opsgenie-close')!;
    expect(close.inputs.httpTarget).toEqual({ pathParameterValues: ['$.detail.incidentId'], queryStringParameters: { identifierType: 'alias' } });
    const conn = of(all, TYPES.connection).find((c) => c.name === 'recovery-dev-opsgenie')!;
    expect((conn.inputs.authParameters as any).apiKey.key).toBe('Authorization');
  });

  it('every API destination target has retry policy, the events DLQ and a role; the DLQ accepts exactly their rules', () => {
    // Prepare
    const destArns = new Set(of(all, TYPES.destination).map((d) => d.outputs?.arn));
    const targets = of(all, TYPES.target).filter((t) => destArns.has(t.inputs.arn));
    // Assess
    expect(targets).toHaveLength(5); // PD trigger/resolve, Opsgenie create/close, Slack
    for (const t of targets) {
      expect(t.inputs.retryPolicy).toEqual({ maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 8 });
      expect(t.inputs.deadLetterConfig).toEqual({ arn: expect.stringMatching(/recovery-dev-events-dlq$/) });
      expect(t.inputs.roleArn).toEqual(expect.stringMatching(/recovery-dev-notify-destinations/));
    }
    const policy = JSON.parse(of(all, TYPES.queuePolicy).find((p) => p.name === 'recovery-dev-events-dlq')!.inputs.policy as string);
    const allowed: string[] = policy.Statement[0].Condition.ArnEquals['aws:SourceArn'];
    for (const name of ['recovery-dev-pagerduty-trigger', 'recovery-dev-opsgenie-close', 'recovery-dev-slack']) {
      expect(allowed.some((a) => a.endsWith(`/${name}`))).toBe(true);
    }
  });

  it("the alarms' OK transitions: one default-bus rule, every playbook's prefix, whole event to the notifier, retried and dead-lettered", () => {
    // Prepare
    const rule = of(plain, TYPES.rule).find((r) => r.name === 'recovery-dev-alarm-ok')!;
    const target = of(plain, TYPES.target).find((t) => t.name === 'recovery-dev-alarm-ok')!;
    const pattern = JSON.parse(rule.inputs.eventPattern as string);
    const alarmRules = of(plain, TYPES.rule).filter((r) => !r.inputs.eventBusName && r !== rule);
    const event = (alarmName: string, value: string) => ({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName, state: { value } } });
    // Assess: the same prefixes as the alarm rules; OK only.
    expect(rule.inputs.eventBusName).toBeUndefined();
    expect(pattern.detail.alarmName.map((p: { prefix: string }) => p.prefix).sort()).toEqual(
      alarmRules.map((r) => JSON.parse(r.inputs.eventPattern as string).detail.alarmName[0].prefix).sort(),
    );
    for (const a of of(plain, TYPES.alarm).map((x) => x.name)) {
      expect([a, matchesPattern(pattern, event(a, 'OK')), matchesPattern(pattern, event(a, 'ALARM'))]).toEqual([a, true, false]);
    }
    expect(matchesPattern(pattern, event('recovery-dev2-ec2-system-status-i-1', 'OK'))).toBe(false);
    expect(String(target.inputs.arn)).toMatch(/function:recovery-dev-notifier$/);
    expect(target.inputs.inputTransformer).toBeUndefined();
    expect(target.inputs.inputPath).toBeUndefined();
    expect(target.inputs.retryPolicy).toEqual({ maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 8 });
    const policy = JSON.parse(of(plain, TYPES.queuePolicy).find((p) => p.name === 'recovery-dev-events-dlq')!.inputs.policy as string);
    expect(policy.Statement[0].Condition.ArnEquals['aws:SourceArn'].some((a: string) => a.endsWith('/recovery-dev-alarm-ok'))).toBe(true);
    // The notifier may read and write the ledger and put recovery events (escalate notify-only alarms, resolve).
    const fn = of(plain, TYPES.lambda).find((f) => f.name === 'recovery-dev-notifier')!;
    expect(Object.keys((fn.inputs.environment as { variables: Record<string, string> }).variables)).toEqual(
      expect.arrayContaining(['LEDGER_TABLE', 'RECOVERY_BUS', 'MODE_PARAMETER', 'NOTIFY_TOPIC_ARN']),
    );
  });

  it('credentials are secret in the synth result and redacted in the --json view', () => {
    // Prepare
    const credentialHolders = [
      ...of(all, TYPES.connection),
      of(all, TYPES.destination).find((d) => d.name === 'recovery-dev-slack')!,
    ];
    // Assess
    for (const r of of(all, TYPES.connection)) expect(r.secretPaths).toContain('authParameters');
    expect(credentialHolders[credentialHolders.length - 1].secretPaths).toContain('invocationEndpoint');
    expect(JSON.stringify(all.resources.map((r: SynthResource) => r.inputs))).toContain(PD_KEY); // present before redaction
    expect(JSON.stringify(all.resources.map((r) => redact(r)))).not.toContain(PD_KEY);
  });

  it('log detectors: metric filter + alarm named recovery-<stage>-<playbook>-<name>, reached by its playbook rule', () => {
    // Assess
    const filters = Object.fromEntries(of(all, TYPES.metricFilter).map((f) => [f.name, f.inputs]));
    expect((filters['recovery-dev-oom'] as any).metricTransformation).toMatchObject({ namespace: 'RecoveryStack/Logs', name: 'dev-oom', value: '1', dimensions: { AutoScalingGroupName: '$.asg' } });
    expect((filters['recovery-dev-panic'] as any).metricTransformation.dimensions).toBeUndefined();
    const alarms = Object.fromEntries(of(all, TYPES.alarm).map((a) => [a.name, a.inputs]));
    expect(alarms['recovery-dev-logs.replace-instance-oom']).toMatchObject({ metricName: 'dev-oom', period: 300, threshold: 3, treatMissingData: 'notBreaching', dimensions: { AutoScalingGroupName: 'web-dev' } });
    expect(alarms['recovery-dev-logs-panic']).toMatchObject({ metricName: 'dev-panic', treatMissingData: 'notBreaching' });
    // Routing: each alarm's ALARM event matches exactly one rule: its playbook's, whose target is the rung's function.
    const rules = of(all, TYPES.rule).filter((r) => !r.inputs.eventBusName);
    for (const [alarm, fn] of [
      ['recovery-dev-logs-panic', 'notifier'],
      ['recovery-dev-logs.replace-instance-oom', 'replace-instance'],
    ]) {
      const event = { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: alarm, state: { value: 'ALARM' } } };
      const hits = rules.filter((r) => matchesPattern(JSON.parse(r.inputs.eventPattern as string), event));
      expect(hits.map((h) => h.name)).toHaveLength(1);
      const target = of(all, TYPES.target).find((t) => t.name === hits[0].name)!;
      expect(String(target.inputs.arn)).toContain(`recovery-dev-${fn}`);
    }
    expect(matchesPattern(alarmPattern('dev', 'logs'), { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: 'recovery-dev-logs.replace-instance-oom', state: { value: 'ALARM' } } })).toBe(false);
  });

  it('audit logs: one subscription filter per function log group into the created, encrypted Firehose -> S3', () => {
    // Assess
    const fns = of(all, TYPES.lambda).length;
    const subs = of(all, TYPES.subscription);
    expect(subs).toHaveLength(fns);
    const stream = of(all, TYPES.firehose)[0];
    for (const s of subs) expect(s.inputs.destinationArn).toBe(stream.outputs?.arn);
    expect(stream.inputs.serverSideEncryption).toEqual({ enabled: true, keyType: 'AWS_OWNED_CMK' });
    const sse = all.resources.find((r) => r.type === 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration')!;
    expect((sse.inputs.rules as any)[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe('AES256');
    const pab = all.resources.find((r) => r.type === 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock')!;
    expect(pab.inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
  });
});

describe('bad notification / log config: clear error naming the key and the fix, nothing synthesized', () => {
  it.each([
    [
      'plaintext PagerDuty key',
      { [`${NS}:notifications`]: { emails: [], pagerDutyRoutingKey: PD_KEY } },
      /recovery-stack:notifications\.pagerDutyRoutingKey: is a credential and must be a Pulumi secret: run `pulumi config set --secret --path/,
    ],
    [
      'malformed Slack webhook',
      { [`${NS}:notifications`]: { emails: [], slack: { via: 'webhook', webhookUrl: 'http://example.com/x' } } },
      /recovery-stack:notifications\.slack\.webhookUrl: must be a Slack incoming webhook URL/,
    ],
    [
      'log detector with a ladder but no resource',
      { [`${NS}:logDetectors`]: [{ name: 'x', logGroupName: '/a', filterPattern: 'ERROR', threshold: 1, ladder: ['reboot'] }] },
      /recovery-stack:logDetectors\[0\]\.resource: a log detector with a ladder must say which resource/,
    ],
    [
      'log detector acting on an unprotected group',
      {
        [`${NS}:logDetectors`]: [
          { name: 'x', logGroupName: '/a', filterPattern: '{ $.a = 1 }', threshold: 1, ladder: ['replace-instance'], resource: { dimension: 'AutoScalingGroupName', field: '$.asg', id: 'not-protected' } },
        ],
      },
      /recovery-stack:logDetectors\[0\]\.resource\.id: autoscaling-group not-protected is not a protected target/,
    ],
  ])('%s', async (_label, config, message) => {
    // Act
    const result = synthesize({ stack: 'dev', config });
    // Assess
    await expect(result).rejects.toThrow(SynthConfigError);
    await expect(result).rejects.toThrow(message);
  }, 120_000);
});
