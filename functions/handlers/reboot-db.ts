import { rebootDb } from '../actions/reboot-db';
import { rdsDiagnosers } from '../runtime/diagnosis/rds';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the reboot-db rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(rebootDb, rdsDiagnosers);
