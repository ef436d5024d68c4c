import { PlaybookParams } from '../../functions/contracts/remediation-request';
import { RUNGS, type RungName } from '../../functions/contracts/rungs';
import type { FunctionName } from '../../functions/catalog';
import type { StackConfig } from '../config';
import { DEFAULT_K8S_LADDER, type KubernetesDeploymentTarget } from './config';

/**
 * Kubernetes playbooks: one per distinct ladder among kubernetes-deployment
 * targets (O(ladders), never O(deployments)). Alertmanager alerts carry the
 * playbook name in the `recovery_playbook` label (the stack's PrometheusRule
 * sets it), and one recovery-bus rule per playbook routes firing alerts to
 * its first rung, with the same envelope as alarm rules.
 */
export const K8S_PLAYBOOK = 'k8s-deployment';

export interface KubernetesPlaybook {
  params: PlaybookParams;
  firstFunction: FunctionName;
  targets: { target: KubernetesDeploymentTarget; index: number }[];
}

export function kubernetesTargets(config: StackConfig): { target: KubernetesDeploymentTarget; index: number }[] {
  return config.targets.flatMap((t, index) => (t.kind === 'kubernetes-deployment' ? [{ target: t as KubernetesDeploymentTarget, index }] : []));
}

export function kubernetesPlaybookName(ladder: readonly string[]): string {
  const same = ladder.length === DEFAULT_K8S_LADDER.length && ladder.every((r, i) => r === DEFAULT_K8S_LADDER[i]);
  return same ? K8S_PLAYBOOK : `${K8S_PLAYBOOK}.${ladder.length ? ladder.join('.') : 'notify'}`.slice(0, 63);
}

export function planKubernetesPlaybooks(config: StackConfig): KubernetesPlaybook[] {
  const byName = new Map<string, KubernetesPlaybook>();
  for (const t of kubernetesTargets(config)) {
    const ladder = (t.target.ladder ?? DEFAULT_K8S_LADDER) as RungName[];
    const name = kubernetesPlaybookName(ladder);
    let pb = byName.get(name);
    if (!pb) {
      pb = {
        params: PlaybookParams.parse({ name, ladder, verifyAfterSeconds: config.playbooks.verifyAfterSeconds }),
        firstFunction: ladder.length ? RUNGS[ladder[0]].action : 'notifier',
        targets: [],
      };
      byName.set(name, pb);
    }
    pb.targets.push(t);
  }
  return [...byName.values()];
}
