import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LeadStatus, type Lead } from '../../domain/lead.ts';
import { fieldLabels } from '../../domain/lead-quality.ts';
import { allows, isHeld, type TransitionName } from '../../domain/lifecycle.ts';
import { readablePhone } from '../../domain/normalize.ts';
import type { OfferedDetails } from '../../domain/resubmitted-details.ts';
import { html, type SafeHtml } from '../html.ts';
import { leadTitle } from '../lead-summary.ts';
import { csrfField, noticeHtml, PORTAL_BASE, portalPage, type Notice, type PortalUser } from './frame.ts';
import { contactLinks, deadlineHtml, flagRowsHtml, statusWords, when } from './lead-parts.ts';

/** What a rep can do with one of their open leads; each is a POST to `leadActionPath`. */
export const LeadActions = ['accept', 'contacted', 'won', 'lost', 'release'] as const;
export type LeadAction = (typeof LeadActions)[number];

/** The lifecycle transition behind each portal action. */
const transitionOfAction: Record<LeadAction, TransitionName> = { accept: 'accept', release: 'release', contacted: 'contacted', won: 'close', lost: 'close' };

/** The actions the portal offers for a lead in this status: those the lifecycle table allows from it. */
export function leadActionsFor(status: LeadStatus): readonly LeadAction[] {
  return LeadActions.filter((action) => allows(transitionOfAction[action], status));
}

export const leadActionPath = (leadId: string, action: LeadAction): string =>
  `${PORTAL_BASE}/leads/${encodeURIComponent(leadId)}/${action}`;

const actionButtons: Record<LeadAction, { label: string; style: string }> = {
  accept: { label: 'Accept', style: '' },
  release: { label: 'Pass it on', style: 'secondary' },
  contacted: { label: 'I contacted them', style: '' },
  won: { label: 'Won', style: '' },
  lost: { label: 'Lost', style: 'secondary' },
};

function actionForm(lead: Lead, action: LeadAction, csrf: string): SafeHtml {
  const button = actionButtons[action];
  return html`<form class="inline" method="post" action="${leadActionPath(lead.id, action)}">${csrfField(csrf)}<button type="submit"${
    button.style ? html` class="${button.style}"` : html``
  }>${button.label}<span class="vh">: ${leadTitle(lead)}</span></button></form>`;
}

/** Where the owner takes a resubmission's details into the lead. */
export const useDetailsPath = (leadId: string, resubmittedAt: string): string =>
  `${PORTAL_BASE}/leads/${encodeURIComponent(leadId)}/resubmissions/${encodeURIComponent(resubmittedAt)}/use`;

/**
 * Details the form brought when it was sent again, which the lead does not hold: shown to its
 * owner with a button to take them over (they never enter the lead on their own).
 */
function offeredDetailsHtml(lead: Lead, offered: readonly OfferedDetails[], user: PortalUser): SafeHtml {
  if (offered.length === 0) return html``;
  return html`<section class="resubmitted"><h3>Sent again with other details</h3>${offered.map(
    (details) => html`<p>On ${when(details.resubmittedAt, user.rep.timeZone)}:</p>
<dl>${Object.entries(details.changes).map(
      ([field, value]) => html`<dt>${fieldLabels[field] ?? field}</dt><dd>${field === 'phone' ? readablePhone(value) : value}</dd>`,
    )}</dl>
<form class="inline" method="post" action="${useDetailsPath(lead.id, details.resubmittedAt)}">${csrfField(user.csrf)}<button type="submit" class="secondary">Use these details<span class="vh">: ${leadTitle(lead)}</span></button></form>`,
  )}</section>`;
}

function leadCard(lead: Lead, index: number, user: PortalUser, now: Date, offered: readonly OfferedDetails[] = []): SafeHtml {
  const { rep, csrf } = user;
  const id = `lead-${index}`;
  return html`<article class="lead" aria-labelledby="${id}">
<h2 id="${id}">${leadTitle(lead)}</h2>
<dl>
<dt>Status</dt><dd>${statusWords[lead.status]}</dd>
${lead.contact.product ? html`<dt>Product</dt><dd>${lead.contact.product}</dd>` : html``}
${lead.tier ? html`<dt>Tier</dt><dd>${lead.tier}</dd>` : html``}
${flagRowsHtml(lead)}
${
  lead.status === LeadStatus.contacted
    ? html`<dt>Contacted</dt><dd>${when(lead.contactedAt, rep.timeZone)}</dd>`
    : html`<dt>Contact by</dt><dd>${deadlineHtml(lead, rep.timeZone, now)}</dd>`
}
</dl>
${contactLinks(lead)}
<div class="actions">${leadActionsFor(lead.status).map((action) => actionForm(lead, action, csrf))}</div>
${offeredDetailsHtml(lead, offered, user)}
</article>`;
}

/**
 * GET /portal/leads: the rep's open leads, each with its contact links, the buttons its status
 * allows, and the details a resubmission brought that the lead does not hold. Leads still to
 * contact come first, the nearest deadline first; contacted ones (nothing due any more) after them.
 */
export function myLeadsPage(
  input: PortalUser & { leads: readonly Lead[]; now: Date; notice?: Notice; offered?: ReadonlyMap<string, readonly OfferedDetails[]> },
): APIGatewayProxyStructuredResultV2 {
  const { leads, now, notice, offered } = input;
  const open = leads
    .filter((lead) => isHeld(lead.status))
    .sort(
      (a, b) =>
        Number(a.status === LeadStatus.contacted) - Number(b.status === LeadStatus.contacted) ||
        Date.parse(a.contactDeadline) - Date.parse(b.contactDeadline),
    );
  const body =
    open.length === 0
      ? html`<p>No open leads.</p><p><a class="button" href="${PORTAL_BASE}/next">Get the next lead</a></p>`
      : html`<p>${open.length === 1 ? 'One open lead.' : `${open.length} open leads.`}</p>${open.map((lead, i) => leadCard(lead, i, input, now, offered?.get(lead.id)))}`;
  return portalPage(200, 'My leads', html`<h1>My leads</h1>${noticeHtml(notice)}${body}`, { user: input, current: 'leads' });
}
