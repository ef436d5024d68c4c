import type { StackConfig } from '../config';
import { RESOURCE_DIMENSIONS } from './config';

/**
 * A log detector with a ladder acts on `resource.id` with the action
 * functions' roles, which are narrowed to the protected targets
 * (infra/iam/protected-scope.ts). A resource outside them would fail with
 * AccessDenied at 3 a.m.; refuse it at deploy time instead.
 *   InstanceId           -> an `instance` target with that id, or any instance tag selector
 *                           (the instance must then carry those tags);
 *   AutoScalingGroupName -> an `autoscaling-group` target with that name, or a group tag selector;
 *   VolumeId             -> any instance target (volumes are acted on through their instance).
 */
export function logDetectorProblems(cfg: StackConfig): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  cfg.logDetectors.forEach((d, i) => {
    if (!d.resource || d.ladder.length === 0) return;
    const { dimension, id } = d.resource;
    const covered = cfg.targets.some((t) => {
      if (dimension === 'InstanceId') return t.kind === 'instance' && (t.id === id || t.tags !== undefined);
      if (dimension === 'AutoScalingGroupName') return t.kind === 'autoscaling-group' && (t.name === id || t.tags !== undefined);
      return t.kind === 'instance';
    });
    if (!covered) {
      problems.push({
        key: `recovery-stack:logDetectors[${i}].resource.id`,
        message: `${RESOURCE_DIMENSIONS[dimension].kind} ${id} is not a protected target, so no recovery function may act on it: add it to recovery-stack:targets or use ladder: [] (notify-only)`,
      });
    }
  });
  return problems;
}
