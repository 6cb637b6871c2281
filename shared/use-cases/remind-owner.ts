import type { LeadStore } from '../adapters/lead-store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import type { RepStore } from '../adapters/rep-store.ts';
import type { SlaTimerInput } from '../adapters/sla-timer.ts';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import type { LinkAction } from '../domain/link-token.ts';
import { reminderEmail } from '../views/emails.ts';

export interface RemindOwnerDeps {
  readonly leads: LeadStore;
  readonly reps: Pick<RepStore, 'get'>;
  readonly mailer: Mailer;
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
 * 2. Otherwise claim this attempt's one reminder and email the owner, on their own clock, with
 *    the "I contacted them" link (and the accept link while the lead is only offered).
 * Claiming before sending means a retried task never reminds twice; a crash between the two
 * loses one courtesy email, never the escalation that follows.
 */
export async function remindOwner(input: SlaTimerInput, deps: RemindOwnerDeps): Promise<ReminderOutcome> {
  if (input.reminderAt >= input.contactDeadline) return { reminded: false, reason: 'no-reminder' };
  const lead = await deps.leads.get(input.leadId);
  if (!lead) return { reminded: false, reason: 'lead-gone' };
  if (lead.attempt !== input.attempt) return { reminded: false, reason: 'stale-attempt' };
  const open = lead.status === LeadStatus.offered || lead.status === LeadStatus.accepted;
  if (!open || !lead.ownerId) return { reminded: false, reason: 'no-owner' };
  const rep = await deps.reps.get(lead.ownerId);
  if (!rep) return { reminded: false, reason: 'no-owner' };
  if (!(await deps.leads.claimReminder(lead.id, lead.attempt, deps.now()))) return { reminded: false, reason: 'already-reminded' };
  await deps.mailer.send(
    reminderEmail({
      lead,
      rep,
      ...(lead.status === LeadStatus.offered ? { acceptUrl: deps.actionUrl(lead, rep.id, 'accept') } : {}),
      contactedUrl: deps.actionUrl(lead, rep.id, 'contacted'),
    }),
  );
  return { reminded: true, repId: rep.id };
}
