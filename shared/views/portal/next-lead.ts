import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Lead } from '../../domain/lead.ts';
import { html, type SafeHtml } from '../html.ts';
import { leadDetailsHtml, leadTitle } from '../lead-summary.ts';
import { csrfField, PORTAL_BASE, portalPage, type PortalUser } from './frame.ts';
import { contactLinks, when } from './lead-parts.ts';

/**
 * What a pull from the queue came to; `unavailable`: the rep has switched off new leads;
 * `unreachable`: lead email to their address bounces, so routing has paused them.
 */
export type NextLeadResult =
  | { readonly kind: 'claimed'; readonly lead: Lead }
  | { readonly kind: 'empty' }
  | { readonly kind: 'full' }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'unreachable'; readonly address: string };

const waiting = (queued: number): string =>
  queued <= 0 ? 'No leads are waiting in your team queue.' : queued === 1 ? 'One lead is waiting in your team queue.' : `${queued} leads are waiting in your team queue.`;

const nextForm = (csrf: string, label: string) =>
  html`<form method="post" action="${PORTAL_BASE}/next">${csrfField(csrf)}<button type="submit" class="big">${label}</button></form>`;

/** GET /portal/next offers the button; the POST's outcome comes back as `result`. */
export function nextLeadPage(input: PortalUser & { result?: NextLeadResult; queued: number }): APIGatewayProxyStructuredResultV2 {
  const { result, queued, csrf, rep } = input;
  const myLeads = html`<p><a href="${PORTAL_BASE}/leads">Go to My leads</a></p>`;
  let title: string;
  let body: SafeHtml;
  if (result === undefined) {
    title = 'Next lead';
    body = html`<p>${waiting(queued)}</p>${nextForm(csrf, 'Get the next lead')}<p class="hint">The most urgent waiting lead you can take becomes yours.</p>`;
  } else if (result.kind === 'claimed') {
    const { lead } = result;
    title = 'This lead is yours';
    body = html`<h2>${leadTitle(lead)}</h2>
<p>Please get in touch now. Contact them by <strong>${when(lead.contactDeadline, rep.timeZone)}</strong>.</p>
${contactLinks(lead)}
${leadDetailsHtml(lead)}
${myLeads}`;
  } else if (result.kind === 'empty') {
    title = 'The queue is empty';
    body = html`<p>No lead is waiting for you right now. New leads are still offered to you by email.</p>${myLeads}`;
  } else if (result.kind === 'full') {
    title = 'You are at your limit of open leads';
    body = html`<p>Close or pass on one of your open leads first, then get the next one.</p>${myLeads}`;
  } else if (result.kind === 'unreachable') {
    title = 'Lead emails to you bounce';
    body = html`<p>Email to <strong>${result.address}</strong> cannot be delivered, so no new leads come to you for now. Your manager has been told; once your address is fixed and you are imported again, leads come back.</p>${myLeads}`;
  } else {
    title = 'You are not taking new leads';
    body = html`<p>You are marked as not available. Switch on “Available for new leads” in <a href="${PORTAL_BASE}/profile">your profile</a> to get the next lead.</p>`;
  }
  return portalPage(200, title, html`<h1>${title}</h1>${body}`, { user: input, current: 'next' });
}
