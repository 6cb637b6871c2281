import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Lead } from './domain/lead.ts';
import type { LinkAction } from './domain/link-token.ts';
import type { EscalationOutcome } from './use-cases/escalate-lead.ts';
import type { ExpiryOutcome } from './use-cases/expire-offer.ts';
import type { Received } from './use-cases/receive-lead.ts';
import type { ReminderOutcome } from './use-cases/remind-owner.ts';
import type { MyLeadAction, PullOutcome } from './use-cases/rep-portal.ts';
import type { RouteOutcome } from './use-cases/route-lead.ts';
import { LeadMetric, METRICS_NAMESPACE, SERVICE_NAME } from './metric-names.ts';

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

const count = (sink: Metrics, name: string) => sink.addMetric(name, MetricUnit.Count, 1);

/** Seconds between two ISO instants of a lead; nothing when either is unknown. */
function timing(sink: Metrics, name: string, from: string | undefined, to: string | undefined): void {
  if (!from || !to) return;
  const ms = Date.parse(to) - Date.parse(from);
  if (Number.isFinite(ms)) sink.addMetric(name, MetricUnit.Seconds, Math.max(0, ms) / 1000);
}

/** A post to a lead webhook: a new lead, or one joined to the same person's open lead. Replays and bots count as nothing. */
export function recordReceived(received: Pick<Received, 'status' | 'replayed' | 'dropped'>, sink: Metrics = metrics): void {
  if (received.replayed || received.dropped) return;
  count(sink, received.status === 'joined' ? LeadMetric.joined : LeadMetric.received);
}

/** What the router did with a lead. A lead already waiting in the queue is not queued again. */
export function recordRouted(outcome: RouteOutcome, sink: Metrics = metrics): void {
  switch (outcome.kind) {
    case 'offered':
      count(sink, LeadMetric.offered);
      timing(sink, LeadMetric.timeToOffer, outcome.receivedAt, outcome.offeredAt);
      return;
    case 'queued':
      if (outcome.newlyQueued) count(sink, LeadMetric.queued);
      return;
    case 'nurtured':
      count(sink, LeadMetric.nurtured);
  }
}

/**
 * A rep's action that went through, by link or in the portal, with the lead as it is now. A claim
 * is an offer and its acceptance at once; closing or handing a lead back is neither.
 */
export function recordAnswered(action: LinkAction | MyLeadAction, lead: Lead, sink: Metrics = metrics): void {
  switch (action) {
    case 'claim':
      count(sink, LeadMetric.offered);
      timing(sink, LeadMetric.timeToOffer, lead.receivedAt, lead.offeredAt);
      count(sink, LeadMetric.accepted);
      timing(sink, LeadMetric.timeToAccept, lead.receivedAt, lead.acceptedAt);
      return;
    case 'accept':
      count(sink, LeadMetric.accepted);
      timing(sink, LeadMetric.timeToAccept, lead.receivedAt, lead.acceptedAt);
      return;
    case 'contacted':
      count(sink, LeadMetric.contacted);
      timing(sink, LeadMetric.timeToContact, lead.receivedAt, lead.contactedAt);
      return;
    case 'reject':
      count(sink, LeadMetric.offersRejected);
  }
}

/** A rep pulled the next lead from the team queue: claimed like a claim link. */
export function recordPulled(outcome: PullOutcome, sink: Metrics = metrics): void {
  if (outcome.kind === 'claimed') recordAnswered('claim', outcome.lead, sink);
}

/**
 * A step of the SLA timer: an offer taken back for want of an answer, or a lead found
 * uncontacted at its deadline (a breach, and its manager told). Retries of a step count nothing.
 */
export function recordDeadline(outcome: EscalationOutcome | ExpiryOutcome | ReminderOutcome | { readonly recovered: boolean }, sink: Metrics = metrics): void {
  if ('expired' in outcome && outcome.expired) count(sink, LeadMetric.offersExpired);
  if ('escalated' in outcome && outcome.escalated) {
    count(sink, LeadMetric.slaBreaches);
    count(sink, LeadMetric.escalated);
  }
}
