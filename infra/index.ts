import * as pulumi from '@pulumi/pulumi';
import { ConfigError, readStackConfig, type StackConfig } from './config';
import { RecoveryStack } from './recovery-stack';

/**
 * The recovery-stack program (`pulumi up -s <env>`): validate the stack's
 * config once, before anything is created, then build the component.
 */
let config: StackConfig;
try {
  config = readStackConfig();
} catch (err) {
  // RunError: Pulumi prints the message without a stack trace and exits non-zero.
  if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
  throw err;
}

const recovery = new RecoveryStack('recovery', { stage: pulumi.getStack(), config });

export const topicArn = recovery.topicArn;
export const busName = recovery.busName;
export const ledgerTableName = recovery.ledgerTableName;
export const dashboardUrl = recovery.dashboardUrl;
