import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { METRICS_NAMESPACE, SERVICE_NAME } from './metric-names.ts';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME;

/** One logger for the service; handlers append the lead id per record or request. */
export const logger = new Logger({ serviceName });

/**
 * Tracing is Lambda's own: every function has active tracing (infra/lead-router-function.ts), so
 * X-Ray records each invocation with its init, run and overhead, and the SDK passes the trace
 * header on with every call (its recursion-detection middleware), so a message sent or a timer
 * started here joins the same trace. No tracer runs in the code: Powertools' Tracer is a wrapper
 * of the whole X-Ray SDK (about 100 KB with its dependencies in every bundle, a sixth of a cold
 * start), and what it would add, a subsegment per SDK call and cold-start annotations, is what
 * the README's observability part says is given up.
 */

export { LeadMetric } from './metric-names.ts';

/** Causes followed into a log line; deeper is never the story. */
const MAX_CAUSES = 3;

/**
 * What a log line may say about an error: its class, the SDK's fault, status and cancellation
 * codes, and where it was thrown (the stack's frames). Never its message or other properties:
 * an SDK's can echo an item, a parser's quotes the body, ours may name a person's address.
 */
export function loggableError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: typeof error };
  const sdk = error as Error & { $fault?: unknown; $metadata?: { httpStatusCode?: unknown }; CancellationReasons?: { Code?: unknown }[] };
  const frames = (error.stack ?? '').split('\n').filter((line) => line.startsWith('    at ')).map((line) => line.trim());
  const reasons = Array.isArray(sdk.CancellationReasons) ? sdk.CancellationReasons.map((reason) => String(reason?.Code ?? 'None')) : undefined;
  return {
    name: error.name,
    ...(typeof sdk.$fault === 'string' ? { fault: sdk.$fault } : {}),
    ...(typeof sdk.$metadata?.httpStatusCode === 'number' ? { httpStatusCode: sdk.$metadata.httpStatusCode } : {}),
    ...(reasons ? { cancellationReasons: reasons } : {}),
    ...(frames.length ? { stack: frames } : {}),
    ...(error.cause !== undefined && depth < MAX_CAUSES ? { cause: loggableError(error.cause, depth + 1) } : {}),
  };
}

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
 * (keys appended for one lead never leak into the next), and the metrics flushed as EMF at the end.
 */
export const observed = () => [injectLambdaContext(logger, { resetKeys: true }), logMetrics(metrics, { captureColdStartMetric: true })];
