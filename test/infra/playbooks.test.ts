import { PlaybookParams } from '../../functions/contracts/remediation-request';
import { RUNG_NAMES, type RungName } from '../../functions/contracts/rungs';
import { DETECTORS } from '../../infra/alarms/catalog';
import { loadConfig } from '../../infra/config';
import { assertNoPrefixOverlap, planPlaybooks, playbookName } from '../../infra/playbooks';

describe('playbooks', () => {
  it('names default ladders after the detector and overrides deterministically, always valid', () => {
    // Prepare: every ladder of up to 5 rungs over the rung names (with repeats) for a sample.
    const ladders: RungName[][] = [[], ...RUNG_NAMES.map((r) => [r]), ['reboot', 'replace-instance', 'restore-volume', 'reboot', 'replace-instance']];
    for (const d of DETECTORS) {
      for (const ladder of ladders) {
        // Act
        const name = playbookName(d, ladder);
        // Assess
        expect(() => PlaybookParams.parse({ name, ladder, verifyAfterSeconds: 60 })).not.toThrow();
        expect(playbookName(d, ladder)).toBe(name);
      }
      expect(playbookName(d, d.defaultLadder)).toBe(d.name);
    }
  });

  it('keeps detector names free of `-` prefix overlaps, and rejects overlapping names', () => {
    expect(() => assertNoPrefixOverlap(DETECTORS.map((d) => d.name))).not.toThrow();
    expect(() => assertNoPrefixOverlap(['rds-cpu', 'rds-cpu-credit'])).toThrow(/"rds-cpu-" is a prefix of "rds-cpu-credit-"/);
  });

  it('plans one playbook per (detector, ladder) and maps each target to it', () => {
    // Prepare
    const cfg = loadConfig({
      targets: [
        { kind: 'instance', id: 'i-0123456789abcdef0' },
        { kind: 'instance', id: 'i-0123456789abcdef1', ladder: ['reboot', 'restore-volume'] },
        { kind: 'instance', tags: { a: 'b' } },
      ],
    });
    // Act
    const plan = planPlaybooks(cfg);
    // Assess
    expect(plan.playbooks.map((p) => p.params.name).sort()).toEqual(
      [
        'ebs-stalled-io',
        'ec2-cpu-saturation',
        'ec2-instance-status',
        'ec2-instance-status.reboot.restore-volume',
        'ec2-system-status',
        'ec2-system-status.reboot.restore-volume',
      ].sort(),
    );
    expect(plan.forTarget(0, 'ec2-system-status')?.params.name).toBe('ec2-system-status');
    expect(plan.forTarget(2, 'ec2-system-status')).toBe(plan.forTarget(0, 'ec2-system-status'));
    expect(plan.forTarget(1, 'ec2-system-status')?.firstFunction).toBe('ssm-automation');
    expect(plan.forTarget(1, 'ec2-cpu-saturation')?.firstFunction).toBe('notifier');
  });
});
