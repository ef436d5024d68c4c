import { createHash } from 'node:crypto';
import { PlaybookParams } from '../functions/contracts/remediation-request';
import { RUNGS, type RungName } from '../functions/contracts/rungs';
import type { FunctionName } from '../functions/catalog';
import { DETECTORS } from './alarms/catalog';
import type { Detector, ResourceKind } from './alarms/detector';
import type { StackConfig, Target } from './config';

/**
 * A playbook = a detector + a ladder. One EventBridge rule per playbook routes
 * every resource's alarm by name prefix, so the number of playbooks (and
 * rules) depends on the config, never on the fleet size.
 */
export interface Playbook {
  params: PlaybookParams;
  detector: Detector;
  /** The function the alarm rule invokes: the first rung's action, or the notifier for notify-only. */
  firstFunction: FunctionName;
}

/** Resource kinds a config target protects (instances also protect their attached volumes). */
export function resourceKindsOf(t: Target): ResourceKind[] {
  switch (t.kind) {
    case 'instance':
      return ['instance', 'volume'];
    case 'autoscaling-group':
      return ['autoscaling-group'];
    case 'rds-instance':
      return ['rds-instance'];
    case 'lambda-alias':
      return ['lambda-alias'];
    case 'kubernetes-deployment':
      // No CloudWatch detector: Alertmanager alerts feed its playbooks (infra/kubernetes/playbooks.ts).
      return [];
    case 'ecs-service':
      return ['ecs-service'];
  }
}

export function ladderFor(detector: Detector, target: Target): RungName[] {
  return detector.ladderOverridable && target.ladder ? (target.ladder as RungName[]) : detector.defaultLadder;
}

/** Default ladder -> the detector's name; an override -> a deterministic derived name. */
export function playbookName(detector: Detector, ladder: RungName[]): string {
  if (sameLadder(ladder, detector.defaultLadder)) return detector.name;
  const readable = `${detector.name}.${ladder.length === 0 ? 'notify' : ladder.join('.')}`;
  if (readable.length <= 63) return readable;
  return `${detector.name}.${createHash('sha256').update(ladder.join(',')).digest('hex').slice(0, 8)}`;
}

function sameLadder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

export interface PlaybookPlan {
  playbooks: Playbook[];
  /** Playbook for (target index, detector name), or undefined if the detector is disabled. */
  forTarget(targetIndex: number, detectorName: string): Playbook | undefined;
}

export function planPlaybooks(config: StackConfig): PlaybookPlan {
  const byName = new Map<string, Playbook>();
  const byTarget = new Map<string, Playbook>();
  const disabled = new Set(config.playbooks.disabledDetectors);
  config.targets.forEach((target, i) => {
    for (const kind of resourceKindsOf(target)) {
      for (const detector of DETECTORS.filter((d) => d.resourceKind === kind && !disabled.has(d.name))) {
        const ladder = ladderFor(detector, target);
        const name = playbookName(detector, ladder);
        let pb = byName.get(name);
        if (!pb) {
          const params = PlaybookParams.parse({ name, ladder, verifyAfterSeconds: config.playbooks.verifyAfterSeconds });
          pb = { params, detector, firstFunction: ladder.length === 0 ? 'notifier' : RUNGS[ladder[0]].action };
          byName.set(name, pb);
        }
        byTarget.set(`${i}/${detector.name}`, pb);
      }
    }
  });
  const playbooks = [...byName.values()];
  assertNoPrefixOverlap(playbooks.map((p) => p.params.name));
  return { playbooks, forTarget: (i, d) => byTarget.get(`${i}/${d}`) };
}

/**
 * Rule routing is by alarm-name prefix `recovery-<stage>-<playbook>-`; if one
 * playbook's `name-` were a prefix of another's, one alarm would match two rules.
 */
export function assertNoPrefixOverlap(names: string[]): void {
  for (const a of names) {
    for (const b of names) {
      if (a !== b && `${b}-`.startsWith(`${a}-`)) {
        throw new Error(`playbook names overlap: "${a}-" is a prefix of "${b}-", so one alarm would match two rules; rename a detector or rung`);
      }
    }
  }
}

/**
 * The playbooks watching instances and volumes, by kind (PROTECTION_PLAYBOOKS): replace-instance and restore-volume
 * copy a predecessor's alarms recovery-<stage>-<playbook>-<id> for its successor (functions/runtime/carried-protection.ts).
 */
export function protectionPlaybooks(playbooks: Playbook[]): Partial<Record<'instance' | 'volume', string[]>> {
  const out: Partial<Record<'instance' | 'volume', string[]>> = {};
  for (const p of playbooks) {
    const kind = p.detector.resourceKind;
    if (kind !== 'instance' && kind !== 'volume') continue;
    (out[kind] ??= []).push(p.params.name);
  }
  return out;
}
