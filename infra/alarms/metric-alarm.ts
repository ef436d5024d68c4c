import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { alarmName } from '../../functions/contracts/naming';
import { RUNGS } from '../../functions/contracts/rungs';
import type { Playbook } from '../playbooks';
import type { ProtectedResource } from './detector';

/**
 * The CloudWatch alarm for one (playbook, resource). No alarm actions: the
 * state change reaches EventBridge by itself and the playbook's rule routes
 * it. The description is written for the person who finds it in the console.
 */
export interface AlarmContext {
  stage: string;
  dashboardName: string;
  ledgerTableName: string;
  ruleName: string;
}

/**
 * Alarm names are at most 255 characters; very long resource names keep a
 * hash tail. The resource part keeps to [A-Za-z0-9_.-] (`checkout:live` ->
 * `checkout_live`) so names stay unambiguous inside ARNs; functions read the
 * resource from the alarm's dimensions, not from its name.
 */
export function alarmNameFor(stage: string, playbook: string, resourceId: string): string {
  const full = alarmName(stage, playbook, resourceId.replace(/[^A-Za-z0-9_.-]/g, '_'));
  if (full.length <= 255) return full;
  const hash = createHash('sha256').update(resourceId).digest('hex').slice(0, 12);
  return `${full.slice(0, 242)}-${hash}`;
}

export function describeAlarm(pb: Playbook, r: ProtectedResource, ctx: AlarmContext): string {
  const steps =
    pb.params.ladder.length === 0
      ? 'notify-only: no automated action, the notifier pages people'
      : pb.params.ladder.map((rung, i) => `${i + 1}. ${rung} (${RUNGS[rung as keyof typeof RUNGS].action})`).join(', ') + ', then page people';
  const text = [
    `Detects: ${pb.detector.detects} on ${r.kind} ${r.id} (group ${r.group}).`,
    `On ALARM, rule ${ctx.ruleName} runs playbook ${pb.params.name}: ${steps}; verified after ${pb.params.verifyAfterSeconds}s.`,
    `Look next: dashboard ${ctx.dashboardName}; what the automation did: npm run audit -- --table ${ctx.ledgerTableName} --resource ${r.id}; kill switch /recovery/${ctx.stage}/mode; runbook infra/README.md#${pb.detector.runbookSection}.`,
  ].join(' ');
  return text.length <= 1024 ? text : `${text.slice(0, 1021)}...`;
}

export function metricAlarm(pb: Playbook, r: ProtectedResource, ctx: AlarmContext, opts: pulumi.CustomResourceOptions): aws.cloudwatch.MetricAlarm {
  const shape = pb.detector.alarm(r);
  const name = alarmNameFor(ctx.stage, pb.params.name, r.id);
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      name,
      alarmDescription: describeAlarm(pb, r, ctx),
      comparisonOperator: shape.comparisonOperator,
      threshold: shape.threshold,
      evaluationPeriods: shape.evaluationPeriods,
      datapointsToAlarm: shape.datapointsToAlarm,
      treatMissingData: shape.treatMissingData,
      actionsEnabled: true,
      ...(shape.metric
        ? {
            namespace: shape.metric.namespace,
            metricName: shape.metric.metricName,
            statistic: shape.metric.statistic,
            period: shape.metric.period,
            dimensions: shape.metric.dimensions,
          }
        : {
            metricQueries: shape.metricQueries!.map((q) => ({
              id: q.id,
              expression: q.expression,
              label: q.label,
              returnData: q.returnData,
              metric: q.metric
                ? { namespace: q.metric.namespace, metricName: q.metric.metricName, stat: q.metric.stat, period: q.metric.period, dimensions: q.metric.dimensions }
                : undefined,
            })),
          }),
      tags: {
        'recovery-stack:stage': ctx.stage,
        'recovery-stack:playbook': pb.params.name,
        'recovery-stack:group': r.group,
        'recovery-stack:resource-kind': r.kind,
      },
    },
    opts,
  );
}
