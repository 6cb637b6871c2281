import { LeadStatus, type Lead } from '../../domain/lead.ts';
import { flagRow, openFlags } from '../../domain/lead-quality.ts';
import { readablePhone } from '../../domain/normalize.ts';
import { html, type SafeHtml } from '../html.ts';
import { localTime } from '../local-time.ts';

/** Pieces of a lead that several portal pages show the same way. */

/** An instant on the reader's clock; an unreadable one shows as a dash instead of failing the page. */
export function when(iso: string | undefined, timeZone: string): string {
  if (iso === undefined || Number.isNaN(Date.parse(iso))) return '—';
  return localTime(iso, timeZone);
}

const isPast = (iso: string, now: Date): boolean => Date.parse(iso) < now.getTime();

/** A phone number as a tel: URL: digits and a leading plus only. */
const telHref = (phone: string): string => `tel:${phone.replace(/[^\d+]/g, '')}`;
/** An address as a mailto: URL, encoded so it cannot smuggle in ?cc= or &body= parameters. */
const mailtoHref = (email: string): string => `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}`;

export function contactLinks(lead: Lead): SafeHtml {
  const { phone, email } = lead.contact;
  if (!phone && !email) return html``;
  return html`<p class="contact">${phone ? html`<a class="button" href="${telHref(phone)}">Call ${readablePhone(phone)}</a>` : html``}${
    email ? html`<a class="button secondary" href="${mailtoHref(email)}">Email ${email}</a>` : html``
  }</p>`;
}

/**
 * What the lead's sender sent malformed ("Phone as given: 555-0100, not a valid number"), as
 * rows of a lead's details: the rep checks these before calling.
 */
export function flagRowsHtml(lead: Lead): SafeHtml {
  return html`${openFlags(lead).map((flag) => {
    const [label, value] = flagRow(flag);
    return html`<dt class="flagged">${label}</dt><dd class="flagged">${value}</dd>`;
  })}`;
}

/** A status as the lead's owner reads it. */
export const statusWords: Record<LeadStatus, string> = {
  RECEIVED: 'Received, being routed',
  OFFERED: 'Offered to you: accept it or pass it on',
  ACCEPTED: 'Accepted, not contacted yet',
  CONTACTED: 'Contacted',
  QUEUED: 'Waiting in the team queue',
  NURTURE: 'Handed to marketing',
  CLOSED: 'Closed',
};

/** The contact deadline on the reader's clock, marked overdue once past (unless already contacted). */
export function deadlineHtml(lead: Lead, timeZone: string, now: Date): SafeHtml {
  const overdue = lead.status !== LeadStatus.contacted && isPast(lead.contactDeadline, now);
  return html`${when(lead.contactDeadline, timeZone)}${overdue ? html` <strong class="overdue">overdue</strong>` : html``}`;
}
