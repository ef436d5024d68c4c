import { restoreVolume } from '../actions/restore-volume';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the restore-volume rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(restoreVolume);
