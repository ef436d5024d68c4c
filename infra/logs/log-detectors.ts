import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { PlaybookParams } from '../../functions/contracts/remediation-request';
import { RUNGS, type RungName } from '../../functions/contracts/rungs';
import type { Detector, ResourceKind } from '../alarms/detector';
import { alarmNameFor } from '../alarms/metric-alarm';
import type { StackConfig } from '../config';
import { playbookName, type Playbook } from '../playbooks';
import { ruleName } from '../routing/rule-name';
import { RESOURCE_DIMENSIONS, type LogDetector } from './config';

/**
 * Log detectors share playbooks by ladder, like metric detectors: playbook
 * `logs` (notify-only) or `logs.<rung>.<rung>`, so their alarms
 * (`recovery-<stage>-logs[.ladder]-<name>`) are routed by the same
 * one-rule-per-playbook prefix scheme (infra/routing/alarm-rules.ts).
 */
export const LOGS_NAMESPACE = 'RecoveryStack/Logs';

/**
 * The playbooks' detector family. Playbooks carry a Detector for names and
 * descriptions; log alarms are built here, not through Detector.alarm.
 */
export const logDetectorFamily: Detector = {
  name: 'logs',
  // Not used for log playbooks (their resource comes from `resource.dimension`); the type needs one.
  resourceKind: 'instance' as ResourceKind,
  detects: 'log events matching a CloudWatch Logs metric filter',
  defaultLadder: [],
  ladderOverridable: true,
  runbookSection: 'runbook-log-detectors',
  alarm: () => {
    throw new Error('log detector alarms are built by infra/logs/log-detectors.ts');
  },
};

export interface LogPlan {
  playbooks: Playbook[];
  /** Playbook of each config logDetectors entry (same order). */
  byDetector: Playbook[];
}

export function planLogPlaybooks(config: StackConfig): LogPlan {
  const byName = new Map<string, Playbook>();
  const byDetector = config.logDetectors.map((d) => {
    const ladder = d.ladder as RungName[];
    const name = playbookName(logDetectorFamily, ladder);
    let pb = byName.get(name);
    if (!pb) {
      const params = PlaybookParams.parse({ name, ladder, verifyAfterSeconds: config.playbooks.verifyAfterSeconds });
      pb = { params, detector: logDetectorFamily, firstFunction: ladder.length === 0 ? 'notifier' : RUNGS[ladder[0]].action };
      byName.set(name, pb);
    }
    return pb;
  });
  return { playbooks: [...byName.values()], byDetector };
}

export function metricNameOf(stage: string, d: LogDetector): string {
  return `${stage}-${d.name}`;
}

export function describeLogAlarm(pb: Playbook, d: LogDetector, ctx: { stage: string; ruleName: string; dashboardName: string }): string {
  const target = d.resource ? `${RESOURCE_DIMENSIONS[d.resource.dimension].kind} ${d.resource.id}` : 'no resource (notify-only)';
  const steps = pb.params.ladder.length === 0 ? 'notify-only: the notifier pages people' : `${pb.params.ladder.join(' -> ')}, then page people`;
  // The audit trail files a notify-only log alarm under the alarm itself (it names no resource).
  const subject = d.resource?.id ?? alarmNameFor(ctx.stage, pb.params.name, d.name);
  // Same three parts as the metric detectors' descriptions (infra/alarms/metric-alarm.ts): what, playbook, where to look.
  const text = [
    `Detects: >= ${d.threshold} log events matching ${JSON.stringify(d.filterPattern)} in ${d.logGroupName} per ${d.periodSeconds}s; acts on ${target}.`,
    `On ALARM, rule ${ctx.ruleName} runs playbook ${pb.params.name}: ${steps}; verified after ${pb.params.verifyAfterSeconds}s.`,
    `Look next: the log group ${d.logGroupName}; dashboard ${ctx.dashboardName}; what the automation did: npm run audit -- --table recovery-${ctx.stage}-ledger --resource ${subject}; kill switch /recovery/${ctx.stage}/mode; runbook infra/README.md#runbook-log-detectors.`,
  ].join(' ');
  return text.length <= 1024 ? text : `${text.slice(0, 1021)}...`;
}

/** One metric filter + one alarm per log detector. */
export function logDetectorAlarms(stage: string, config: StackConfig, plan: LogPlan, opts: pulumi.CustomResourceOptions) {
  const dashboardName = config.dashboard.name ?? `recovery-${stage}`;
  return config.logDetectors.map((d, i) => {
    const pb = plan.byDetector[i];
    const metricName = metricNameOf(stage, d);
    // Dimension values of a metric filter come from the log event; the alarm watches one value of it.
    const filter = new aws.cloudwatch.LogMetricFilter(
      `recovery-${stage}-${d.name}`,
      {
        name: `recovery-${stage}-${d.name}`,
        logGroupName: d.logGroupName,
        pattern: d.filterPattern,
        metricTransformation: {
          name: metricName,
          namespace: LOGS_NAMESPACE,
          value: '1',
          unit: 'Count',
          ...(d.resource ? { dimensions: { [d.resource.dimension]: d.resource.field } } : {}),
        },
      },
      opts,
    );
    const name = alarmNameFor(stage, pb.params.name, d.name);
    const alarm = new aws.cloudwatch.MetricAlarm(
      name,
      {
        name,
        alarmDescription: describeLogAlarm(pb, d, { stage, ruleName: ruleName('recovery', stage, pb.params.name), dashboardName }),
        namespace: LOGS_NAMESPACE,
        metricName,
        statistic: 'Sum',
        period: d.periodSeconds,
        evaluationPeriods: d.evaluationPeriods,
        datapointsToAlarm: d.evaluationPeriods,
        threshold: d.threshold,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        // No matching log line publishes nothing: that is the healthy case (and lets the verifier see OK).
        treatMissingData: 'notBreaching',
        ...(d.resource ? { dimensions: { [d.resource.dimension]: d.resource.id } } : {}),
        actionsEnabled: true,
        tags: {
          'recovery-stack:stage': stage,
          'recovery-stack:playbook': pb.params.name,
          'recovery-stack:resource-kind': d.resource ? RESOURCE_DIMENSIONS[d.resource.dimension].kind : 'log-group',
          'recovery-stack:log-group': d.logGroupName.replace(/#/g, '_').slice(0, 256),
        },
      },
      { ...opts, dependsOn: [filter] },
    );
    return { detector: d, playbook: pb, filter, alarm, alarmName: name };
  });
}
