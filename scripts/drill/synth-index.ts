import type { SynthResource, SynthResult } from '../../infra/synth/types';

/**
 * Looks synthesized resources up by type and by the values other resources
 * hold for them. Under the mock engine an input such as `rule: rule.name` or
 * `arn: fn.arn` arrives as the resolved mock output, so a reference is
 * recognised by what the mock engine returned for the resource (id, arn,
 * url, name), else by its physical name as the last segment of an ARN / URL.
 */
export const T = {
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  bus: 'aws:cloudwatch/eventBus:EventBus',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  queue: 'aws:sqs/queue:Queue',
  table: 'aws:dynamodb/table:Table',
  parameter: 'aws:ssm/parameter:Parameter',
  topic: 'aws:sns/topic:Topic',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  fn: 'aws:lambda/function:Function',
  eventSourceMapping: 'aws:lambda/eventSourceMapping:EventSourceMapping',
  invokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  prometheusRule: 'kubernetes:monitoring.coreos.com/v1:PrometheusRule',
  apiDestination: 'aws:cloudwatch/eventApiDestination:EventApiDestination',
} as const;

export class SynthIndex {
  constructor(readonly result: SynthResult) {}

  of(type: string): SynthResource[] {
    return this.result.resources.filter((r) => r.custom && r.type === type);
  }

  /** Physical name: the `name` input the program set, else the logical name. */
  static nameOf(r: SynthResource): string {
    const n = r.inputs.name;
    return typeof n === 'string' && n.length > 0 ? n : r.name;
  }

  /** The resource of `type` that `value` (a name, ARN or URL from the mock engine) refers to. */
  resolve(type: string, value: unknown): SynthResource | undefined {
    if (typeof value !== 'string' || value.length === 0) return undefined;
    const candidates = this.of(type);
    const exact = candidates.find((r) =>
      [SynthIndex.nameOf(r), r.name, r.urn, r.id, r.outputs?.arn, r.outputs?.url, r.outputs?.name].includes(value),
    );
    if (exact) return exact;
    const tail = value.split(/[:/]/).pop() ?? '';
    return candidates.find((r) => SynthIndex.nameOf(r) === tail || r.name === tail);
  }

  /** Like resolve, but a stack that references something it does not create is a bug worth a clear stop. */
  require(type: string, value: unknown, where: string): SynthResource {
    const r = this.resolve(type, value);
    if (!r) throw new Error(`${where}: ${JSON.stringify(value)} names no ${type} of the synthesized stack`);
    return r;
  }
}
