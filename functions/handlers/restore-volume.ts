import { restoreVolume } from '../actions/restore-volume';
import { ec2Diagnosers } from '../runtime/diagnosis/ec2';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the restore-volume rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(restoreVolume, ec2Diagnosers);
