import type { Logger } from '@aws-lambda-powertools/logger';
import type { ResourceRef } from '../contracts/recovery-event';
import type { RemediationRequest } from '../contracts/remediation-request';
import type { Diagnosis } from './diagnosis';

/** What an action's `run` gets: the request, what diagnosis found, and how to wait and name things. */
export interface ActionContext {
  resource: ResourceRef;
  request: RemediationRequest;
  incidentId: string;
  stage: string;
  diagnosis: Diagnosis;
  log: Logger;
  /** Waiter poll interval (POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** Epoch ms by which `run` must have finished (the Lambda's remaining time minus a margin). */
  deadline: number;
  /** Role SSM Automation assumes (ssm-automation only). */
  automationRoleArn?: string;
  /** Deterministic idempotency token for one step of this incident's rung (ClientToken). */
  clientToken(step: string): string;
  /** Playbooks whose alarms watch each instance / volume (PROTECTION_PLAYBOOKS): what a successor must get. */
  protectionPlaybooks: Partial<Record<'instance' | 'volume', string[]>>;
  /** Tags every resource this incident creates or retires carries. */
  recoveryTags: Record<string, string>;
}

export interface ActionResult {
  outcome: 'succeeded' | 'failed';
  /** Failure: what went wrong and what was rolled back. */
  reason?: string;
  detail?: Record<string, unknown>;
}
