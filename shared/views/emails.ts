import type { Email } from '../adapters/mailer.ts';
import type { LeadEvent } from '../adapters/lead-store.ts';
import type { Lead } from '../domain/lead.ts';
import type { RepProfile, Unreachable } from '../routing/eligibility.ts';
import { html, type SafeHtml } from './html.ts';
import { leadDetailsHtml, leadDetailsText, leadTitle } from './lead-summary.ts';
import { localTime } from './local-time.ts';

/** Who reads an email: their name, address, and the zone their deadlines are shown in. */
export interface Reader {
  readonly name: string;
  readonly email: string;
  /** IANA zone; absent: UTC. */
  readonly timeZone?: string;
}

/** Every email's frame: one readable column, the lead's details, and its id for support. */
function emailHtml(intro: SafeHtml, lead: Lead, actions: SafeHtml = html``, after: SafeHtml = html``): string {
  return html`<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:16px;color:#111;max-width:600px">
${intro}
<h2 style="font-size:20px">${leadTitle(lead)}</h2>
${leadDetailsHtml(lead)}
${actions}
${after}
<p style="color:#555;font-size:13px">Lead id ${lead.id}</p>
</body></html>`.value;
}

function emailText(intro: readonly string[], lead: Lead, actions: readonly string[] = [], after: readonly string[] = []): string {
  return [
    ...intro,
    '',
    leadTitle(lead),
    leadDetailsText(lead),
    '',
    ...actions,
    ...(actions.length ? [''] : []),
    ...after,
    ...(after.length ? [''] : []),
    `Lead id ${lead.id}`,
  ].join('\n');
}

const button = (href: string, label: string, color: string) =>
  html`<a href="${href}" style="display:inline-block;padding:12px 20px;margin:0 8px 8px 0;border-radius:6px;background:${color};color:#fff;text-decoration:none;font-weight:bold">${label}</a>`;

const linkNote = html`<p style="color:#555;font-size:13px">Each link opens a page where you confirm; nothing happens just by opening it.</p>`;

/** "Grace Hopper (solar, hot)": the lead with the product and tier a reader triages by, for subjects. */
export function leadSubject(lead: Pick<Lead, 'contact' | 'tier'>): string {
  const tags = [lead.contact.product, lead.tier].filter(Boolean);
  return `${leadTitle(lead)}${tags.length ? ` (${tags.join(', ')})` : ''}`;
}

export interface OfferEmailInput {
  readonly lead: Lead;
  readonly rep: Reader;
  readonly acceptUrl: string;
  readonly rejectUrl: string;
  /** Until when the rep may accept before the lead moves on. */
  readonly acceptDeadline?: string;
}

/** The email a rep gets when a lead is offered: who, what, by when (on their clock), and two links. */
export function offerEmail({ lead, rep, acceptUrl, rejectUrl, acceptDeadline }: OfferEmailInput): Email {
  // The tier first: a phone's notification shows only the start of a subject.
  const subject = `New ${lead.tier ? `${lead.tier} ` : ''}lead: ${leadTitle(lead)}${lead.contact.product ? ` (${lead.contact.product})` : ''}`;
  const deadline = localTime(lead.contactDeadline, rep.timeZone);
  const acceptBy = acceptDeadline ? ` Accept it by ${localTime(acceptDeadline, rep.timeZone)} or it goes to a colleague.` : '';
  const body = emailHtml(
    html`<p>Hi ${rep.name},</p>
<p>A new lead is yours if you want it. Please contact them before <strong>${deadline}</strong>.${acceptBy}</p>`,
    lead,
    html`<p style="margin-top:24px">${button(acceptUrl, 'Accept lead', '#1a7f37')}${button(rejectUrl, 'Pass to someone else', '#57606a')}</p>
${linkNote}`,
  );
  const text = emailText(
    [`Hi ${rep.name},`, '', `A new lead is yours if you want it. Please contact them before ${deadline}.${acceptBy}`],
    lead,
    [`Accept: ${acceptUrl}`, `Pass to someone else: ${rejectUrl}`],
  );
  return { to: rep.email, subject, html: body, text };
}

export interface ReminderEmailInput {
  readonly lead: Lead;
  readonly rep: Reader;
  /** Accept link while the lead is still only offered. */
  readonly acceptUrl?: string;
  readonly contactedUrl: string;
}

/** Shortly before the contact deadline, the owner hears that the lead is still waiting for their call. */
export function reminderEmail({ lead, rep, acceptUrl, contactedUrl }: ReminderEmailInput): Email {
  const deadline = localTime(lead.contactDeadline, rep.timeZone);
  const subject = `Reminder: contact ${leadSubject(lead)} by ${deadline}`;
  const intro = `Hi ${rep.name}, this lead is still waiting for your call. Please contact them before ${deadline}, or your manager will be told.`;
  const actions = acceptUrl
    ? html`${button(acceptUrl, 'Accept lead', '#1a7f37')}${button(contactedUrl, 'I contacted them', '#57606a')}`
    : button(contactedUrl, 'I contacted them', '#1a7f37');
  const body = emailHtml(html`<p>${intro}</p>`, lead, html`<p style="margin-top:24px">${actions}</p>${linkNote}`);
  const text = emailText([intro], lead, [...(acceptUrl ? [`Accept: ${acceptUrl}`] : []), `I contacted them: ${contactedUrl}`]);
  return { to: rep.email, subject, html: body, text };
}

/** One history event as a manager reads it: when, what, who, state change, why. */
function historyRow(event: LeadEvent, timeZone: string | undefined): [string, string, string, string, string] {
  const detail = event.detail ?? {};
  const repId = typeof detail.repId === 'string' ? detail.repId : undefined;
  const who = event.actor === 'router' && repId ? `router, to ${repId}` : event.actor.replace(/^rep:/, '');
  const change = event.from ? `${event.from} → ${event.to ?? event.from}` : event.to ? `→ ${event.to}` : '';
  const explanation = Array.isArray(detail.explanation) ? detail.explanation.filter((line) => typeof line === 'string') : [];
  const why = typeof detail.reason === 'string' ? detail.reason : (explanation.at(-1) ?? '');
  return [localTime(event.at, timeZone), event.kind.replaceAll('-', ' '), who, change, why];
}

export interface EscalationEmailInput {
  readonly lead: Lead;
  readonly managerEmail: string;
  readonly owner?: Reader;
  /** The lead's history, oldest first. */
  readonly history?: readonly LeadEvent[];
  /** `reassigned`: the owner lost the lead to the next rep; `kept`: it stays with them. */
  readonly outcome?: 'kept' | 'reassigned';
  /** The team's zone for the times shown; absent: UTC. */
  readonly timeZone?: string;
}

/** The email a team manager gets when a lead passed its contact deadline untouched, with its whole story. */
export function escalationEmail({ lead, managerEmail, owner, history = [], outcome = 'kept', timeZone }: EscalationEmailInput): Email {
  const at = (iso: string) => localTime(iso, timeZone);
  const status = owner ? `${lead.status.toLowerCase()} by ${owner.name} <${owner.email}>` : lead.status.toLowerCase();
  const subject = `Not contacted in time: ${leadSubject(lead)}`;
  const intro = `Nobody has contacted this lead, and its deadline (${at(lead.contactDeadline)}) has passed.`;
  const state = `Status: ${status}. Received ${at(lead.receivedAt)}.`;
  const next =
    outcome === 'reassigned' && owner
      ? `It has been taken from ${owner.name} and is being offered to the next available rep, with a fresh deadline.`
      : owner
        ? `It stays with ${owner.name}. Please follow up with them.`
        : 'Nobody holds it. Please assign it by hand.';
  const rows = history.map((event) => historyRow(event, timeZone));
  const historyHtml = rows.length
    ? html`<h3 style="font-size:17px;margin-top:24px">History</h3>
<table style="border-collapse:collapse;font-size:14px"><tr>${['When', 'What', 'Who', 'State', 'Why'].map((h) => html`<th align="left" style="padding:4px 10px 4px 0;color:#555;font-weight:normal">${h}</th>`)}</tr>
${rows.map((row) => html`<tr>${row.map((cell) => html`<td style="padding:4px 10px 4px 0;vertical-align:top">${cell}</td>`)}</tr>`)}</table>`
    : html``;
  const historyText = rows.length ? ['History:', ...rows.map((row) => `- ${row.filter(Boolean).join(' | ')}`)] : [];
  const body = emailHtml(html`<p>${intro}</p>\n<p>Status: <strong>${status}</strong>. Received ${at(lead.receivedAt)}.</p>\n<p>${next}</p>`, lead, html``, historyHtml);
  const text = emailText([intro, state, next], lead, [], historyText);
  return { to: managerEmail, subject, html: body, text };
}

export interface OfferMovedEmailInput {
  readonly lead: Lead;
  readonly rep: Reader;
  /** `expired`: not accepted in time; `reassigned`: not contacted by the deadline; `manager`: assigned by hand. */
  readonly why?: 'expired' | 'reassigned' | 'manager';
}

/** The lead left the rep (accept window or contact deadline passed): they hear it went to a colleague. */
export function offerMovedEmail({ lead, rep, why = 'expired' }: OfferMovedEmailInput): Email {
  const subject = `Lead moved on: ${leadSubject(lead)}`;
  const what = { expired: 'was not accepted in time, so it', reassigned: 'was not contacted by its deadline, so it', manager: 'has been reassigned by your manager: it' }[why];
  const intro = `Hi ${rep.name}, this lead ${what} has been offered to a colleague. Its links in the earlier emails no longer work.`;
  return { to: rep.email, subject, html: emailHtml(html`<p>${intro}</p>`, lead), text: emailText([intro], lead) };
}

export interface OpenToTeamEmailInput {
  readonly lead: Lead;
  readonly rep: Reader;
  readonly teamName: string;
  readonly claimUrl: string;
}

/** Everyone it was offered to passed: any rep of the team who could take it may claim it, first come first served. */
export function openToTeamEmail({ lead, rep, teamName, claimUrl }: OpenToTeamEmailInput): Email {
  const subject = `Open to ${teamName}: ${leadSubject(lead)}`;
  const deadline = localTime(lead.contactDeadline, rep.timeZone);
  const intro = `Hi ${rep.name}, every rep this lead was offered to has passed, so it is open to the whole team. The first to claim it gets it. It should be contacted before ${deadline}.`;
  const body = emailHtml(html`<p>${intro}</p>`, lead, html`<p style="margin-top:24px">${button(claimUrl, 'Claim lead', '#1a7f37')}</p>${linkNote}`);
  return { to: rep.email, subject, html: body, text: emailText([intro], lead, [`Claim: ${claimUrl}`]) };
}

/** A cold lead handed to marketing: the details, and that no rep was asked. */
export function nurtureEmail({ lead, to }: { readonly lead: Lead; readonly to: string }): Email {
  const subject = `Lead for nurturing: ${leadSubject(lead)}`;
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
  /** The team's zone for the deadline shown; absent: UTC. */
  readonly timeZone?: string;
  /** Whether the team's reps were also invited to claim it. */
  readonly openedToTeam?: boolean;
}

/** Told once per cool-down: a lead waits in the team queue because nobody can take it right now. */
export function queuedEmail({ lead, team, reasons, timeZone, openedToTeam = false }: QueuedEmailInput): Email {
  const why = Object.entries(reasons).map(([reason, count]) => `${count} ${reason.replaceAll('-', ' ')}`);
  const whyText = why.length ? `Reps skipped: ${why.join(', ')}.` : 'The team has no reps.';
  const subject = `Waiting in the ${team.name} queue: ${leadSubject(lead)}`;
  const opened = openedToTeam ? ' Every rep who could take it has passed, so the team has been invited to claim it.' : '';
  const intro = `Nobody in ${team.name} can take this ${lead.tier ?? ''} lead right now, so it waits in the team queue, with any others that arrive in the next minutes. Queued leads are offered as soon as someone frees capacity.${opened}`;
  const deadline = localTime(lead.contactDeadline, timeZone);
  const body = emailHtml(html`<p>${intro}</p>\n<p>${whyText} Contact deadline: <strong>${deadline}</strong>.</p>`, lead);
  const text = emailText([intro, `${whyText} Contact deadline: ${deadline}.`], lead);
  return { to: team.managerEmail, subject, html: body, text };
}

/** The portal's sign-in link. It only opens a page with a button: mail scanners open links too. */
export function signInEmail({ rep, url }: { readonly rep: Reader; readonly url: string }): Email {
  const subject = 'Your sign-in link for the lead portal';
  const intro = `Hi ${rep.name}, use this link within 15 minutes to sign in to the lead portal. It works once. If you did not ask for it, ignore this email.`;
  const body = html`<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:16px;color:#111;max-width:600px">
<p>${intro}</p>
<p style="margin-top:24px">${button(url, 'Sign in', '#1a7f37')}</p>
</body></html>`.value;
  return { to: rep.email, subject, html: body, text: [intro, '', `Sign in: ${url}`].join('\n') };
}

export interface ResubmittedEmailInput {
  readonly lead: Lead;
  readonly rep: Reader;
  /** Resubmissions the owner has not been told about yet. */
  readonly count: number;
  /** Since when they came: the owner's last notice, or when the lead came to them. */
  readonly since: string;
  /** The newest of them, oldest first: when each came, and what the person wrote, if anything. */
  readonly latest: readonly { readonly at: string; readonly message?: string }[];
}

/**
 * The lead's form was sent again while the rep holds it: the rep hears it at most once an hour,
 * with how many times and what was written. Whoever sent it knew the person's email or phone;
 * the lead's details are as the rep has them (a public form's values never replace them).
 */
export function resubmittedEmail({ lead, rep, count, since, latest }: ResubmittedEmailInput): Email {
  const subject = count === 1 ? `Got in touch again: ${leadSubject(lead)}` : `Got in touch again, ${count} times: ${leadSubject(lead)}`;
  const last = latest.at(-1)?.at ?? since;
  const intro =
    count === 1
      ? `Hi ${rep.name}, your lead's form was sent again at ${localTime(last, rep.timeZone)}. It is the same lead, still yours.`
      : `Hi ${rep.name}, ${count} new messages since ${localTime(since, rep.timeZone)}: your lead's form was sent again, the last time at ${localTime(last, rep.timeZone)}. It is the same lead, still yours.`;
  const written = latest.filter((entry) => entry.message);
  const earlier = count > latest.length ? `${count - latest.length} earlier ${count - latest.length === 1 ? 'one is' : 'ones are'} in the lead's history.` : undefined;
  const said = written.length
    ? html`<p>They wrote:</p>${written.map(
        (entry) => html`${written.length > 1 ? html`<p style="color:#555;font-size:13px">${localTime(entry.at, rep.timeZone)}</p>` : html``}<blockquote style="white-space:pre-wrap">${entry.message}</blockquote>`,
      )}`
    : html``;
  const saidText = written.length ? ['', 'They wrote:', ...written.flatMap((entry) => (written.length > 1 ? [`${localTime(entry.at, rep.timeZone)}:`, entry.message!] : [entry.message!]))] : [];
  return {
    to: rep.email,
    subject,
    html: emailHtml(html`<p>${intro}</p>${said}${earlier ? html`<p>${earlier}</p>` : html``}`, lead),
    text: emailText([intro, ...saidText, ...(earlier ? ['', earlier] : [])], lead),
  };
}

export interface UnreachableRepEmailInput {
  readonly rep: Pick<RepProfile, 'id' | 'name' | 'capacity'>;
  readonly team: { readonly id: string; readonly name: string; readonly managerEmail: string };
  readonly mark: Pick<Unreachable, 'reason' | 'address' | 'subType' | 'diagnostic' | 'since'>;
  /** Leads that were offered to the rep, taken back and offered to colleagues. */
  readonly takenBack?: readonly Pick<Lead, 'id' | 'contact' | 'tier'>[];
  /** The team's zone for the time shown; absent: UTC. */
  readonly timeZone?: string;
}

/** A cell of the sample CSV row, quoted when it has to be (a comma in a name). */
const csvCell = (value: string | number) => (/[",\r\n]/.test(String(value)) ? `"${String(value).replaceAll('"', '""')}"` : String(value));

/**
 * SES reported a permanent bounce or a complaint for a rep's address: the manager hears which
 * rep, which address and why, that the rep is out of routing, and how to put them back.
 */
export function unreachableRepEmail({ rep, team, mark, takenBack = [], timeZone }: UnreachableRepEmailInput): Email {
  const bounce = mark.reason === 'bounce';
  const subject = bounce
    ? `Lead emails to ${rep.name} bounce: no new leads for them until the address is fixed`
    : `${rep.name} reported a lead email as spam: no new leads for them until this is sorted out`;
  const when = localTime(mark.since, timeZone);
  const intro = bounce
    ? `Lead emails to ${rep.name} (rep ${rep.id}, ${team.name}) at ${mark.address} cannot be delivered: the receiving mail server refused them for good (permanent bounce${mark.subType ? `, ${mark.subType}` : ''}) on ${when}.`
    : `A lead email to ${rep.name} (rep ${rep.id}, ${team.name}) at ${mark.address} was reported as spam from that mailbox (complaint${mark.subType ? `: ${mark.subType}` : ''}) on ${when}. Amazon SES stops mailing an address that complains.`;
  const said = bounce && mark.diagnostic ? `The server said: ${mark.diagnostic}` : undefined;
  const effect = `Until this is fixed, ${rep.name} gets no new lead offers, no invitations to claim leads, and cannot take leads from the team queue.`;
  const moved = takenBack.length
    ? `${takenBack.length === 1 ? 'One lead that was' : `${takenBack.length} leads that were`} offered to ${rep.name} (who never saw the email) ${takenBack.length === 1 ? 'has' : 'have'} been taken back and offered to colleagues:`
    : undefined;
  const find = bounce
    ? `Find the right address for ${rep.name}: a typo, or a mailbox that was renamed or deleted?`
    : `Ask ${rep.name} whether they marked the lead email as spam by mistake, or whether their mail filter did.`;
  const sample = [
    'id,name,email,team,capacity',
    [rep.id, rep.name, bounce ? 'the.corrected@address' : mark.address, team.id, rep.capacity].map(csvCell).join(','),
  ];
  const reimport = `Import the rep again with their id (${rep.id}) and the right address. That puts them back into routing; their other settings stay as they are. For example, a file reps.csv with:`;
  const command = 'npm run admin -- import-reps reps.csv';
  const sameAddress = bounce
    ? 'If the address was right after all (the mailbox has been repaired), first ask whoever runs the AWS account to remove it from the Amazon SES account suppression list, then import the rep again with the same address.'
    : 'Amazon SES keeps an address that complained on the account suppression list: ask whoever runs the AWS account to remove it, then import the rep again with the same address.';

  const leadItems = takenBack.map((lead) => html`<li>${leadSubject(lead)} <span style="color:#555">(lead ${lead.id})</span></li>`);
  const body = html`<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:16px;color:#111;max-width:600px">
<p>${intro}</p>
${said ? html`<p style="color:#555">${said}</p>` : html``}
<p><strong>${effect}</strong></p>
${moved ? html`<p>${moved}</p><ul>${leadItems}</ul>` : html``}
<h2 style="font-size:18px">What to do</h2>
<ol>
<li>${find}</li>
<li>${reimport}<pre style="background:#f6f8fa;padding:8px">${sample.join('\n')}</pre>then run <code>${command}</code>.</li>
<li>${sameAddress}</li>
</ol>
</body></html>`.value;
  const text = [
    intro,
    ...(said ? ['', said] : []),
    '',
    effect,
    ...(moved ? ['', moved, ...takenBack.map((lead) => `- ${leadSubject(lead)} (lead ${lead.id})`)] : []),
    '',
    'What to do:',
    `1. ${find}`,
    `2. ${reimport}`,
    '',
    ...sample.map((line) => `   ${line}`),
    '',
    `   then run: ${command}`,
    `3. ${sameAddress}`,
  ].join('\n');
  return { to: team.managerEmail, subject, html: body, text };
}
