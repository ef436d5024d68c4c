import { k8sRollout } from '../actions/k8s-rollout';
import { kubernetesDiagnosers } from '../runtime/diagnosis/kubernetes';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the rollout-restart / rollout-undo rungs: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(k8sRollout, kubernetesDiagnosers);
