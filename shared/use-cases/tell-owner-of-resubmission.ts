import { LeadStateConflict } from '../domain/errors.ts';
import { allows } from '../domain/lifecycle.ts';
import { resubmittedEmail } from '../views/emails.ts';
import { sendEmail } from './follow-ups.ts';
import type { LeadHistory, LeadReader, LeadTransitions, RepReader } from './ports.ts';

export interface TellOwnerDeps {
  readonly leads: LeadReader & LeadHistory & LeadTransitions;
  readonly reps: RepReader;
  readonly now: () => Date;
}

export type TellOwnerOutcome = { readonly told: string } | { readonly told: false; readonly reason: 'lead-gone' | 'no-owner' | 'already-told' };

/**
 * The same person got in touch again and their post joined the lead.
 * 1. A lead nobody holds (received, queued) needs no notice: whoever gets it sees the history.
 * 2. Otherwise the owner hears it once per resubmission, with what the person wrote this time:
 *    the notice and its email are one transaction, so a redelivered message never sends it
 *    twice and a failed send is retried.
 */
export async function tellOwnerOfResubmission(leadId: string, resubmittedAt: string, deps: TellOwnerDeps): Promise<TellOwnerOutcome> {
  const lead = await deps.leads.get(leadId);
  if (!lead) return { told: false, reason: 'lead-gone' };
  if (!lead.ownerId || !allows('tell-owner', lead.status)) return { told: false, reason: 'no-owner' };
  const rep = await deps.reps.get(lead.ownerId);
  if (!rep) return { told: false, reason: 'no-owner' };
  if (lead.resubmissionNoticeAt !== undefined && lead.resubmissionNoticeAt >= resubmittedAt) return { told: false, reason: 'already-told' };
  const event = (await deps.leads.history(leadId)).find((e) => e.kind === 'resubmitted' && e.at === resubmittedAt);
  const contact = (event?.detail?.contact ?? {}) as { message?: unknown };
  const email = resubmittedEmail({ lead, rep, at: resubmittedAt, ...(typeof contact.message === 'string' ? { message: contact.message } : {}) });
  try {
    await deps.leads.commit('tell-owner', {
      lead,
      at: deps.now(),
      actor: 'router',
      detail: { repId: rep.id, resubmittedAt },
      once: resubmittedAt,
      effects: [sendEmail('resubmission-notice', email)],
    });
  } catch (error) {
    if (error instanceof LeadStateConflict) return { told: false, reason: 'already-told' };
    throw error;
  }
  return { told: rep.id };
}
