import { alarmMute } from './alarm-mute';
import { alarmStorm } from './alarm-storm';
import { asgReplace } from './asg-replace';
import { dryRun } from './dry-run';
import { duplicateDelivery } from './duplicate-delivery';
import { escalate } from './escalate';
import { healthStandDown } from './health-stand-down';
import { killSwitch } from './kill-switch';
import { kubernetesNotifyOnly } from './kubernetes-notify-only';
import { kubernetesRolloutUndo } from './kubernetes-rollout-undo';
import { lambdaRollback } from './lambda-rollback';
import { rdsRestore } from './rds-restore';
import { restoreRollback } from './restore-rollback';
import { restoreVolume } from './restore-volume';
import type { Scenario } from './scenario';

/** The default drill, in order. Each owns its resources, so any subset runs alone. */
export const SCENARIOS: Scenario<never>[] = [
  asgReplace,
  escalate,
  restoreVolume,
  duplicateDelivery,
  alarmStorm,
  killSwitch,
  dryRun,
  healthStandDown,
  alarmMute,
  restoreRollback,
  kubernetesRolloutUndo,
  kubernetesNotifyOnly,
] as unknown as Scenario<never>[];

/**
 * Run only when named (`npm run drill -- --only rds-restore,lambda-rollback`):
 * the default drill is kept under a minute, and these add ~15 s.
 */
export const OPT_IN_SCENARIOS: Scenario<never>[] = [rdsRestore, lambdaRollback] as unknown as Scenario<never>[];

export const ALL_SCENARIOS: Scenario<never>[] = [...SCENARIOS, ...OPT_IN_SCENARIOS];
