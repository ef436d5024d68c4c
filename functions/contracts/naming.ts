/**
 * Alarm names are `recovery-<stage>-<playbook>-<resource>`, so one rule per
 * playbook (prefix match) routes every resource's alarm.
 */
export function alarmNamePrefix(stage: string, playbook: string): string {
  return `recovery-${stage}-${playbook}-`;
}

export function alarmName(stage: string, playbook: string, resource: string): string {
  return `${alarmNamePrefix(stage, playbook)}${resource}`;
}

export function modeParameterName(stage: string): string {
  return `/recovery/${stage}/mode`;
}

/**
 * Tag on a standalone replacement naming the instance the stack was first told to protect (carried through every
 * replacement since): `pulumi up` follows it from an `id:` target, and the roles' lineage statements let the
 * functions act on the replacement before that.
 */
export const LINEAGE_TAG = 'recovery:lineage';

/**
 * `recovery:state` values replace-instance leaves on instances it took out of service: the one it replaced
 * (stopped, never terminated) and a replacement it gave up on (stopped, kept for inspection). `pulumi up`
 * protects neither again (infra/targets.ts).
 */
export const RETIRED = 'retired';
export const FAILED_REPLACEMENT = 'failed-replacement';
