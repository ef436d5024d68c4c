import { asEventBridgeDelivered } from '../../scripts/drill/eventbridge-delivery';

describe('EventBridge delivery fidelity (moto -> what Lambda would receive)', () => {
  it('renders an embedded event time as ISO-8601 and drops moto\'s ingestion-time', () => {
    // Prepare: what moto puts in the queue for <aws.events.event.json> inside a template
    const fromMoto = {
      version: 1,
      rung: 0,
      event: { id: 'e1', 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', time: 1795651030.847, 'ingestion-time': 1795651030.85, detail: { alarmName: 'a', time: 5 } },
    };
    // Act
    const delivered = asEventBridgeDelivered(fromMoto) as { event: Record<string, unknown> };
    // Assess
    expect(delivered.event.time).toBe('2026-11-25T23:57:10Z');
    expect(delivered.event).not.toHaveProperty('ingestion-time');
    // The customer's detail is left exactly as put.
    expect(delivered.event.detail).toEqual({ alarmName: 'a', time: 5 });
    expect(delivered).toMatchObject({ version: 1, rung: 0 });
  });

  it("sets the emulated account on an event whose rule target copy lost it (EventBridge sets it on every event), and keeps one that is there", () => {
    // Prepare: moto's rule -> SQS copy of a PutEvents entry has region but no account
    const fromMoto = { id: 'e2', 'detail-type': 'Remediation Escalated', source: 'recovery-stack', time: '2026-12-07T22:25:51Z', region: 'us-east-1', resources: [], detail: {} };
    // Act
    const delivered = asEventBridgeDelivered(fromMoto) as Record<string, unknown>;
    const kept = asEventBridgeDelivered({ ...fromMoto, account: '210987654321' }) as Record<string, unknown>;
    // Assess: moto's DEFAULT_ACCOUNT_ID
    expect(delivered.account).toBe('123456789012');
    expect(kept.account).toBe('210987654321');
  });

  it('leaves payloads that are not rendered events alone', () => {
    // Prepare
    const detailOnly = { version: 1, time: 12, action: 'ssm-automation' };
    // Act
    const delivered = asEventBridgeDelivered(detailOnly);
    // Assess
    expect(delivered).toEqual(detailOnly);
  });
});
