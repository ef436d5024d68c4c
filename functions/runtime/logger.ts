import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools Logger). Service name = the function's
 * name; POWERTOOLS_LOG_LEVEL controls verbosity (tests set SILENT or capture).
 */
const loggers = new Map<string, Logger>();

export function logger(service: string): Logger {
  let l = loggers.get(service);
  if (!l) {
    l = new Logger({ serviceName: `recovery-${service}` });
    loggers.set(service, l);
  }
  return l;
}
