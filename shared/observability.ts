import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { METRICS_NAMESPACE, SERVICE_NAME } from './metric-names.ts';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME;

/** One logger for the service; handlers append the lead id per record or request. */
export const logger = new Logger({ serviceName });

/**
 * X-Ray tracing of the handlers and SDK clients. It switches itself off outside Lambda (no
 * AWS_EXECUTION_ENV) and with POWERTOOLS_TRACE_ENABLED=false, so local runs and tests need no daemon.
 * Handlers trace with `captureResponse: false`: pages and bodies carry leads' personal data,
 * which must not outlive an erasure request in trace metadata.
 */
export const tracer = new Tracer({ serviceName });

export { LeadMetric } from './metric-names.ts';

/** Powertools' flush notice when an invocation recorded nothing. */
const NOTHING_TO_PUBLISH = 'No application metrics to publish';

/**
 * Metrics of one stack, configured from the function's environment (read once, at cold start).
 * POWERTOOLS_METRICS_DISABLED=true keeps the EMF lines off stdout (the local runtime sets it).
 */
export function createMetrics(env: Readonly<Record<string, string | undefined>> = process.env): Metrics {
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    serviceName: env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME,
    defaultDimensions: { stack: env.LEAD_ROUTER_STACK || 'local' },
    // Powertools' own notices as structured log lines. Most page views and admin reads record no
    // metric, which is normal here: that notice is debug, not a warning on every request.
    logger: {
      debug: (message: unknown) => logger.debug(String(message)),
      info: (message: unknown) => logger.info(String(message)),
      warn: (message: unknown) => {
        const text = String(message);
        if (text.startsWith(NOTHING_TO_PUBLISH)) logger.debug(text);
        else logger.warn(text);
      },
      error: (message: unknown) => logger.error(String(message)),
    },
  });
}

/** Flushed as EMF by the `logMetrics` middleware at the end of every invocation. */
export const metrics = createMetrics();

/**
 * The middleware every handler starts with, in this order: a fresh log context per invocation
 * (keys appended for one lead never leak into the next), the handler traced without its
 * response (pages and bodies carry personal data), and the metrics flushed as EMF at the end.
 */
export const observed = () => [
  injectLambdaContext(logger, { resetKeys: true }),
  captureLambdaHandler(tracer, { captureResponse: false }),
  logMetrics(metrics, { captureColdStartMetric: true }),
];
