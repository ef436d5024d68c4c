import { RUNGS, type ActionKind, type RungName } from '../functions/contracts/rungs';
import type { StackConfig } from './config';

/**
 * Which target kinds each action can act on. A ladder rung that cannot act
 * on its target would only ever skip at run time ("no instance found for
 * rds-instance ..."); config validation says so up front instead.
 */
export const ACTION_TARGET_KINDS: Record<ActionKind, readonly string[]> = {
  'ssm-automation': ['instance', 'autoscaling-group'],
  'replace-instance': ['instance', 'autoscaling-group'],
  'restore-volume': ['instance'],
  ansible: ['instance', 'autoscaling-group'],
  'reboot-db': ['rds-instance'],
  'restore-db': ['rds-instance'],
  'lambda-rollback': ['lambda-alias'],
  'ecs-redeploy': ['ecs-service'],
  'k8s-rollout': ['kubernetes-deployment'],
};

export function ladderFitProblems(cfg: Pick<StackConfig, 'targets'>): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  cfg.targets.forEach((t, i) => {
    const ladder = ('ladder' in t ? (t.ladder as string[] | undefined) : undefined) ?? [];
    ladder.forEach((rung, j) => {
      const action = RUNGS[rung as RungName]?.action;
      const kinds = action ? ACTION_TARGET_KINDS[action] : undefined;
      if (kinds && !kinds.includes(t.kind)) {
        const fitting = Object.entries(RUNGS)
          .filter(([, r]) => ACTION_TARGET_KINDS[r.action]?.includes(t.kind))
          .map(([n]) => n);
        out.push({ path: ['targets', i, 'ladder', j], message: `rung ${rung} (${action}) cannot act on a ${t.kind} target; use one of: ${fitting.join(', ') || 'none'}` });
      }
    });
  });
  return out;
}
