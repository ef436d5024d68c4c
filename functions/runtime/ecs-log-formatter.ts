import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * Powertools log records in Elastic Common Schema (ECS) field names, so
 * Filebeat/Logstash/Graylog/Elasticsearch ingest the functions' logs
 * unchanged. Layout follows the ecs-logging spec: `@timestamp`, `log.level`,
 * `message` and `ecs.version` as top-level (dotted) keys, the rest as nested
 * objects (`service.name`, `trace.id`, `faas.*`, `cloud.*`, `event.action`,
 * `error.*`). Our own context keys (incidentId, playbook, ...) stay top-level
 * under their names: ECS leaves custom fields to the producer.
 */
export const ECS_VERSION = '8.11.0';

export class EcsLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const ctx = attributes.lambdaContext;
    const { action, error, ...rest } = additional as LogAttributes & { action?: unknown; error?: unknown };
    const base: LogAttributes = {
      '@timestamp': this.formatTimestamp(attributes.timestamp),
      'log.level': String(attributes.logLevel).toLowerCase(),
      message: attributes.message,
      'ecs.version': ECS_VERSION,
      service: { name: attributes.serviceName },
      event: { dataset: `${attributes.serviceName}`, ...(typeof action === 'string' ? { action } : {}) },
      ...(attributes.xRayTraceId ? { trace: { id: attributes.xRayTraceId } } : {}),
      cloud: { provider: 'aws', ...(attributes.awsRegion ? { region: attributes.awsRegion } : {}) },
      ...(ctx
        ? {
            faas: {
              name: ctx.functionName,
              id: ctx.invokedFunctionArn,
              version: ctx.functionVersion,
              execution: ctx.awsRequestId,
              coldstart: ctx.coldStart,
            },
          }
        : {}),
      ...(attributes.sampleRateValue ? { labels: { sampling_rate: String(attributes.sampleRateValue) } } : {}),
      ...(error !== undefined ? { error: ecsError(error) } : {}),
    };
    if (action !== undefined && typeof action !== 'string') rest.action = action;
    return new LogItem({ attributes: base }).addAttributes(rest);
  }
}

/** Powertools formats Errors as {name, message, stack, location, cause}; ECS wants error.type/message/stack_trace. */
function ecsError(error: unknown): LogAttributes {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown; location?: unknown };
    return {
      ...(e.name !== undefined ? { type: String(e.name) } : {}),
      ...(e.message !== undefined ? { message: String(e.message) } : {}),
      ...(e.stack !== undefined ? { stack_trace: String(e.stack) } : {}),
    };
  }
  return { message: String(error) };
}
