import { Logger } from '@aws-lambda-powertools/logger';
import { EcsLogFormatter } from './ecs-log-formatter';

/**
 * Structured JSON logs (Powertools Logger). Service name = the function's
 * name; POWERTOOLS_LOG_LEVEL controls verbosity (tests set SILENT or capture).
 * Field names are ECS (@timestamp, log.level, service.name, trace.id, ...) so
 * ELK/Graylog/Logstash ingest the lines unchanged (./ecs-log-formatter.ts).
 */
const loggers = new Map<string, Logger>();

export function logger(service: string): Logger {
  let l = loggers.get(service);
  if (!l) {
    l = new Logger({ serviceName: `recovery-${service}`, logFormatter: new EcsLogFormatter() });
    loggers.set(service, l);
  }
  return l;
}

/**
 * Gives the function's logger the Lambda context of this invocation (Powertools addContext), so every line,
 * child loggers' included, carries faas.name / faas.id / faas.version / faas.execution / faas.coldstart.
 * Anything that is not a Lambda context (a test calling the handler directly) is ignored.
 */
export function withLambdaContext(log: Logger, context: unknown): void {
  const c = context as { functionName?: unknown; awsRequestId?: unknown } | undefined;
  if (c && typeof c.functionName === 'string' && typeof c.awsRequestId === 'string') log.addContext(c as Parameters<Logger['addContext']>[0]);
}
