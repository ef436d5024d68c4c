// PLACEHOLDER owned by the functions work (issue 3): the real context replaces this.
import type { ResourceRef } from '../contracts/recovery-event';

export interface ActionContext {
  resource: ResourceRef;
}
export interface ActionResult {
  outcome: 'succeeded' | 'failed';
  detail?: Record<string, unknown>;
}
