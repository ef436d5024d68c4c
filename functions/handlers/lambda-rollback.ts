import { lambdaRollback } from '../actions/lambda-rollback';
import { lambdaDiagnosers } from '../runtime/diagnosis/lambda';
import { actionHandler } from '../runtime/remediation';

/** Lambda entry for the lambda-rollback rung: validate, guard, diagnose, act (functions/runtime/remediation.ts). */
export const handler = actionHandler(lambdaRollback, lambdaDiagnosers);
