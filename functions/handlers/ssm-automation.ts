import { ssmAutomation } from '../actions/ssm-automation';
import { ec2Diagnosers } from '../runtime/diagnosis/ec2';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the ssm-automation rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(ssmAutomation, ec2Diagnosers);
