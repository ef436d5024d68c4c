/** Imported first by run.ts: the handlers' loggers read their level when their modules load. */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

export {};
