import type { LeadStore } from '../adapters/lead-store.ts';
import type { RoutingQueue } from '../adapters/routing-queue.ts';
import { LeadNotFound, LeadStateConflict } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import type { LinkClaims } from '../domain/link-token.ts';

export interface RespondToOfferDeps {
  readonly leads: LeadStore;
  readonly queue: RoutingQueue;
  readonly now: () => Date;
}

/** What a link can still do, shown on the confirmation page before anything happens. */
export type OfferView =
  | { readonly state: 'actionable'; readonly lead: Lead }
  /** The lead moved on: another attempt, another owner, or this action already done. */
  | { readonly state: 'stale'; readonly lead: Lead };

const allowedFrom: Record<LinkClaims['action'], readonly LeadStatus[]> = {
  accept: [LeadStatus.offered],
  reject: [LeadStatus.offered],
  contacted: [LeadStatus.offered, LeadStatus.accepted],
  won: [LeadStatus.accepted, LeadStatus.contacted],
  lost: [LeadStatus.accepted, LeadStatus.contacted],
};

export async function viewOffer(claims: LinkClaims, deps: Pick<RespondToOfferDeps, 'leads'>): Promise<OfferView> {
  const lead = await deps.leads.get(claims.leadId);
  if (!lead) throw new LeadNotFound(claims.leadId);
  const current = lead.ownerId === claims.repId && lead.attempt === claims.attempt && allowedFrom[claims.action].includes(lead.status);
  return { state: current ? 'actionable' : 'stale', lead };
}

export type ActionResult =
  | { readonly state: 'done'; readonly lead: Lead }
  | { readonly state: 'stale'; readonly lead: Lead };

/**
 * Carry out the action a rep confirmed on the page.
 * accept: OFFERED -> ACCEPTED. contacted: OFFERED/ACCEPTED -> CONTACTED (stops escalation).
 * reject: OFFERED -> RECEIVED with the rep excluded and their capacity released, then back on
 * the routing queue for the next rep, and the team's queue is offered again. Each is one conditional write, so a double click or a
 * replayed link changes nothing the second time and is reported as stale.
 */
export async function respondToOffer(claims: LinkClaims, deps: RespondToOfferDeps, reason?: string): Promise<ActionResult> {
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
        // If this send fails the lead waits as RECEIVED; its deadline timer still escalates it.
        await deps.queue.enqueue({ leadId });
        break;
    }
  } catch (error) {
    if (!(error instanceof LeadStateConflict)) throw error;
    const lead = await deps.leads.get(leadId);
    if (!lead) throw new LeadNotFound(leadId, { cause: error });
    return { state: 'stale', lead };
  }
  const lead = await deps.leads.get(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  // A pass or a close freed the rep's slot, which may suit a lead waiting in the team queue.
  if (freesCapacity.has(claims.action)) await deps.queue.enqueue({ drainTeam: lead.teamId });
  return { state: 'done', lead };
}

const freesCapacity: ReadonlySet<LinkClaims['action']> = new Set(['reject', 'won', 'lost']);
