import type { IntakeStore } from '../adapters/intake-store.ts';
import type { LeadStore } from '../adapters/lead-store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import type { RepStore } from '../adapters/rep-store.ts';
import { LeadStatus } from '../domain/lead.ts';
import { resubmittedEmail } from '../views/emails.ts';

export interface TellOwnerDeps {
  readonly leads: Pick<LeadStore, 'get' | 'history'>;
  readonly intakeStore: Pick<IntakeStore, 'claimResubmissionNotice'>;
  readonly reps: Pick<RepStore, 'get'>;
  readonly mailer: Pick<Mailer, 'send'>;
}

export type TellOwnerOutcome = { readonly told: string } | { readonly told: false; readonly reason: 'lead-gone' | 'no-owner' | 'already-told' };

const held: ReadonlySet<LeadStatus> = new Set([LeadStatus.offered, LeadStatus.accepted, LeadStatus.contacted]);

/**
 * The same person got in touch again and their post joined the lead.
 * 1. A lead nobody holds yet (received, queued) needs nothing: whoever gets it sees the history.
 * 2. Otherwise the owner is emailed once per resubmission, with what the person wrote this time.
 * The claim comes before the email, so a redelivered message never sends it twice.
 */
export async function tellOwnerOfResubmission(leadId: string, resubmittedAt: string, deps: TellOwnerDeps): Promise<TellOwnerOutcome> {
  const lead = await deps.leads.get(leadId);
  if (!lead) return { told: false, reason: 'lead-gone' };
  if (!lead.ownerId || !held.has(lead.status)) return { told: false, reason: 'no-owner' };
  const rep = await deps.reps.get(lead.ownerId);
  if (!rep) return { told: false, reason: 'no-owner' };
  if (!(await deps.intakeStore.claimResubmissionNotice(leadId, resubmittedAt))) return { told: false, reason: 'already-told' };
  const event = (await deps.leads.history(leadId)).find((e) => e.kind === 'resubmitted' && e.at === resubmittedAt);
  const contact = (event?.detail?.contact ?? {}) as { message?: unknown };
  await deps.mailer.send(
    resubmittedEmail({ lead, rep, at: resubmittedAt, ...(typeof contact.message === 'string' ? { message: contact.message } : {}) }),
  );
  return { told: rep.id };
}
