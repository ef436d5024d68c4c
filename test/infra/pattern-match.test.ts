import { alarmPattern } from '../../infra/routing/event-patterns';
import { matchesPattern } from '../../infra/routing/pattern-match';
import { alarmEvent } from '../../infra/synth/plan';

describe('event pattern matcher (subset)', () => {
  it('matches ALARM transitions of the playbook prefix only', () => {
    // Prepare
    const p = alarmPattern('prod', 'ec2-system-status');
    const ok = alarmEvent('recovery-prod-ec2-system-status-i-0123');
    const toOk = { ...ok, detail: { ...ok.detail, state: { ...ok.detail.state, value: 'OK' } } };
    // Act / Assess
    expect(matchesPattern(p, ok)).toBe(true);
    expect(matchesPattern(p, toOk)).toBe(false);
    expect(matchesPattern(p, alarmEvent('recovery-prod-ec2-system-status.reboot-i-0123'))).toBe(false);
    expect(matchesPattern(p, alarmEvent('recovery-dev-ec2-system-status-i-0123'))).toBe(false);
    expect(matchesPattern(p, { ...ok, source: 'aws.ec2' })).toBe(false);
  });
});
