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
