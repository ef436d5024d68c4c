import { synthesize } from '../../infra/synth/synthesize';
import type { SynthResult } from '../../infra/synth/types';
import { ofType } from './stack-checks';

/**
 * Routing is O(playbooks), never O(fleet): the same config over a fleet of
 * 1 and of 1,000 tag-selected instances yields the same rules. (Two detectors
 * are disabled to keep the 1,000-instance run to ~1,000 alarms on a shared CI box.)
 */
const config = {
  'recovery-stack:targets': [
    { kind: 'instance', tags: { recovery: 'on', fleet: 'big' } },
    { kind: 'autoscaling-group', name: 'web' },
  ],
  'recovery-stack:playbooks': { disabledDetectors: ['ec2-cpu-saturation', 'ec2-instance-status', 'ebs-stalled-io'] },
};

const rules = (s: SynthResult) =>
  ofType(s, 'aws:cloudwatch/eventRule:EventRule')
    .map((r) => `${String(r.inputs.eventBusName ?? 'default')}/${String(r.inputs.name)}:${String(r.inputs.eventPattern)}`)
    .sort();
const alarms = (s: SynthResult) => ofType(s, 'aws:cloudwatch/metricAlarm:MetricAlarm');

describe('fleet scale', () => {
  it('creates the same rules for 1 and 1,000 instances; only alarms grow', async () => {
    // Act
    const one = await synthesize({ stack: 'dev', config, mocks: { instancesPerSelector: 1 } });
    const thousand = await synthesize({ stack: 'dev', config, mocks: { instancesPerSelector: 1000 } });
    // Assess
    expect(rules(thousand)).toEqual(rules(one));
    // ec2-system-status, asg-in-service, asg-status-check + their OK transitions' rule + one recovery-bus
    // rule per action kind the ladders use (ssm-automation for reboot, replace-instance) + the notifier's
    expect(rules(one).length).toBe(3 + 1 + 2 + 1);
    expect(alarms(one).length).toBe(1 + 2);
    expect(alarms(thousand).length).toBe(1000 + 2);
    expect(new Set(alarms(thousand).map((a) => a.inputs.name)).size).toBe(1002);
  }, 300_000);
});
