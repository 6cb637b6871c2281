import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Lead } from '../domain/lead.ts';
import type { LinkAction } from '../domain/link-token.ts';
import { readablePhone } from '../domain/normalize.ts';
import { html, SafeHtml } from './html.ts';
import { leadDetailsHtml, leadTitle } from './lead-summary.ts';
import { localTime } from './local-time.ts';
import { htmlPageHeaders } from './page-headers.ts';

const style = `body{font-family:system-ui,sans-serif;font-size:17px;line-height:1.45;color:#111;margin:0;padding:16px;max-width:640px}
h1{font-size:1.4rem;margin:.2em 0 .6em}button,.button{font:inherit;font-weight:600;padding:12px 20px;border-radius:8px;border:0;color:#fff;background:#1a7f37;cursor:pointer;text-decoration:none;display:inline-block;min-width:44px;min-height:44px;box-sizing:border-box;margin:0 8px 8px 0}
button.secondary{background:#57606a}label{display:block;margin:12px 0 4px}textarea{width:100%;box-sizing:border-box;font:inherit}.note{color:#555;font-size:.9rem}
th{text-align:left;font-weight:normal;color:#555;padding:4px 12px 4px 0;vertical-align:top}td{padding:4px 0;white-space:pre-wrap;word-break:break-word}`;


export function page(status: number, title: string, body: SafeHtml): APIGatewayProxyStructuredResultV2 {
  const doc = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${new SafeHtml(style)}</style></head><body><main>${body}</main></body></html>`;
  return { statusCode: status, headers: { ...htmlPageHeaders }, body: doc.value };
}

const verbs: Record<LinkAction, { question: string; button: string; done: string }> = {
  accept: { question: 'Accept this lead?', button: 'Accept lead', done: 'Lead accepted' },
  reject: { question: 'Pass this lead to someone else?', button: 'Pass it on', done: 'Lead passed on' },
  contacted: { question: 'Have you contacted this lead?', button: 'Yes, I contacted them', done: 'Marked as contacted' },
  won: { question: 'Close this lead as won?', button: 'Won', done: 'Closed as won' },
  lost: { question: 'Close this lead as lost?', button: 'Lost', done: 'Closed as lost' },
  claim: { question: 'Claim this lead?', button: 'Claim lead', done: 'Lead claimed' },
};

/**
 * What opening a link shows. Mail scanners open every link, some run scripts, so the page only
 * asks; the action happens on the button's POST, never on load.
 */
export function confirmPage(action: LinkAction, lead: Lead, timeZone?: string): APIGatewayProxyResultV2 {
  const verb = verbs[action];
  const reason =
    action === 'reject'
      ? html`<label for="reason">Reason (optional)</label><textarea id="reason" name="reason" rows="2" maxlength="500"></textarea>`
      : html``;
  return page(
    200,
    verb.question,
    html`<h1>${verb.question}</h1><h2>${leadTitle(lead)}</h2>${leadDetailsHtml(lead)}
<p class="note">Contact deadline: ${localTime(lead.contactDeadline, timeZone)}</p>
<form method="post">${reason}<p><button type="submit"${action === 'reject' ? html` class="secondary"` : html``}>${verb.button}</button></p></form>`,
  );
}

export interface DoneLinks {
  /** Relative URL of the "contacted" link for the same offer, shown after accepting. */
  readonly contacted?: string;
  /** Relative URLs of the close links, shown once the lead is accepted or contacted. */
  readonly won?: string;
  readonly lost?: string;
}

const closeButtons = (links: DoneLinks) =>
  links.won && links.lost
    ? html`<p>When it is decided:</p><form method="post" action="${links.won}" style="display:inline"><button type="submit">Won</button></form>
<form method="post" action="${links.lost}" style="display:inline"><button type="submit" class="secondary">Lost</button></form>`
    : html``;

export function donePage(action: LinkAction, lead: Lead, links: DoneLinks = {}): APIGatewayProxyResultV2 {
  const { contact } = lead;
  const next =
    action === 'accept' || action === 'claim'
      ? html`<p>Please get in touch now:
${contact.phone ? html`<a class="button" href="tel:${contact.phone.replace(/[^\d+]/g, '')}">Call ${readablePhone(contact.phone)}</a> ` : html``}${contact.email ? html`<a class="button" href="mailto:${contact.email}">Email ${contact.email}</a>` : html``}</p>
${links.contacted ? html`<form method="post" action="${links.contacted}"><p><button type="submit" class="secondary">I contacted them</button></p></form>` : html``}${closeButtons(links)}`
      : action === 'reject'
        ? html`<p>Thanks. The lead goes to the next available colleague.</p>`
        : action === 'contacted'
          ? html`<p>Thanks. No escalation will be sent for this lead.</p>${closeButtons(links)}`
          : html`<p>Thanks. Your slot is free for the next lead.</p>`;
  return page(200, verbs[action].done, html`<h1>${verbs[action].done}</h1><h2>${leadTitle(lead)}</h2>${next}`);
}

const staleReasons: Partial<Record<Lead['status'], string>> = {
  ACCEPTED: 'It has already been accepted.',
  CONTACTED: 'It has already been contacted.',
  CLOSED: 'It has already been closed.',
  RECEIVED: 'It is being offered to someone else.',
  QUEUED: 'It is waiting in the team queue.',
};

/** The link was genuine but the lead moved on; say what happened instead of an error. */
export function stalePage(lead: Lead, repId: string, action?: LinkAction): APIGatewayProxyResultV2 {
  const yours = lead.ownerId === repId;
  const why =
    action === 'claim'
      ? yours
        ? 'You have claimed it already: it is yours.'
        : 'A colleague claimed it first, or it has been assigned meanwhile.'
      : yours
        ? (staleReasons[lead.status] ?? 'Nothing more to do from this link.')
        : 'It has moved on to a colleague, so this link no longer applies.';
  return page(409, 'This link is no longer active', html`<h1>This link is no longer active</h1><h2>${leadTitle(lead)}</h2><p>${why}</p>`);
}

/** A claim the rep has no room for: say why, so they can close a lead and try again. */
export function fullPage(lead: Lead): APIGatewayProxyResultV2 {
  return page(
    409,
    'You cannot take another lead right now',
    html`<h1>You cannot take another lead right now</h1><h2>${leadTitle(lead)}</h2><p>You are at your limit of open leads for now (or marked unavailable). Close or pass on a lead, then use the link again if the lead is still open.</p>`,
  );
}

const errorTitles: Record<number, string> = {
  403: 'This link is not valid',
  404: 'This lead no longer exists',
  410: 'This link has expired',
};

/** A link of a rep an admin switched off (403): say so plainly, it is not a broken link. */
export function switchedOffPage(): APIGatewayProxyResultV2 {
  return page(
    403,
    'Your account is switched off',
    html`<h1>Your account is switched off</h1><p>An admin switched your account off, so this link no longer works and you get no new leads. Ask your manager if this is a mistake.</p>`,
  );
}

export function errorPage(status: number): APIGatewayProxyResultV2 {
  const title = errorTitles[status] ?? (status >= 500 ? 'Something went wrong' : 'This request could not be handled');
  const hint = status >= 500 ? 'Please try again in a moment.' : 'Please use the latest email about this lead, or ask your manager.';
  return page(status, title, html`<h1>${title}</h1><p>${hint}</p>`);
}
