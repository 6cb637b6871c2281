import type { LeadStore } from '../adapters/lead-store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import type { Rep, RepStore } from '../adapters/rep-store.ts';
import type { SlaTimer } from '../adapters/sla-timer.ts';
import { LeadNotFound, LeadStateConflict, NotificationInProgress, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import type { LinkAction } from '../domain/link-token.ts';
import { roundRobinOrder } from '../domain/round-robin.ts';
import { offerEmail } from '../views/emails.ts';

export interface RouteLeadDeps {
  readonly leads: LeadStore;
  readonly reps: RepStore;
  readonly mailer: Mailer;
  readonly timer: SlaTimer;
  /** Builds the signed URL of one action on one offer. */
  readonly actionUrl: (lead: Lead, repId: string, action: LinkAction) => string;
  readonly now: () => Date;
}

export type RouteOutcome =
  | { readonly kind: 'offered'; readonly repId: string; readonly attempt: number }
  | { readonly kind: 'queued' }
  | { readonly kind: 'unchanged'; readonly status: LeadStatus };

/** Conflicts mean another router moved the lead; re-reading it settles the question quickly. */
const MAX_REREADS = 5;

/**
 * How long a notification claim holds. Far longer than sending one email takes, and shorter
 * than the routing queue's visibility timeout, so the redelivery after a crash can take over.
 */
export const NOTIFY_LEASE_MS = 60_000;

/**
 * Route a lead that is waiting for a rep.
 * 1. Read the lead fresh; finish the side effects of an offer a previous delivery committed.
 * 2. Order the team's available reps by round robin, skipping anyone who passed on it.
 * 3. Offer it to the first rep whose capacity the transaction can still take; fall through to
 *    the next when a concurrent router filled that rep.
 * 4. Nobody available: the lead waits in the team queue, with its deadline timer running.
 * Safe to run twice for the same message and in parallel with other routers: the offer is one
 * conditional transaction, and its email is sent by whichever delivery claims it first.
 */
export async function routeLead(leadId: string, deps: RouteLeadDeps): Promise<RouteOutcome> {
  for (let read = 0; read < MAX_REREADS; read++) {
    const lead = await deps.leads.get(leadId);
    if (!lead) throw new LeadNotFound(leadId);

    if (lead.status === LeadStatus.offered && lead.notifiedAttempt !== lead.attempt && lead.ownerId) {
      const rep = await deps.reps.get(lead.ownerId);
      if (rep) await notifyOffer(lead, rep, deps);
      return { kind: 'offered', repId: lead.ownerId, attempt: lead.attempt };
    }
    if (lead.status !== LeadStatus.received) return { kind: 'unchanged', status: lead.status };

    const roster = await deps.reps.listTeam(lead.teamId);
    const candidates = roundRobinOrder(roster, new Set(lead.excludedReps));
    try {
      for (const rep of candidates) {
        try {
          const offered = await deps.leads.offer(lead, rep.id, deps.now(), {
            strategy: 'round-robin',
            teamId: lead.teamId,
            candidates: candidates.map((c) => c.id),
          });
          await notifyOffer(offered, rep, deps);
          return { kind: 'offered', repId: rep.id, attempt: offered.attempt };
        } catch (error) {
          if (!(error instanceof RepUnavailable)) throw error;
        }
      }
      await deps.leads.queue(lead, deps.now(), {
        teamId: lead.teamId,
        reason: candidates.length === 0 ? 'no rep in the team is available' : 'every available rep filled up meanwhile',
      });
      await deps.timer.start({ leadId: lead.id, attempt: lead.attempt, contactDeadline: lead.contactDeadline });
      return { kind: 'queued' };
    } catch (error) {
      if (!(error instanceof LeadStateConflict)) throw error;
    }
  }
  throw new LeadStateConflict(`lead ${leadId} kept changing while being routed`);
}

/**
 * Timer first, then email: a lead with a running timer cannot go unnoticed even if the email
 * fails. Only the delivery holding the claim sends; another one fails its record so SQS brings
 * it back later, when the lead is either notified (nothing to do) or its claim has lapsed.
 */
async function notifyOffer(lead: Lead, rep: Rep, deps: RouteLeadDeps): Promise<void> {
  if (!(await deps.leads.claimNotification(lead.id, lead.attempt, deps.now(), NOTIFY_LEASE_MS))) {
    throw new NotificationInProgress(`offer ${lead.id}/${lead.attempt} is being notified by another delivery`);
  }
  await deps.timer.start({ leadId: lead.id, attempt: lead.attempt, contactDeadline: lead.contactDeadline });
  await deps.mailer.send(
    offerEmail({
      lead,
      rep,
      acceptUrl: deps.actionUrl(lead, rep.id, 'accept'),
      rejectUrl: deps.actionUrl(lead, rep.id, 'reject'),
    }),
  );
  await deps.leads.markNotified(lead.id, lead.attempt);
}
