import type { Email } from '../adapters/mailer.ts';
import type { Lead } from '../domain/lead.ts';
import { html, type SafeHtml } from './html.ts';
import { leadDetailsHtml, leadDetailsText, leadTitle } from './lead-summary.ts';

const when = (iso: string) => new Date(iso).toUTCString();

/** Every email's frame: one readable column, the lead's details, and its id for support. */
function emailHtml(intro: SafeHtml, lead: Lead, actions: SafeHtml = html``): string {
  return html`<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:16px;color:#111;max-width:600px">
${intro}
<h2 style="font-size:20px">${leadTitle(lead)}</h2>
${leadDetailsHtml(lead)}
${actions}
<p style="color:#555;font-size:13px">Lead id ${lead.id}</p>
</body></html>`.value;
}

function emailText(intro: readonly string[], lead: Lead, actions: readonly string[] = []): string {
  return [...intro, '', leadTitle(lead), leadDetailsText(lead), '', ...actions, ...(actions.length ? [''] : []), `Lead id ${lead.id}`].join('\n');
}

const button = (href: string, label: string, color: string) =>
  html`<a href="${href}" style="display:inline-block;padding:12px 20px;margin:0 8px 8px 0;border-radius:6px;background:${color};color:#fff;text-decoration:none;font-weight:bold">${label}</a>`;

export interface OfferEmailInput {
  readonly lead: Lead;
  readonly rep: { readonly name: string; readonly email: string };
  readonly acceptUrl: string;
  readonly rejectUrl: string;
}

/** The email a rep gets when a lead is offered: who, what, by when, and two links. */
export function offerEmail({ lead, rep, acceptUrl, rejectUrl }: OfferEmailInput): Email {
  const title = leadTitle(lead);
  const product = lead.contact.product ? ` (${lead.contact.product})` : '';
  const subject = `New lead: ${title}${product}`;
  const deadline = when(lead.contactDeadline);
  const body = emailHtml(
    html`<p>Hi ${rep.name},</p>
<p>A new lead is yours if you want it. Please contact them before <strong>${deadline}</strong>.</p>`,
    lead,
    html`<p style="margin-top:24px">${button(acceptUrl, 'Accept lead', '#1a7f37')}${button(rejectUrl, 'Pass to someone else', '#57606a')}</p>
<p style="color:#555;font-size:13px">Each link opens a page where you confirm; nothing happens just by opening it.</p>`,
  );
  const text = emailText(
    [`Hi ${rep.name},`, '', `A new lead is yours if you want it. Please contact them before ${deadline}.`],
    lead,
    [`Accept: ${acceptUrl}`, `Pass to someone else: ${rejectUrl}`],
  );
  return { to: rep.email, subject, html: body, text };
}

export interface EscalationEmailInput {
  readonly lead: Lead;
  readonly managerEmail: string;
  readonly owner?: { readonly name: string; readonly email: string };
}

/** The email a team manager gets when a lead passed its contact deadline untouched. */
export function escalationEmail({ lead, managerEmail, owner }: EscalationEmailInput): Email {
  const title = leadTitle(lead);
  const status = owner ? `${lead.status.toLowerCase()} by ${owner.name} <${owner.email}>` : lead.status.toLowerCase();
  const subject = `Not contacted in time: ${title}`;
  const intro = `Nobody has contacted this lead, and its deadline (${when(lead.contactDeadline)}) has passed.`;
  const state = `Status: ${status}. Received ${when(lead.receivedAt)}.`;
  const body = emailHtml(html`<p>${intro}</p>\n<p>Status: <strong>${status}</strong>. Received ${when(lead.receivedAt)}.</p>`, lead);
  const text = emailText([intro, state], lead);
  return { to: managerEmail, subject, html: body, text };
}

/** The offer's accept window ran out: the rep hears that the lead went to a colleague. */
export function offerMovedEmail({ lead, rep }: { readonly lead: Lead; readonly rep: { readonly name: string; readonly email: string } }): Email {
  const subject = `Lead moved on: ${leadTitle(lead)}`;
  const intro = `Hi ${rep.name}, this lead was not accepted in time, so it has been offered to a colleague. Its links in the earlier email no longer work.`;
  return { to: rep.email, subject, html: emailHtml(html`<p>${intro}</p>`, lead), text: emailText([intro], lead) };
}

/** A cold lead handed to marketing: the details, and that no rep was asked. */
export function nurtureEmail({ lead, to }: { readonly lead: Lead; readonly to: string }): Email {
  const subject = `Lead for nurturing: ${leadTitle(lead)}`;
  const intro = `This lead scored as cold (score ${lead.score ?? 0}), so it comes to marketing instead of sales.`;
  const body = emailHtml(html`<p>${intro}</p>`, lead);
  const text = emailText([intro], lead);
  return { to, subject, html: body, text };
}

export interface QueuedEmailInput {
  readonly lead: Lead;
  readonly team: { readonly name: string; readonly managerEmail: string };
  /** How many reps were skipped for each reason. */
  readonly reasons: Readonly<Record<string, number>>;
}

/** Told once per lead: it waits in the team queue because nobody can take it right now. */
export function queuedEmail({ lead, team, reasons }: QueuedEmailInput): Email {
  const title = leadTitle(lead);
  const why = Object.entries(reasons).map(([reason, count]) => `${count} ${reason.replaceAll('-', ' ')}`);
  const whyText = why.length ? `Reps skipped: ${why.join(', ')}.` : 'The team has no reps.';
  const subject = `Waiting in the ${team.name} queue: ${title}`;
  const intro = `Nobody in ${team.name} can take this ${lead.tier ?? ''} lead right now, so it waits in the team queue, with any others that arrive in the next minutes. Queued leads are offered as soon as someone frees capacity.`;
  const body = emailHtml(html`<p>${intro}</p>\n<p>${whyText} Contact deadline: <strong>${when(lead.contactDeadline)}</strong>.</p>`, lead);
  const text = emailText([intro, `${whyText} Contact deadline: ${when(lead.contactDeadline)}.`], lead);
  return { to: team.managerEmail, subject, html: body, text };
}
