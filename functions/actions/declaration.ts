import type * as z from 'zod/mini';
import type { PermissionStatement } from '../contracts/permissions';
import type { ActionKind } from '../contracts/rungs';
import type { ActionContext, ActionResult } from '../runtime/action-context';
import type { Diagnosis } from '../runtime/diagnosis';

/**
 * An action: what it is called, what it takes, what it may touch, and how it
 * runs. Importing a declaration must not load AWS SDK clients (the Pulumi
 * program imports them to build roles): action modules load SDK commands
 * lazily inside `run`, through functions/runtime/sdk.ts.
 */
export interface ActionDeclaration<Params extends z.ZodMiniType = z.ZodMiniType> {
  name: ActionKind;
  description: string;
  /** Replaces or swaps resources (approval may be required in prod). */
  destructive: boolean;
  /** Validates the rung's params before anything happens. */
  input: Params;
  permissions: PermissionStatement[];
  run(ctx: ActionContext, params: z.infer<Params>): Promise<ActionResult>;
  /**
   * Whether this rung fits what diagnosis found; a reason string means "not
   * this rung" (e.g. no reboot for a stopped instance): the request is skipped
   * with that reason and the ladder moves on.
   */
  fits?(diagnosis: Diagnosis, params: z.infer<Params>): string | undefined;
  /**
   * Whether something else is already fixing what diagnosis found (e.g. an
   * Auto Scaling group terminating its member to replace it): a reason string
   * means stand down. The request is skipped with that reason and the ladder
   * does NOT move on: acting, or paging humans, would only race the fix.
   */
  standDown?(diagnosis: Diagnosis, params: z.infer<Params>): string | undefined;
  /** The steps `run` would take, for dry-run and the audit record. */
  plan?(diagnosis: Diagnosis, params: z.infer<Params>): string[];
}

export function defineAction<Params extends z.ZodMiniType>(d: ActionDeclaration<Params>): ActionDeclaration<Params> {
  for (const p of d.permissions) {
    for (const a of p.actions) {
      if (a === '*' || a.endsWith(':*')) throw new Error(`action ${d.name}: permission ${p.sid} uses wildcard action ${a}`);
    }
  }
  return d;
}
