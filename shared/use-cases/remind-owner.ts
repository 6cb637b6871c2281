import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import { LeadStateConflict } from '../domain/errors.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import type { LinkAction } from '../domain/link-token.ts';
import { reminderEmail } from '../views/emails.ts';
import { sendEmail } from './follow-ups.ts';
import type { LeadReader, LeadTransitions, RepReader } from './ports.ts';

export interface RemindOwnerDeps {
  readonly leads: LeadReader & LeadTransitions;
  readonly reps: RepReader;
  readonly actionUrl: (lead: Lead, repId: string, action: LinkAction) => string;
  readonly now: () => Date;
}

export type ReminderOutcome =
  | { readonly reminded: true; readonly repId: string }
  | { readonly reminded: false; readonly reason: 'no-reminder' | 'lead-gone' | 'stale-attempt' | 'no-owner' | 'already-reminded' };

/**
 * The reminder time of an offer or accepted lead has come.
 * 1. Nothing to do without a reminder (it falls on the deadline), for an old attempt, or when
 *    nobody holds the lead (queued) or it is already contacted or closed.
 * 2. Otherwise record this attempt's one reminder, with its email to the owner (on their own
 *    clock, with the "I contacted them" link, and the accept link while only offered), in one
 *    transaction: a retried task never reminds twice, and a failed send is retried, not lost.
 */
export async function remindOwner(input: SlaTimerInput, deps: RemindOwnerDeps): Promise<ReminderOutcome> {
  if (input.reminderAt >= input.contactDeadline) return { reminded: false, reason: 'no-reminder' };
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { reminded: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt) return { reminded: false, reason: 'stale-attempt' };
  if (!allows('remind', lead.status) || !lead.ownerId) return { reminded: false, reason: 'no-owner' };
  const rep = await deps.reps.get(lead.ownerId);
  if (!rep) return { reminded: false, reason: 'no-owner' };
  if ((lead.remindedAttempt ?? -1) >= lead.attempt) return { reminded: false, reason: 'already-reminded' };
  const email = reminderEmail({
    lead,
    rep,
    ...(lead.status === LeadStatus.offered ? { acceptUrl: deps.actionUrl(lead, rep.id, 'accept') } : {}),
    contactedUrl: deps.actionUrl(lead, rep.id, 'contacted'),
  });
  try {
    await deps.leads.commit('remind', { lead, at: deps.now(), actor: 'sla-timer', detail: { attempt: lead.attempt }, effects: [sendEmail('reminder-email', email)] });
  } catch (error) {
    if (error instanceof LeadStateConflict) return { reminded: false, reason: 'already-reminded' };
    throw error;
  }
  return { reminded: true, repId: rep.id };
}
