import { Forbidden, LeadNotFound, LeadStateConflict } from '../domain/errors.ts';
import type { Lead } from '../domain/lead.ts';
import { allows } from '../domain/lifecycle.ts';
import { detailsOffered, replacedBy } from '../domain/resubmitted-details.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import type { LeadHistory, LeadReader, LeadTransitions } from './ports.ts';

export interface UseDetailsDeps {
  readonly leads: LeadReader & LeadHistory & LeadTransitions;
  readonly now: () => Date;
}

export type UseDetailsOutcome =
  | { readonly kind: 'used'; readonly lead: Lead }
  /** The lead holds these values already (a second click, say): nothing written. */
  | { readonly kind: 'nothing-new' }
  | { readonly kind: 'no-such-resubmission' };

/**
 * The rep who holds a lead takes over the contact details one of its resubmissions brought
 * ("Use these details" in the portal).
 * 1. Only the lead's owner, while they hold it: another rep is refused (403), a lead gone is 404.
 * 2. The resubmission's values fill in and replace the lead's, field by field: the rep has seen
 *    both and chosen these (a new phone number, the company's right name). What they replace is
 *    kept in the history event, so nothing is lost; the message and source are not touched.
 * 3. One conditional write, the `use-details` transition: owner and attempt as read, each field
 *    still as read, and the history event naming the rep.
 */
export async function useResubmittedDetails(rep: Pick<RepProfile, 'id'>, leadId: string, resubmittedAt: string, deps: UseDetailsDeps): Promise<UseDetailsOutcome> {
  const lead = await deps.leads.get(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  if (lead.ownerId !== rep.id) throw new Forbidden('This is not your lead');
  if (!allows('use-details', lead.status)) throw new LeadStateConflict(`a ${lead.status.toLowerCase()} lead's details cannot be changed here`);
  const event = (await deps.leads.history(leadId)).find((e) => e.kind === 'resubmitted' && e.at === resubmittedAt);
  if (!event) return { kind: 'no-such-resubmission' };
  const offered = detailsOffered(lead, event);
  if (!offered) return { kind: 'nothing-new' };
  const { lead: updated } = await deps.leads.commit('use-details', {
    lead,
    at: deps.now(),
    actor: `rep:${rep.id}`,
    rep: { id: rep.id },
    contact: offered.changes,
    detail: { resubmittedAt, set: offered.changes, previous: replacedBy(lead, offered.changes) },
  });
  return { kind: 'used', lead: updated };
}
