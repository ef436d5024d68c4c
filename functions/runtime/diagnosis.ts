import type { ResourceRef } from '../contracts/recovery-event';
import type { DbInstanceFacts } from './db-instance';
import type { EcsServiceFacts } from './ecs-service';
import type { LambdaAliasFacts } from './lambda-alias';

/**
 * Evidence gathered before acting (read-only calls): the instance's state,
 * status checks, volumes and their status, ASG membership and the size of its
 * blast-radius group. Actions decide from it whether their rung fits, and it
 * goes into every ledger record and recovery event.
 *
 * One diagnoser per resource kind lives under ./diagnosis/, each reaching only
 * its own AWS clients; a handler passes the diagnosers of the kinds its action
 * acts on (functions/handlers/*), so its bundle carries only those clients.
 */
export interface VolumeFacts {
  volumeId: string;
  device: string;
  status?: string;
  deleteOnTermination?: boolean;
}

export interface InstanceFacts {
  instanceId: string;
  state: string;
  availabilityZone?: string;
  instanceType?: string;
  /** Placement.Tenancy: default, dedicated or host. */
  tenancy?: string;
  /** MaintenanceOptions.AutoRecovery: default or disabled (EC2 simplified automatic recovery). */
  autoRecovery?: string;
  subnetId?: string;
  rootDeviceName?: string;
  autoScalingGroupName?: string;
  /** The member's LifecycleState in its Auto Scaling group (InService, Terminating, ...), when the group was read. */
  groupLifecycle?: string;
  tags: Record<string, string>;
  volumes: VolumeFacts[];
  instanceStatus?: string;
  systemStatus?: string;
  launchTime?: string;
  /** Network interfaces besides the primary one (device index 0): a standalone replacement gets them moved over. */
  secondaryNetworkInterfaces?: string[];
  /** MetadataOptions as DescribeInstances reports them, without State (e.g. HttpTokens: required = IMDSv2 only). */
  metadataOptions?: Record<string, string | number>;
}

export interface Diagnosis {
  resource: ResourceRef & { group: string };
  /** The instance the remediation would touch (for ASG alarms: the unhealthy member, if one is identifiable). */
  instance?: InstanceFacts;
  /** The volume the alarm names (VolumeId dimension). */
  volumeId?: string;
  /** RDS, Lambda and ECS resources (alarms on DBInstanceIdentifier, FunctionName+Resource, ClusterName+ServiceName). */
  dbInstance?: DbInstanceFacts;
  lambdaAlias?: LambdaAliasFacts;
  ecsService?: EcsServiceFacts;
  groupSize: number;
  /**
   * The Auto Scaling group as diagnosis read it (the instance's, or the one the alarm names): its
   * members then. Lets an action skip reading it again; it may be seconds old by the time it acts.
   */
  autoScalingGroup?: { name: string; desiredCapacity?: number; instanceIds: string[] };
  evidence: Record<string, unknown>;
}

export const GROUP_TAG = 'recovery-group';

/**
 * Gathers the evidence for one resource kind (read-only calls). It may start
 * before the invocation's idempotency record is written: a diagnoser whose
 * reads come in stages sends its first and waits for `recorded` before the
 * rest, so a duplicate delivery (never recorded: `recorded` rejects) costs one
 * read, not the whole diagnosis.
 */
export type Diagnoser = (resource: ResourceRef, recorded: Promise<void>) => Promise<Diagnosis>;
export type Diagnosers = Partial<Record<ResourceRef['type'], Diagnoser>>;

/**
 * Diagnoses `resource` with the diagnoser for its kind. A kind the function
 * has no diagnoser for is one its action does not act on: nothing is read,
 * and the action's `fits` (which needs that kind's facts) turns the rung down.
 */
export async function diagnose(resource: ResourceRef, diagnosers: Diagnosers, recorded: Promise<void> = Promise.resolve()): Promise<Diagnosis> {
  const diagnoser = diagnosers[resource.type];
  if (diagnoser) return diagnoser(resource, recorded);
  return {
    resource: { ...resource, group: 'standalone' },
    groupSize: 1,
    evidence: { diagnosis: `not diagnosed: this function does not act on ${resource.type} resources`, group: { name: 'standalone', size: 1 } },
  };
}
