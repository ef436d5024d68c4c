import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../../functions/catalog';
import { ACTION_KINDS, RUNGS, type ActionKind, type RungName } from '../../functions/contracts/rungs';

/**
 * Which catalog functions one stack deploys. Least privilege: an action
 * function no ladder uses would be an idle role with mutating permissions,
 * a log group and a recovery-bus rule, so a stack gets an action kind only
 * when a rung of one of its playbooks (metric, log or Kubernetes) runs it.
 * Escalations only ever go to rungs of the same ladder (the verifier asks for
 * rung + 1), so the ladders are the complete list of kinds that can be invoked.
 */

/** In every stack: the verifier consumes the verify queue, the notifier hears the recovery bus (and notify-only playbooks). */
export const ALWAYS_DEPLOYED = ['verifier', 'notifier'] as const;
export type AlwaysDeployed = (typeof ALWAYS_DEPLOYED)[number];

/** One value per deployed function: verifier and notifier always there, action kinds only when a ladder uses them. */
export type StackFunctions<T> = Record<AlwaysDeployed, T> & Partial<Record<ActionKind, T>>;

/** What the planning needs of a playbook (metric, log and Kubernetes playbooks all have it). */
export interface LadderOf {
  params: { name: string; ladder: readonly string[] };
}

/** The action kinds the playbooks' ladders run, in ACTION_KINDS order. */
export function actionKindsOf(playbooks: readonly LadderOf[]): ActionKind[] {
  const used = new Set<ActionKind>();
  for (const pb of playbooks) for (const rung of pb.params.ladder) used.add(RUNGS[rung as RungName].action);
  return ACTION_KINDS.filter((k) => used.has(k));
}

/** Catalog specs to deploy for these playbooks (catalog order): the kinds their ladders use + verifier + notifier. */
export function deployedSpecs(playbooks: readonly LadderOf[]): FunctionSpec[] {
  const names = new Set<FunctionName>([...actionKindsOf(playbooks), ...ALWAYS_DEPLOYED]);
  return FUNCTIONS.filter((spec) => names.has(spec.name));
}

/** The deployed function `name`, or a loud synth-time error: routing to a function the stack lacks is a bug, not a config problem. */
export function functionFor<T>(functions: StackFunctions<T>, name: FunctionName, where: string): T {
  const fn = (functions as Partial<Record<FunctionName, T>>)[name];
  if (fn === undefined) {
    const deployed = Object.keys(functions).sort().join(', ');
    throw new Error(`${where}: the stack has no ${name} function (deployed: ${deployed}); functions are chosen from the playbooks' ladders (infra/functions/stack-functions.ts), so this is a bug`);
  }
  return fn;
}

/**
 * Every rung of every ladder must have its function: the first rung is invoked by
 * the playbook's rule, later ones by recovery-bus escalations. Throws at synth time.
 */
export function assertLaddersDeployed<T>(playbooks: readonly LadderOf[], functions: StackFunctions<T>): void {
  for (const pb of playbooks) {
    pb.params.ladder.forEach((rung, i) => {
      functionFor(functions, RUNGS[rung as RungName].action, `playbook ${pb.params.name} rung ${i} (${rung})`);
    });
  }
}
