import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResult } from '../../infra/synth/types';
import { ofType, stackSuite } from './stack-checks';

/** Pulumi.staging.yaml run through the real program under the mock engine. */
describe('stack staging', () => {
  let stack: SynthResult;
  beforeAll(async () => {
    stack = await synthesize({ stack: 'staging' });
  }, 180_000);

  stackSuite('staging', () => stack, { changeCalendar: false, actions: ['ssm-automation', 'replace-instance', 'restore-volume', 'reboot-db', 'restore-db'] });

  it('has one alarm rule per playbook on the default bus', () => {
    // Besides: one rule for the alarms' OK transitions (resolves escalated incidents; test/notifications).
    const alarmRules = ofType(stack, 'aws:cloudwatch/eventRule:EventRule').filter((r) => r.inputs.eventBusName === undefined && r.inputs.name !== 'recovery-staging-alarm-ok');
    const playbooks = new Set(ofType(stack, 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => (a.inputs.tags as Record<string, string>)['recovery-stack:playbook']));
    expect(alarmRules.length).toBe(playbooks.size);
  });
});
