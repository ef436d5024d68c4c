import type { Detector } from './detector';

/**
 * An ECS service running fewer tasks than desired for 5 minutes. AWS/ECS has
 * no task counts (only CPU/memory); ECS/ContainerInsights publishes
 * RunningTaskCount and DesiredTaskCount per ClusterName + ServiceName, so the
 * alarm is metric math `desired - running` and needs Container Insights on
 * the cluster. Without it there is no data and the alarm stays
 * INSUFFICIENT_DATA (visible, never a false ALARM). A deploy in progress is
 * left alone by ecs-redeploy.
 */
export const ecsRunningTasks: Detector = {
  name: 'ecs-running-tasks',
  resourceKind: 'ecs-service',
  detects: 'the ECS service ran fewer tasks than desired for 5 minutes (ECS/ContainerInsights)',
  defaultLadder: ['ecs-redeploy'],
  ladderOverridable: false,
  runbookSection: 'runbook-ecs-running-tasks',
  alarm: (r) => {
    const dimensions = { ClusterName: r.attributes.cluster, ServiceName: r.attributes.service };
    return {
      metricQueries: [
        { id: 'running', metric: { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', stat: 'Minimum', period: 60, dimensions }, returnData: false },
        { id: 'desired', metric: { namespace: 'ECS/ContainerInsights', metricName: 'DesiredTaskCount', stat: 'Maximum', period: 60, dimensions }, returnData: false },
        { id: 'shortfall', expression: 'desired - running', label: 'tasks short of desired', returnData: true },
      ],
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: 'missing',
    };
  },
};
