import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/**
 * One CloudWatch dashboard per stack: alarm status per playbook (a widget
 * shows at most 100 alarms, so big fleets get a console link instead of a
 * truncated list), the remediation metrics the functions emit, and the
 * health of the machinery itself (function errors, dead-letter depth).
 */
export interface DashboardArgs {
  stage: string;
  name: string;
  region: pulumi.Input<string>;
  account: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  alarmsByPlaybook: pulumi.Input<Record<string, string[]>>;
  functionNames: pulumi.Input<string>[];
  deadLetterQueueNames: pulumi.Input<string>[];
  ledgerTableName: pulumi.Input<string>;
}

export const METRICS_NAMESPACE = 'RecoveryStack';
const MAX_ALARMS_PER_WIDGET = 100;

export function dashboard(args: DashboardArgs, opts: pulumi.CustomResourceOptions): aws.cloudwatch.Dashboard {
  const body = pulumi
    .all([args.region, args.account, args.partition, args.alarmsByPlaybook, pulumi.all(args.functionNames), pulumi.all(args.deadLetterQueueNames), args.ledgerTableName])
    .apply(([region, account, partition, alarms, fns, dlqs, table]) => {
      const widgets: unknown[] = [];
      let y = 0;
      const push = (w: Record<string, unknown>, height: number, width = 24, x = 0) => {
        widgets.push({ ...w, x, y, width, height });
        y += height;
      };
      push(
        {
          type: 'text',
          properties: {
            markdown: [
              `# recovery-stack ${args.stage}`,
              `Alarms named \`recovery-${args.stage}-<playbook>-<resource>\` start the playbooks below. Every decision is in the DynamoDB ledger table \`${table}\`;`,
              `kill switch: SSM parameter \`/recovery/${args.stage}/mode\`. Runbooks per detector: infra/README.md.`,
            ].join('\n'),
          },
        },
        3,
      );
      for (const [playbook, names] of Object.entries(alarms)) {
        const consoleLink = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:?search=recovery-${args.stage}-${playbook}-`;
        if (names.length > 0 && names.length <= MAX_ALARMS_PER_WIDGET) {
          push({ type: 'alarm', properties: { title: `Playbook ${playbook} (${names.length} alarms)`, alarms: names.map((n) => `arn:${partition}:cloudwatch:${region}:${account}:alarm:${n}`), sortBy: 'stateUpdatedTimestamp' } }, 4);
        } else {
          push({ type: 'text', properties: { markdown: `### Playbook ${playbook}: ${names.length} alarms\n[Open them in the CloudWatch console](${consoleLink})` } }, 2);
        }
      }
      push(
        {
          type: 'metric',
          properties: {
            title: 'Remediation outcomes',
            region,
            stat: 'Sum',
            period: 300,
            metrics: [[{ expression: `SEARCH('{${METRICS_NAMESPACE}} stage="${args.stage}"', 'Sum', 300)`, id: 'outcomes', label: '' }]],
          },
        },
        6,
        12,
      );
      y -= 6;
      push(
        {
          type: 'metric',
          properties: {
            title: 'Functions: errors and throttles',
            region,
            stat: 'Sum',
            period: 300,
            metrics: fns.flatMap((f) => [
              ['AWS/Lambda', 'Errors', 'FunctionName', f],
              ['AWS/Lambda', 'Throttles', 'FunctionName', f],
            ]),
          },
        },
        6,
        12,
        12,
      );
      push(
        {
          type: 'metric',
          properties: {
            title: 'Dead-letter and verify queues: messages waiting',
            region,
            stat: 'Maximum',
            period: 300,
            metrics: dlqs.map((q) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', q]),
          },
        },
        6,
      );
      return JSON.stringify({ widgets });
    });
  return new aws.cloudwatch.Dashboard(args.name, { dashboardName: args.name, dashboardBody: body }, opts);
}
