import { replaceInstance } from '../actions/replace-instance';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the replace-instance rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(replaceInstance);
