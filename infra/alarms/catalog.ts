import type { Detector, ResourceKind } from './detector';
import { ec2SystemStatus } from './ec2-system-status';
import { ec2InstanceStatus } from './ec2-instance-status';
import { ec2CpuSaturation } from './ec2-cpu-saturation';
import { asgInService } from './asg-in-service';
import { asgStatusCheck } from './asg-status-check';
import { ebsStalledIo } from './ebs-stalled-io';
import { rdsFreeStorage } from './rds-free-storage';
import { rdsCpu } from './rds-cpu';
import { lambdaAliasErrors } from './lambda-alias-errors';
import { rdsUnresponsive } from './rds-unresponsive';
import { ecsRunningTasks } from './ecs-running-tasks';

/** Every detector recovery-stack knows. Order is stable (it drives logical names and the dashboard). */
export const DETECTORS: Detector[] = [
  ec2SystemStatus,
  ec2InstanceStatus,
  ec2CpuSaturation,
  asgInService,
  asgStatusCheck,
  ebsStalledIo,
  rdsFreeStorage,
  rdsCpu,
  lambdaAliasErrors,
  rdsUnresponsive,
  ecsRunningTasks,
];

export const DETECTOR_NAMES = DETECTORS.map((d) => d.name);

export function detectorsFor(kind: ResourceKind): Detector[] {
  return DETECTORS.filter((d) => d.resourceKind === kind);
}
