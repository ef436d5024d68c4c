import { RUNGS, type ActionKind, type RungName } from '../functions/contracts/rungs';
import type { StackConfig } from './config';

/**
 * Which target kinds each action can act on. A ladder rung that cannot act
 * on its target would only ever skip at run time ("no instance found for
 * rds-instance ..."); config validation says so up front instead.
 */
export const ACTION_TARGET_KINDS: Record<ActionKind, readonly string[]> = {
  // Not 'autoscaling-group': see STOPS_GROUP_MEMBERS.
  'ssm-automation': ['instance'],
  'replace-instance': ['instance', 'autoscaling-group'],
  'restore-volume': ['instance'],
  ansible: ['instance', 'autoscaling-group'],
  'reboot-db': ['rds-instance'],
  'restore-db': ['rds-instance'],
  'lambda-rollback': ['lambda-alias'],
  'ecs-redeploy': ['ecs-service'],
  'k8s-rollout': ['kubernetes-deployment'],
};

/**
 * Actions that stop the instance they act on. A group's EC2 health check counts a member in any state
 * other than running as unhealthy and terminates it, deleting its DeleteOnTermination volumes (EC2 Auto
 * Scaling User Guide, "Health checks for instances in an Auto Scaling group"), so on an autoscaling-group
 * target they would lose the member and its data. An instance target may still reach a member (selected
 * by tags): the action's `fits` turns those down at run time.
 */
const STOPS_GROUP_MEMBERS: Partial<Record<ActionKind, string>> = {
  'ssm-automation': 'it stops and then starts the instance (AWS-RestartEC2Instance), and the group terminates a stopped member and deletes its DeleteOnTermination volumes',
};

export function ladderFitProblems(cfg: Pick<StackConfig, 'targets'> & Partial<Pick<StackConfig, 'logDetectors'>>): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  // A log detector acting on a group (resource dimension AutoScalingGroupName) reaches its members the same way.
  (cfg.logDetectors ?? []).forEach((d, i) => {
    if (d.resource?.dimension !== 'AutoScalingGroupName') return;
    d.ladder.forEach((rung, j) => {
      const action = RUNGS[rung as RungName]?.action;
      const why = action ? STOPS_GROUP_MEMBERS[action] : undefined;
      if (why) out.push({ path: ['logDetectors', i, 'ladder', j], message: groupMessage(rung, action!, why, 'autoscaling-group') });
    });
  });
  cfg.targets.forEach((t, i) => {
    const ladder = ('ladder' in t ? (t.ladder as string[] | undefined) : undefined) ?? [];
    ladder.forEach((rung, j) => {
      const action = RUNGS[rung as RungName]?.action;
      const kinds = action ? ACTION_TARGET_KINDS[action] : undefined;
      if (kinds && !kinds.includes(t.kind)) {
        const fitting = Object.entries(RUNGS)
          .filter(([, r]) => ACTION_TARGET_KINDS[r.action]?.includes(t.kind))
          .map(([n]) => n);
        const why = t.kind === 'autoscaling-group' ? STOPS_GROUP_MEMBERS[action!] : undefined;
        out.push({
          path: ['targets', i, 'ladder', j],
          message: why ? groupMessage(rung, action!, why, t.kind) : `rung ${rung} (${action}) cannot act on a ${t.kind} target; use one of: ${fitting.join(', ') || 'none'}`,
        });
      }
    });
  });
  return out;
}

function groupMessage(rung: string, action: string, why: string, kind: string): string {
  const fitting = Object.entries(RUNGS)
    .filter(([, r]) => ACTION_TARGET_KINDS[r.action]?.includes(kind))
    .map(([n]) => n);
  return `rung ${rung} (${action}) cannot act on a ${kind} target: ${why}; expected a rung that never stops a member (one of: ${fitting.join(', ')}), got ${rung}: remove it (e.g. ladder: [replace-instance], which keeps the member's volumes)`;
}
