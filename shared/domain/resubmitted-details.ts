import { contactFields, type Lead, type LeadContact } from './lead.ts';

/**
 * Contact details a resubmission brought that its lead does not hold. A public form's values
 * never enter a lead on their own (anyone may post someone else's address); the rep who holds
 * the lead sees them and may take them over.
 */

/**
 * What a rep may take from a resubmission: how to reach and place the person. The message stays
 * each post's own (the history and the owner's notice carry it), and the source stays where the
 * lead first came from.
 */
export const usableFields = contactFields.filter((field) => field !== 'message' && field !== 'source');
export type UsableField = (typeof usableFields)[number];

/** One history event as far as this needs it. */
export interface ResubmittedEvent {
  readonly at: string;
  readonly kind: string;
  readonly detail?: Record<string, unknown>;
}

export interface OfferedDetails {
  /** The resubmission's time, which names it in the lead's history. */
  readonly resubmittedAt: string;
  /** Values it brought that the lead lacks or holds otherwise. */
  readonly changes: Readonly<Partial<Record<UsableField, string>>>;
}

/** What the resubmission at `event` would change on the lead; nothing when it brought nothing new. */
export function detailsOffered(lead: Pick<Lead, 'contact'>, event: ResubmittedEvent): OfferedDetails | undefined {
  if (event.kind !== 'resubmitted') return undefined;
  const sent = event.detail?.contact;
  if (typeof sent !== 'object' || sent === null) return undefined;
  const changes: Partial<Record<UsableField, string>> = {};
  for (const field of usableFields) {
    const value = (sent as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '' && value !== lead.contact[field]) changes[field] = value;
  }
  return Object.keys(changes).length > 0 ? { resubmittedAt: event.at, changes } : undefined;
}

/** How many resubmissions a lead page offers at most: the newest, which a rep is likeliest to want. */
export const OFFERED_AT_MOST = 3;

/** The resubmissions in a lead's history (oldest first) whose details the rep could take over, newest first. */
export function offeredDetails(lead: Pick<Lead, 'contact'>, history: readonly ResubmittedEvent[]): OfferedDetails[] {
  const offered: OfferedDetails[] = [];
  for (const event of [...history].reverse()) {
    const details = detailsOffered(lead, event);
    if (details) offered.push(details);
    if (offered.length === OFFERED_AT_MOST) break;
  }
  return offered;
}

/** The values of the lead's contact that `changes` would replace (those it holds otherwise). */
export function replacedBy(lead: Pick<Lead, 'contact'>, changes: OfferedDetails['changes']): Partial<LeadContact> {
  return Object.fromEntries(Object.keys(changes).flatMap((field) => {
    const held = lead.contact[field as UsableField];
    return held === undefined ? [] : [[field, held]];
  }));
}
