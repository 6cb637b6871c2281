import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import type { Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { offerMovedEmail } from '../views/emails.ts';
import { drainTeam, routeAgain, sendEmail } from './follow-ups.ts';
import type { LeadReader, LeadTransitions, RepReader } from './ports.ts';

export interface ExpireOfferDeps {
  readonly leads: LeadReader & LeadTransitions;
  readonly reps: RepReader;
  readonly now: () => Date;
  /** Set when the sweeper acts because the timer did not: recorded as `swept` before the expiry. */
  readonly swept?: Record<string, unknown>;
}

export type ExpiryOutcome =
  | { readonly expired: true; readonly repId: string }
  | { readonly expired: false; readonly reason: 'lead-gone' | 'stale-attempt' | 'answered' };

/**
 * The accept window of an offer has passed.
 * 1. Nothing to do if the rep answered (accepted, passed, contacted) or the lead moved on.
 * 2. Otherwise take the offer back in one transaction: the lead returns to routing, the rep's
 *    capacity is released and they are not offered it again, and the lead's routing, the
 *    team's queue (for the freed slot) and the note to the rep are recorded with it.
 * A rep who accepts at the last moment wins: the take-back is conditioned on the offer still open.
 */
export async function expireOffer(input: Pick<SlaTimerInput, 'leadId' | 'attempt'>, deps: ExpireOfferDeps): Promise<ExpiryOutcome> {
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { expired: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt) return { expired: false, reason: 'stale-attempt' };
  if (!allows('expire', lead.status) || !lead.ownerId) return { expired: false, reason: 'answered' };
  const repId = lead.ownerId;
  const rep = await deps.reps.get(repId);
  if (!(await takeBackOffer(lead, repId, 'not accepted in time', deps, 'expire', rep))) return { expired: false, reason: 'answered' };
  return { expired: true, repId };
}

/**
 * Takes an open offer back from its rep in one transaction: the lead returns to routing (its
 * routing recorded with it), the rep's capacity is released, they are not offered it again, and
 * the team's queue is offered the freed slot. With `rep`, they are told it moved on. False when
 * the rep answered or the lead moved on first: the take-back is conditioned on this offer.
 */
export async function takeBackOffer(
  lead: Lead,
  repId: string,
  reason: string,
  deps: { readonly leads: LeadTransitions; readonly now: () => Date; readonly swept?: Record<string, unknown> },
  how: 'expire' | 'undeliverable',
  rep?: Pick<RepProfile, 'name' | 'email' | 'timeZone'>,
): Promise<boolean> {
  try {
    await deps.leads.commit(how, {
      lead,
      at: deps.now(),
      actor: deps.swept ? 'sweeper' : how === 'expire' ? 'sla-timer' : 'ses-feedback',
      ...(deps.swept ? { before: [{ kind: 'swept', actor: 'sweeper', detail: deps.swept }] } : {}),
      detail: { attempt: lead.attempt, reason },
      rep: { id: repId },
      effects: [routeAgain(lead.id), drainTeam(lead.teamId), ...(rep && how === 'expire' ? [sendEmail('moved-email', offerMovedEmail({ lead, rep }))] : [])],
    });
    return true;
  } catch (error) {
    if (error instanceof LeadStateConflict) return false;
    throw error;
  }
}
