/**
 * The escalation ladder's rungs. A playbook's ladder is a list of rung names;
 * each rung runs one action kind (one Lambda function) with fixed parameters.
 * When the last rung fails verification, humans are paged.
 */
export const ACTION_KINDS = [
  'ssm-automation',
  'replace-instance',
  'restore-volume',
  'reboot-db',
  'restore-db',
  'lambda-rollback',
  'ecs-redeploy',
  'ansible',
  'k8s-rollout',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface RungDefinition {
  action: ActionKind;
  /** Passed to the action as its input params (validated by the action's input schema). */
  params: Record<string, unknown>;
  description: string;
}

export const RUNGS = {
  reboot: {
    action: 'ssm-automation',
    params: { documentName: 'AWS-RestartEC2Instance' },
    description: 'Stop and start the instance with the AWS-RestartEC2Instance runbook (moves it to healthy hardware).',
  },
  'replace-instance': {
    action: 'replace-instance',
    params: {},
    description: 'ASG member: terminate in the group without lowering desired capacity. Standalone: launch a replacement, move Elastic IPs, stop and tag the old one.',
  },
  'restore-volume': {
    action: 'restore-volume',
    params: {},
    description: 'Restore the failed EBS volume from its latest completed snapshot and swap it in at the same device; the old volume is kept and tagged.',
  },
  'reboot-db': {
    action: 'reboot-db',
    params: { forceFailover: true },
    description: 'Reboot the RDS instance; a Multi-AZ instance fails over to its standby (ForceFailover).',
  },
  'restore-db': {
    action: 'restore-db',
    params: {},
    description:
      'Restore the RDS instance to its latest restorable time as a new instance, then swap identifiers so clients keep the endpoint; the old instance is renamed, tagged and kept.',
  },
  'lambda-rollback': {
    action: 'lambda-rollback',
    params: { maxDeployAgeMinutes: 1440 },
    description: "Point the Lambda alias back at the previous published version (or drop a canary's extra weight); both versions are recorded.",
  },
  'ecs-redeploy': {
    action: 'ecs-redeploy',
    params: {},
    description: 'Force a new deployment of the ECS service (UpdateService forceNewDeployment): tasks are replaced by a rolling deployment.',
  },
  ansible: {
    action: 'ansible',
    params: {},
    description: 'Run the Ansible playbook from recovery-stack:ansible on the instance through SSM Run Command (AWS-ApplyAnsiblePlaybooks).',
  },
  'rollout-restart': {
    action: 'k8s-rollout',
    params: { mode: 'restart' },
    description: 'Kubernetes Deployment: `kubectl rollout restart` (new pods from the same template), then wait for the rollout to complete.',
  },
  'rollout-undo': {
    action: 'k8s-rollout',
    params: { mode: 'undo' },
    description: "Kubernetes Deployment: `kubectl rollout undo` (the previous ReplicaSet's template), then wait for the rollout to complete; old ReplicaSets are kept.",
  },
} as const satisfies Record<string, RungDefinition>;

export type RungName = keyof typeof RUNGS;
export const RUNG_NAMES = Object.keys(RUNGS) as RungName[];
