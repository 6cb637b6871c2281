import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Lead, LeadStatus } from '../../domain/lead.ts';
import type { RepProfile } from '../../routing/eligibility.ts';
import { html, type SafeHtml } from '../html.ts';
import { leadTitle } from '../lead-summary.ts';
import { portalErrorPage } from './error.ts';
import { csrfField, noticeHtml, PORTAL_BASE, portalPage, type Notice, type PortalUser } from './frame.ts';
import { deadlineHtml, statusWords, when } from './lead-parts.ts';

export const assignPath = (leadId: string): string => `${PORTAL_BASE}/team/leads/${encodeURIComponent(leadId)}/assign`;

/** A status as a manager reads it about someone else's lead. */
const teamStatusWords: Record<LeadStatus, string> = {
  ...statusWords,
  OFFERED: 'Offered, not accepted yet',
};

/** Out of office now: the same test routing applies. */
const isAway = (rep: RepProfile, now: Date): boolean => rep.outOfOfficeUntil !== undefined && now.getTime() < Date.parse(rep.outOfOfficeUntil);

function availability(member: RepProfile, now: Date, timeZone: string): string {
  if (member.disabled === true) return 'No, switched off by an admin';
  if (!member.active) return 'No, switched off';
  if (isAway(member, now)) return `No, away until ${when(member.outOfOfficeUntil, timeZone)}`;
  return 'Yes';
}

function assignRow(lead: Lead, id: string, members: readonly RepProfile[], csrf: string, columns: number): SafeHtml {
  // A rep an admin switched off cannot be assigned a lead: not offered as a choice.
  return html`<tr class="assign last"><td colspan="${columns}"><form class="assign-form" method="post" action="${assignPath(lead.id)}">${csrfField(csrf)}<div><label for="${id}">Assign to<span class="vh"> (${leadTitle(lead)})</span></label><select id="${id}" name="repId" required><option value="">Choose a rep</option>${members.filter((member) => member.disabled !== true).map(
    (member) =>
      html`<option value="${member.id}">${member.name} (${member.openLeads}/${member.capacity}${member.active ? '' : ', off'})</option>`,
  )}</select></div><button type="submit">Assign<span class="vh"> ${leadTitle(lead)}</span></button></form></td></tr>`;
}

/** GET /portal/team, for managers: who can take leads, what waits, what is late, and reassigning by hand. */
export function teamPage(
  input: PortalUser & {
    teamName: string;
    members: readonly RepProfile[];
    queue: readonly Lead[];
    overdue: readonly Lead[];
    now: Date;
    notice?: Notice;
  },
): APIGatewayProxyStructuredResultV2 {
  const { rep, csrf, teamName, members, queue, overdue, now, notice } = input;
  // The route checks the role too; a rep never sees the team's leads even if it does not.
  if (rep.role !== 'manager') return portalErrorPage(403, 'This page is for team managers');
  const tz = rep.timeZone;
  const names = new Map(members.map((member) => [member.id, member.name]));

  const membersTable =
    members.length === 0
      ? html`<p>No members.</p>`
      : html`<div class="table-wrap" role="region" aria-labelledby="members-title" tabindex="0"><table aria-labelledby="members-title">
<thead><tr><th scope="col">Name</th><th scope="col">Available</th><th scope="col">Open leads</th></tr></thead>
<tbody>${members.map(
          (member) =>
            html`<tr class="last"><th scope="row">${member.name}</th><td>${availability(member, now, tz)}</td><td>${member.openLeads} / ${member.capacity}</td></tr>`,
        )}</tbody></table></div>`;

  const queueTable =
    queue.length === 0
      ? html`<p>No leads are waiting.</p>`
      : html`<div class="table-wrap" role="region" aria-labelledby="queue-title" tabindex="0"><table aria-labelledby="queue-title">
<thead><tr><th scope="col">Lead</th><th scope="col">Tier</th><th scope="col">Waiting since</th><th scope="col">Deadline</th></tr></thead>
<tbody>${queue.map(
          (lead, i) =>
            html`<tr><th scope="row">${leadTitle(lead)}</th><td class="word">${lead.tier ?? '—'}</td><td>${when(lead.receivedAt, tz)}</td><td>${deadlineHtml(lead, tz, now)}</td></tr>
${assignRow(lead, `assign-queue-${i}`, members, csrf, 4)}`,
        )}</tbody></table></div>`;

  const overdueTable =
    overdue.length === 0
      ? html`<p>No overdue leads.</p>`
      : html`<div class="table-wrap" role="region" aria-labelledby="overdue-title" tabindex="0"><table aria-labelledby="overdue-title">
<thead><tr><th scope="col">Lead</th><th scope="col">Status</th><th scope="col">Owner</th><th scope="col">Deadline</th></tr></thead>
<tbody>${overdue.map(
          (lead, i) =>
            html`<tr><th scope="row">${leadTitle(lead)}</th><td>${teamStatusWords[lead.status]}</td><td>${
              lead.ownerId === undefined ? 'Nobody' : (names.get(lead.ownerId) ?? 'Not in this team')
            }</td><td>${deadlineHtml(lead, tz, now)}</td></tr>
${assignRow(lead, `assign-overdue-${i}`, members, csrf, 4)}`,
        )}</tbody></table></div>`;

  return portalPage(
    200,
    `Team ${teamName}`,
    html`<h1>Team ${teamName}</h1>${noticeHtml(notice)}
<h2 id="members-title">Members</h2>${membersTable}
<h2 id="queue-title">Queue (${queue.length})</h2>${queueTable}
<h2 id="overdue-title">Overdue (${overdue.length})</h2>${overdueTable}`,
    { user: input, current: 'team' },
  );
}
