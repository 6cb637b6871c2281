import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Lead } from '../domain/lead.ts';
import type { LinkAction } from '../domain/link-token.ts';
import { LeadMetric } from '../metric-names.ts';
import { metrics } from '../observability.ts';
import type { EscalationOutcome } from '../use-cases/escalate-lead.ts';
import type { ExpiryOutcome } from '../use-cases/expire-offer.ts';
import type { Received } from '../use-cases/receive-lead.ts';
import type { ReminderOutcome } from '../use-cases/remind-owner.ts';
import type { MyLeadAction, PullOutcome } from '../use-cases/rep-portal.ts';
import type { RouteOutcome } from '../use-cases/route-lead.ts';

/**
 * The lead funnel as metrics: what each use case's outcome counts, by the names the dashboard and
 * alarms read (metric-names.ts). It sits beside the use cases rather than in observability.ts, which
 * handlers, composition roots and the HTTP error mapping import for the logger: that module knows
 * no use case, so no import cycle runs through it. Handlers call these after a use case returns, on the invocation's `metrics`.
 */

const count = (sink: Metrics, name: string) => sink.addMetric(name, MetricUnit.Count, 1);

/** Seconds between two ISO instants of a lead; nothing when either is unknown. */
function timing(sink: Metrics, name: string, from: string | undefined, to: string | undefined): void {
  if (!from || !to) return;
  const ms = Date.parse(to) - Date.parse(from);
  if (Number.isFinite(ms)) sink.addMetric(name, MetricUnit.Seconds, Math.max(0, ms) / 1000);
}

/** A post to a lead webhook: a new lead, or one joined to the same person's open lead. Replays and bots count as nothing. */
export function recordReceived(received: Pick<Received, 'status' | 'joinedLeadId' | 'replayed' | 'dropped'>, sink: Metrics = metrics): void {
  if (received.replayed || received.dropped) return;
  // A public post that joined a lead is answered as a new one, but counts as what it was.
  count(sink, received.status === 'joined' || received.joinedLeadId ? LeadMetric.joined : LeadMetric.received);
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
