/**
 * The handlers' structured logs are for CloudWatch, not for the test report:
 * their loggers are built when a handler module is first imported, before a
 * test's stack sets the environment, so the level is set here, per worker,
 * first. A test that asserts on log lines raises the level itself;
 * POWERTOOLS_LOG_LEVEL=INFO npx jest ... shows everything.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

// Tests call handlers without a Lambda context; on Lambda the idempotency layer always gets one
// (functions/guards/idempotency.ts registers it). Its warning about the missing context is noise here.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('Could not determine remaining time left')) return;
  warn(...args);
};

// The SDK's notice that its 2027 releases need Node 22 (README: Troubleshooting) is printed
// once per worker; it says nothing about the code under test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
