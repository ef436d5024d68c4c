import { ansible } from '../actions/ansible';
import { ec2Diagnosers } from '../runtime/diagnosis/ec2';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the ansible rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(ansible, ec2Diagnosers);
