import { alarmMute } from './alarm-mute';
import { alarmStorm } from './alarm-storm';
import { asgMemberReboot } from './asg-member-reboot';
import { asgReplace } from './asg-replace';
import { attemptsPerDay } from './attempts-per-day';
import { calendarClosed } from './calendar-closed';
import { calendarUnreadable } from './calendar-unreadable';
import { circuitBreaker } from './circuit-breaker';
import { cooldown } from './cooldown';
import { destructiveApproval } from './destructive-approval';
import { dryRun } from './dry-run';
import { duplicateDelivery } from './duplicate-delivery';
import { ec2Recovers } from './ec2-recovers';
import { ec2RecoveryFails } from './ec2-recovery-fails';
import { escalate } from './escalate';
import { groupCountCap } from './group-count-cap';
import { groupPercentCap } from './group-percent-cap';
import { healthStandDown } from './health-stand-down';
import { killSwitch } from './kill-switch';
import { kubernetesNotifyOnly } from './kubernetes-notify-only';
import { kubernetesRolloutUndo } from './kubernetes-rollout-undo';
import { lambdaRollback } from './lambda-rollback';
import { rdsRestore } from './rds-restore';
import { restoreRollback } from './restore-rollback';
import { replacementProtected } from './replacement-protected';
import { restoreVolume } from './restore-volume';
import type { Scenario } from './scenario';

/** The default drill, in order. Each owns its resources, so any subset runs alone. */
export const SCENARIOS: Scenario<never>[] = [
  asgReplace,
  asgMemberReboot,
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
  ec2Recovers,
  ec2RecoveryFails,
  replacementProtected,
] as unknown as Scenario<never>[];

/**
 * Run only when named (`npm run drill -- --only rds-restore,lambda-rollback`):
 * the default drill is kept under a minute, and these add ~15 s.
 */
export const OPT_IN_SCENARIOS: Scenario<never>[] = [rdsRestore, lambdaRollback] as unknown as Scenario<never>[];

/**
 * Each guard proven on a stack that enables it (`npm run drill -- --guards`: prod, whose config
 * has the change calendar, approval and the strictest caps). The circuit breaker stays open for
 * its playbook for the stack's window, so it runs last.
 */
export const GUARD_SCENARIOS: Scenario<never>[] = [
  calendarClosed,
  calendarUnreadable,
  destructiveApproval,
  cooldown,
  attemptsPerDay,
  groupCountCap,
  circuitBreaker,
] as unknown as Scenario<never>[];

/**
 * The percentage cap needs a stack whose count cap is above 1 (a cap is never below 1, so with a
 * count cap of 1 the percentage is never the tighter one): dev, `--only group-percent-cap`.
 */
export const PERCENT_CAP_SCENARIOS: Scenario<never>[] = [groupPercentCap] as unknown as Scenario<never>[];

// Guard scenarios last, the circuit breaker at the very end: --only keeps this order.
export const ALL_SCENARIOS: Scenario<never>[] = [...SCENARIOS, ...OPT_IN_SCENARIOS, ...PERCENT_CAP_SCENARIOS, ...GUARD_SCENARIOS];
