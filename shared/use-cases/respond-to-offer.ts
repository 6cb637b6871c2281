import { countersFor, type LeadStore } from '../adapters/lead-store.ts';
import type { RepStore } from '../adapters/rep-store.ts';
import type { RoutingQueue } from '../adapters/routing-queue.ts';
import type { SlaTimer } from '../adapters/sla-timer.ts';
import { LeadNotFound, LeadStateConflict, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import type { LinkClaims } from '../domain/link-token.ts';
import { teamById, type RoutingConfig } from '../routing/config-schema.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { slaTimerFor, type MinutesToMs } from './sla-schedule.ts';

export interface RespondToOfferDeps {
  readonly leads: LeadStore;
  readonly reps: Pick<RepStore, 'get'>;
  readonly queue: RoutingQueue;
  readonly timer: SlaTimer;
  readonly config: RoutingConfig;
  readonly minutes: MinutesToMs;
  readonly now: () => Date;
}

/** What a link can still do, shown on the confirmation page before anything happens. */
export type OfferView =
  | { readonly state: 'actionable'; readonly lead: Lead; readonly rep?: RepProfile }
  /** The lead moved on: another attempt, another owner, or this action already done. */
  | { readonly state: 'stale'; readonly lead: Lead; readonly rep?: RepProfile };

/** One action on one lead attempt by one rep: what a signed link or the portal asks for. */
export type OfferAction = Pick<LinkClaims, 'leadId' | 'repId' | 'attempt' | 'action'>;

const allowedFrom: Record<LinkClaims['action'], readonly LeadStatus[]> = {
  accept: [LeadStatus.offered],
  reject: [LeadStatus.offered],
  contacted: [LeadStatus.offered, LeadStatus.accepted],
  won: [LeadStatus.accepted, LeadStatus.contacted],
  lost: [LeadStatus.accepted, LeadStatus.contacted],
  claim: [LeadStatus.queued],
};

/** A claim link is for the queued lead as it was opened to the team; the others are for the rep's own offer. */
const isCurrent = (claims: OfferAction, lead: Lead) =>
  lead.attempt === claims.attempt && allowedFrom[claims.action].includes(lead.status) && (claims.action === 'claim' || lead.ownerId === claims.repId);

/** The link's lead, whether the link can still act on it, and the rep (for their time zone). */
export async function viewOffer(claims: OfferAction, deps: Pick<RespondToOfferDeps, 'leads' | 'reps'>): Promise<OfferView> {
  const [lead, rep] = await Promise.all([deps.leads.get(claims.leadId), deps.reps.get(claims.repId)]);
  if (!lead) throw new LeadNotFound(claims.leadId);
  return { state: isCurrent(claims, lead) ? 'actionable' : 'stale', lead, ...(rep ? { rep } : {}) };
}

export type ActionResult =
  | { readonly state: 'done'; readonly lead: Lead }
  | { readonly state: 'stale'; readonly lead: Lead }
  /** A claim the rep has no room for: at capacity, capped, or inactive. */
  | { readonly state: 'full'; readonly lead: Lead };

/**
 * Carry out the action a rep confirmed on the page.
 * accept: OFFERED -> ACCEPTED. contacted: OFFERED/ACCEPTED -> CONTACTED (stops escalation).
 * reject: OFFERED -> RECEIVED with the rep excluded and their capacity released, then back on
 * the routing queue for the next rep, and the team's queue is offered again.
 * claim: QUEUED -> ACCEPTED for the first rep of the team to claim it, counted against their
 * capacity, with the SLA timer of the new attempt started.
 * Each is one conditional write, so a double click or a replayed link changes nothing the
 * second time and is reported as stale.
 */
export async function respondToOffer(claims: OfferAction, deps: RespondToOfferDeps, reason?: string): Promise<ActionResult> {
  const { leadId, repId, attempt } = claims;
  const now = deps.now();
  try {
    switch (claims.action) {
      case 'accept':
        await deps.leads.accept(leadId, repId, attempt, now);
        break;
      case 'contacted':
        await deps.leads.markContacted(leadId, repId, attempt, now);
        break;
      case 'won':
      case 'lost':
        await deps.leads.close(leadId, repId, attempt, now, claims.action);
        break;
      case 'reject':
        await deps.leads.reject(leadId, repId, attempt, now, reason);
        // If this send fails the lead waits as RECEIVED; its deadline escalation routes it again.
        await deps.queue.enqueue({ leadId });
        break;
      case 'claim': {
        // Only a claim needs the rep: their counters condition the transaction.
        const rep = await deps.reps.get(repId);
        if (!rep) throw new RepUnavailable(`rep ${repId} no longer exists`);
        const claimed = await deps.leads.claim({ id: leadId, attempt }, repId, countersFor(rep, now), now);
        await startTimer(claimed, deps, now);
        return { state: 'done', lead: claimed };
      }
    }
  } catch (error) {
    if (error instanceof RepUnavailable) {
      const lead = await deps.leads.get(leadId);
      if (!lead) throw new LeadNotFound(leadId, { cause: error });
      return { state: 'full', lead };
    }
    if (!(error instanceof LeadStateConflict)) throw error;
    const lead = await deps.leads.get(leadId);
    if (!lead) throw new LeadNotFound(leadId, { cause: error });
    // The rep's own earlier claim went through but its timer may not have started: start it now (idempotent).
    if (claims.action === 'claim' && lead.ownerId === repId && lead.attempt === attempt + 1) await startTimer(lead, deps, now);
    return { state: 'stale', lead };
  }
  const lead = await deps.leads.get(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  // A pass or a close freed the rep's slot, which may suit a lead waiting in the team queue.
  if (freesCapacity.has(claims.action)) await deps.queue.enqueue({ drainTeam: lead.teamId });
  return { state: 'done', lead };
}

const freesCapacity: ReadonlySet<LinkClaims['action']> = new Set(['reject', 'won', 'lost']);

async function startTimer(lead: Lead, deps: RespondToOfferDeps, now: Date): Promise<void> {
  await deps.timer.start(slaTimerFor(lead, teamById(deps.config, lead.teamId), deps.config.tiers, deps.minutes, now));
}
