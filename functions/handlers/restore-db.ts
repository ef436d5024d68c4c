import { restoreDb } from '../actions/restore-db';
import { rdsDiagnosers } from '../runtime/diagnosis/rds';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the restore-db rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(restoreDb, rdsDiagnosers);
