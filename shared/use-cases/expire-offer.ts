import type { LeadStore } from '../adapters/lead-store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import type { RepStore } from '../adapters/rep-store.ts';
import type { RoutingQueue } from '../adapters/routing-queue.ts';
import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import { offerMovedEmail } from '../views/emails.ts';

export interface ExpireOfferDeps {
  readonly leads: LeadStore;
  readonly reps: Pick<RepStore, 'get'>;
  readonly queue: RoutingQueue;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

export type ExpiryOutcome =
  | { readonly expired: true; readonly repId: string }
  | { readonly expired: false; readonly reason: 'lead-gone' | 'stale-attempt' | 'answered' };

/**
 * The accept window of an offer has passed.
 * 1. Nothing to do if the rep answered (accepted, passed, contacted) or the lead moved on.
 * 2. Otherwise take the offer back in one transaction: the lead returns to routing, the rep's
 *    capacity is released and they are not offered it again.
 * 3. Tell the rep it moved on, and queue the lead (and the team's queue, for the freed slot).
 * A rep who accepts at the last moment wins: the take-back is conditioned on the offer still open.
 */
export async function expireOffer(input: SlaTimerInput, deps: ExpireOfferDeps): Promise<ExpiryOutcome> {
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { expired: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt) return { expired: false, reason: 'stale-attempt' };
  if (lead.status !== LeadStatus.offered || !lead.ownerId) return { expired: false, reason: 'answered' };
  const repId = lead.ownerId;
  if (!(await takeBackOffer(lead, repId, 'not accepted in time', deps))) return { expired: false, reason: 'answered' };
  // Routed first: the lead matters more than the courtesy note.
  const rep = await deps.reps.get(repId);
  if (rep) await deps.mailer.send(offerMovedEmail({ lead, rep }));
  return { expired: true, repId };
}

/**
 * Takes an open offer back from its rep in one transaction (the lead returns to routing, the
 * rep's capacity is released and they are not offered it again), then queues the lead for the
 * next rep and the team's queue for the freed slot. False when the rep answered or the lead
 * moved on first: the take-back is conditioned on this offer still being open.
 */
export async function takeBackOffer(
  lead: Pick<Lead, 'id' | 'attempt' | 'teamId'>,
  repId: string,
  reason: string,
  deps: { readonly leads: Pick<LeadStore, 'reject'> } & Pick<ExpireOfferDeps, 'queue' | 'now'>,
  how: 'expired' | 'undeliverable' = 'expired',
): Promise<boolean> {
  try {
    await deps.leads.reject(lead.id, repId, lead.attempt, deps.now(), reason, how);
  } catch (error) {
    if (error instanceof LeadStateConflict) return false;
    throw error;
  }
  await deps.queue.enqueue({ leadId: lead.id });
  await deps.queue.enqueue({ drainTeam: lead.teamId });
  return true;
}
