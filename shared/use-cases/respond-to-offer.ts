import { countersFor } from '../adapters/lead-store.ts';
import { LeadNotFound, LeadStateConflict, RepDisabled, RepUnavailable } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import { allows, type TransitionName } from '../domain/lifecycle.ts';
import type { LinkAction, LinkClaims } from '../domain/link-token.ts';
import { teamById, type RoutingConfig } from '../routing/config-schema.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { drainTeam, routeAgain, startTimer } from './follow-ups.ts';
import type { LeadReader, LeadTransitions, RepReader } from './ports.ts';
import { slaTimerFor, type MinutesToMs } from './sla-schedule.ts';

export interface RespondToOfferDeps {
  readonly leads: LeadReader & LeadTransitions;
  readonly reps: RepReader;
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

/** The transition each link action makes; what a status allows is the lifecycle table's to say. */
export const transitionFor: Record<LinkAction, TransitionName> = {
  accept: 'accept',
  reject: 'pass',
  contacted: 'contacted',
  won: 'close',
  lost: 'close',
  claim: 'claim',
};

/** A claim link is for the queued lead as it was opened to the team; the others are for the rep's own offer. */
const isCurrent = (claims: OfferAction, lead: Lead) =>
  lead.attempt === claims.attempt && allows(transitionFor[claims.action], lead.status) && (claims.action === 'claim' || lead.ownerId === claims.repId);

/** A link of a rep an admin switched off does nothing: `RepDisabled` (403), whatever its lead. */
function refuseDisabled(rep: RepProfile | undefined): void {
  if (rep?.disabled === true) throw new RepDisabled(rep.id);
}

/** The link's lead, whether the link can still act on it, and the rep (for their time zone). */
export async function viewOffer(claims: OfferAction, deps: Pick<RespondToOfferDeps, 'leads' | 'reps'>): Promise<OfferView> {
  const [lead, rep] = await Promise.all([deps.leads.get(claims.leadId), deps.reps.get(claims.repId)]);
  refuseDisabled(rep);
  if (!lead) throw new LeadNotFound(claims.leadId);
  return { state: isCurrent(claims, lead) ? 'actionable' : 'stale', lead, ...(rep ? { rep } : {}) };
}

export type ActionResult =
  | { readonly state: 'done'; readonly lead: Lead }
  | { readonly state: 'stale'; readonly lead: Lead }
  /** A claim the rep has no room for: at capacity, capped, or inactive. */
  | { readonly state: 'full'; readonly lead: Lead };

/**
 * Carry out the action a rep confirmed on the page, as one transition of the lifecycle table.
 * accept: OFFERED -> ACCEPTED. contacted: OFFERED/ACCEPTED -> CONTACTED (stops escalation).
 * pass: OFFERED -> RECEIVED with the rep excluded and their capacity released, the lead's
 * routing and the team queue's drain recorded with it. won/lost: the lead closes and the freed
 * slot drains the team's queue. claim: QUEUED -> ACCEPTED for the first rep of the team to
 * claim it, counted against their capacity, with the new attempt's SLA timer recorded with it.
 * Each is one conditional transaction, so a double click or a replayed link changes nothing the
 * second time and is reported as stale. A rep an admin switched off gets `RepDisabled`: their
 * leads were taken back when they were switched off, and a claim's own transaction refuses them.
 */
export async function respondToOffer(claims: OfferAction, deps: RespondToOfferDeps, reason?: string): Promise<ActionResult> {
  const { leadId, repId, attempt } = claims;
  const now = deps.now();
  const [read, rep] = await Promise.all([deps.leads.get(leadId), deps.reps.get(repId)]);
  refuseDisabled(rep);
  if (!read) throw new LeadNotFound(leadId);
  const lead = { ...read, attempt };
  const actor = `rep:${repId}`;
  let done: Lead;
  try {
    switch (claims.action) {
      case 'accept':
      case 'contacted':
        ({ lead: done } = await deps.leads.commit(transitionFor[claims.action], { lead, at: now, actor, rep: { id: repId } }));
        break;
      case 'won':
      case 'lost':
        ({ lead: done } = await deps.leads.commit('close', {
          lead,
          at: now,
          actor,
          rep: { id: repId },
          detail: { outcome: claims.action },
          set: { outcome: claims.action },
          effects: [drainTeam(read.teamId)],
        }));
        break;
      case 'reject':
        ({ lead: done } = await deps.leads.commit('pass', {
          lead,
          at: now,
          actor,
          rep: { id: repId },
          detail: reason ? { attempt, reason } : { attempt },
          effects: [routeAgain(leadId), drainTeam(read.teamId)],
        }));
        break;
      case 'claim': {
        // Only a claim needs the rep's record: their counters condition the transaction.
        if (!rep) throw new RepUnavailable(`rep ${repId} no longer exists`);
        done = await claimQueued(lead, rep, 'claim', deps, now);
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof RepUnavailable) && !(error instanceof LeadStateConflict)) throw error;
    const current = await deps.leads.get(leadId);
    if (!current) throw new LeadNotFound(leadId, { cause: error });
    return { state: error instanceof RepUnavailable ? 'full' : 'stale', lead: current };
  }
  return { state: 'done', lead: done };
}

/**
 * A rep takes a lead waiting in the team queue, by a claim link or by pulling it in the portal:
 * it becomes theirs, accepted, in one transaction that counts it against their capacity and
 * caps and records the new attempt's SLA timer. Of many reps claiming at once exactly one wins;
 * the others get `LeadStateConflict`, a rep without room `RepUnavailable`.
 */
export async function claimQueued(
  lead: Lead,
  rep: RepProfile,
  how: 'claim' | 'pull',
  deps: Pick<RespondToOfferDeps, 'leads' | 'config' | 'minutes'>,
  now: Date,
): Promise<Lead> {
  const attempt = lead.attempt + 1;
  const claimed: Lead = { ...lead, status: LeadStatus.accepted, ownerId: rep.id, attempt, offeredAt: now.toISOString(), acceptedAt: now.toISOString() };
  const timer = slaTimerFor(claimed, teamById(deps.config, lead.teamId), deps.config.tiers, deps.minutes, now);
  const committed = await deps.leads.commit(how, {
    lead,
    at: now,
    actor: `rep:${rep.id}`,
    detail: { repId: rep.id, attempt },
    rep: { id: rep.id, counters: countersFor(rep, now) },
    set: { acceptDeadline: timer.acceptDeadline },
    effects: [startTimer(timer)],
  });
  return committed.lead;
}
