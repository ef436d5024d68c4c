import { ecsRedeploy } from '../actions/ecs-redeploy';
import { ecsDiagnosers } from '../runtime/diagnosis/ecs';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the ecs-redeploy rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(ecsRedeploy, ecsDiagnosers);
