import { replaceInstance } from '../actions/replace-instance';
import { ec2Diagnosers } from '../runtime/diagnosis/ec2';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the replace-instance rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(replaceInstance, ec2Diagnosers);
