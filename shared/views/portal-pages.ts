import { readablePhone } from '../domain/normalize.ts';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { LeadStatus, type Lead } from '../domain/lead.ts';
import { allows, isHeld, type TransitionName } from '../domain/lifecycle.ts';
import { dayNames, hoursField, profileFormValues, type FieldError, type ProfileFormValues } from '../portal/profile-form.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { Weekdays } from '../routing/working-hours.ts';
import { html, SafeHtml } from './html.ts';
import { leadDetailsHtml, leadTitle } from './lead-summary.ts';
import { localTime } from './local-time.ts';
import { htmlPageHeaders } from './page-headers.ts';

/**
 * The rep portal: plain server-rendered pages a rep opens on a phone between calls. No
 * script at all (the CSP forbids it): every action is a small POST form carrying the CSRF
 * token, every value from a lead or rep goes through `html` escaping, and every page is
 * usable at 360px with 44px touch targets.
 */

/** The signed-in rep, and the CSRF token every POST form of their session carries. */
export interface PortalUser {
  readonly rep: RepProfile;
  readonly csrf: string;
}

export type Notice = { readonly kind: 'ok' | 'error'; readonly text: string };

/** Which nav entry a page belongs to, marked with aria-current. */
export type PortalSection = 'leads' | 'next' | 'profile' | 'team';

export const PORTAL_BASE = '/portal';

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
export const assignPath = (leadId: string): string => `${PORTAL_BASE}/team/leads/${encodeURIComponent(leadId)}/assign`;

/** Headers of every portal page (see `htmlPageHeaders`). */
export const portalHeaders = htmlPageHeaders;

const css = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:17px;line-height:1.5;color:#1f2328;background:#fff;overflow-wrap:anywhere}
.wrap{max-width:40rem;margin:0 auto;padding:0 16px}
.skip{position:absolute;left:8px;top:-200px;z-index:1;background:#fff;color:#0550ae;padding:10px 14px;border:2px solid #0550ae;border-radius:6px}
.skip:focus{top:8px}
header{background:#f6f8fa;border-bottom:1px solid #d0d7de}
.brand{margin:0;padding:12px 0 0;font-weight:700;font-size:1.1rem}
.who{margin:0;color:#57606a;font-size:.9rem}
nav ul{list-style:none;margin:0;padding:4px 0 8px;display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center}
nav li{margin:0}
nav a{display:inline-flex;align-items:center;min-height:44px;padding:0 10px;border-radius:6px}
nav a[aria-current="page"]{font-weight:700;background:#ddf4ff;color:#0a3069}
a{color:#0550ae;text-underline-offset:2px}
main{display:block;padding:16px 0 48px}
main:focus{outline:none}
h1{font-size:1.5rem;line-height:1.25;margin:.4em 0 .6em}
h2{font-size:1.2rem;line-height:1.3;margin:1.2em 0 .4em}
:focus-visible{outline:3px solid #0550ae;outline-offset:2px}
button,.button{font:inherit;font-weight:600;display:inline-flex;align-items:center;justify-content:center;min-height:44px;min-width:44px;padding:8px 18px;margin:4px 8px 4px 0;border-radius:8px;border:2px solid transparent;background:#1a7f37;color:#fff;text-decoration:none;cursor:pointer;text-align:center}
button.big,.button.big{width:100%;min-height:56px;font-size:1.15rem;margin:8px 0}
button.secondary,.button.secondary{background:#fff;color:#1f2328;border-color:#57606a}
button.quiet{background:transparent;color:#0550ae;border:1px solid #0550ae;font-weight:500;padding:4px 12px;margin:0}
form{margin:0}
form.inline{display:inline-block}
.actions{margin:8px 0 4px}
label{display:block;font-weight:600;margin:16px 0 4px}
label.check{display:flex;align-items:center;gap:12px;min-height:44px;margin:8px 0}
input[type=checkbox]{width:24px;height:24px;margin:0;flex:none;accent-color:#1a7f37}
input:not([type=checkbox]):not([type=hidden]),select{font:inherit;width:100%;min-height:44px;padding:8px 10px;border:1px solid #6e7781;border-radius:6px;background:#fff;color:#1f2328}
[aria-invalid="true"]{border:2px solid #b42318!important}
.hint{margin:2px 0 4px;color:#57606a;font-size:.9rem}
.field-error{margin:4px 0;color:#b42318;font-weight:600}
fieldset{border:1px solid #d0d7de;border-radius:8px;margin:20px 0;padding:4px 12px 12px;min-width:0}
legend{font-weight:700;padding:0 4px}
.notice{padding:12px 14px;border-radius:8px;margin:12px 0;border:2px solid}
.notice.ok{background:#dafbe1;border-color:#1a7f37;color:#0f3d1f}
.notice.error{background:#ffebe9;border-color:#b42318;color:#5c0f0a}
.notice h2{margin:0 0 4px;font-size:1.05rem}
.notice ul{margin:4px 0;padding-left:1.2em}
.notice a{color:#5c0f0a}
.lead{border:1px solid #d0d7de;border-radius:8px;padding:4px 14px 10px;margin:12px 0}
.lead h2{margin-top:.5em}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:8px 0}
dt{color:#57606a}
dd{margin:0}
.overdue{color:#b42318;font-weight:700;white-space:nowrap}
.word{white-space:nowrap}
.contact{margin:8px 0}
.table-wrap{overflow-x:auto;margin:8px 0 16px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:6px 8px 6px 0}
thead th{color:#57606a;font-size:.9rem;border-bottom:2px solid #d0d7de;overflow-wrap:normal}
tbody tr.last td,tbody tr.last th{border-bottom:1px solid #d0d7de}
tr.assign td{padding:0 0 8px}
.assign-form{display:flex;flex-wrap:wrap;align-items:flex-end;gap:0 8px}
.assign-form div{flex:1 1 12rem}
.assign-form label{margin:4px 0}
.vh{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0}`;

export interface PageOptions {
  /** The signed-in rep: shows the navigation and the sign-out form. */
  readonly user?: PortalUser;
  readonly current?: PortalSection;
}

const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

function navigation(user: PortalUser, current: PortalSection | undefined): SafeHtml {
  const entries: [PortalSection, string, string][] = [
    ['leads', 'My leads', `${PORTAL_BASE}/leads`],
    ['next', 'Next lead', `${PORTAL_BASE}/next`],
    ['profile', 'Profile', `${PORTAL_BASE}/profile`],
  ];
  if (user.rep.role === 'manager') entries.push(['team', 'Team', `${PORTAL_BASE}/team`]);
  return html`<p class="who">Signed in as ${user.rep.name}</p>
<nav aria-label="Portal"><ul>${entries.map(
    ([key, label, href]) => html`<li><a href="${href}"${key === current ? html` aria-current="page"` : html``}>${label}</a></li>`,
  )}<li><form method="post" action="${PORTAL_BASE}/sign-out">${csrfField(user.csrf)}<button type="submit" class="quiet">Sign out</button></form></li></ul></nav>`;
}

/**
 * The portal's frame around a page body: header (with navigation when signed in), one
 * `<main>`, the security headers. Exported for callers that need a page of their own.
 */
export function portalPage(status: number, title: string, body: SafeHtml, options: PageOptions = {}): APIGatewayProxyResultV2 {
  const { user, current } = options;
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${title} – Lead portal</title><style>${new SafeHtml(css)}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><div class="wrap"><p class="brand">Lead portal</p>${user ? navigation(user, current) : html``}</div></header>
<main id="main" tabindex="-1"><div class="wrap">${body}</div></main>
</body></html>`;
  return { statusCode: status, headers: { ...portalHeaders }, body: doc.value };
}

function noticeHtml(notice: Notice | undefined): SafeHtml {
  if (notice === undefined) return html``;
  return notice.kind === 'ok'
    ? html`<div class="notice ok" role="status"><p>${notice.text}</p></div>`
    : html`<div class="notice error" role="alert"><p>${notice.text}</p></div>`;
}

/** An instant on the reader's clock; an unreadable one shows as a dash instead of failing the page. */
function when(iso: string | undefined, timeZone: string): string {
  if (iso === undefined || Number.isNaN(Date.parse(iso))) return '—';
  return localTime(iso, timeZone);
}

const isPast = (iso: string, now: Date): boolean => Date.parse(iso) < now.getTime();

/** A phone number as a tel: URL: digits and a leading plus only. */
const telHref = (phone: string): string => `tel:${phone.replace(/[^\d+]/g, '')}`;
/** An address as a mailto: URL, encoded so it cannot smuggle in ?cc= or &body= parameters. */
const mailtoHref = (email: string): string => `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}`;

function contactLinks(lead: Lead): SafeHtml {
  const { phone, email } = lead.contact;
  if (!phone && !email) return html``;
  return html`<p class="contact">${phone ? html`<a class="button" href="${telHref(phone)}">Call ${readablePhone(phone)}</a>` : html``}${
    email ? html`<a class="button secondary" href="${mailtoHref(email)}">Email ${email}</a>` : html``
  }</p>`;
}

// ---------------------------------------------------------------------------------------------
// Signing in

export function signInPage(input: { csrf: string; error?: string }): APIGatewayProxyResultV2 {
  const { csrf, error } = input;
  const invalid = error !== undefined && error !== '';
  return portalPage(
    invalid ? 400 : 200,
    'Sign in',
    html`<h1>Sign in</h1>
<p>Enter your work email address. We will email you a link that signs you in.</p>
<form method="post" action="${PORTAL_BASE}/sign-in">${csrfField(csrf)}
<label for="email">Work email</label>
${invalid ? html`<p class="field-error" id="email-error">${error}</p>` : html``}
<input type="email" id="email" name="email" autocomplete="email" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254"${
      invalid ? html` aria-invalid="true" aria-describedby="email-error"` : html``
    }>
<button type="submit" class="big">Email me a sign-in link</button>
</form>`,
  );
}

/** Shown after any sign-in request, known address or not, so the page tells nobody who is a rep. */
export function checkEmailPage(): APIGatewayProxyResultV2 {
  return portalPage(
    200,
    'Check your email',
    html`<h1>Check your email</h1>
<p>If that address belongs to a rep, a sign-in link is on its way. Open it on this device; it works once and expires soon.</p>
<p><a href="${PORTAL_BASE}/sign-in">Send another link</a></p>`,
  );
}

/**
 * What opening a sign-in link shows. Mail scanners open links, so opening it does nothing:
 * the button posts back to the same URL (no action attribute), and only that signs in.
 */
export function magicLinkPage(input: { csrf: string }): APIGatewayProxyResultV2 {
  return portalPage(
    200,
    'Sign in to the lead portal',
    html`<h1>Sign in to the lead portal</h1>
<p>Press the button to finish signing in on this device.</p>
<form method="post">${csrfField(input.csrf)}<button type="submit" class="big">Sign in</button></form>`,
  );
}

// ---------------------------------------------------------------------------------------------
// My leads


const statusWords: Record<LeadStatus, string> = {
  RECEIVED: 'Received, being routed',
  OFFERED: 'Offered to you: accept it or pass it on',
  ACCEPTED: 'Accepted, not contacted yet',
  CONTACTED: 'Contacted',
  QUEUED: 'Waiting in the team queue',
  NURTURE: 'Handed to marketing',
  CLOSED: 'Closed',
};

/** A status as a manager reads it about someone else's lead. */
const teamStatusWords: Record<LeadStatus, string> = {
  ...statusWords,
  OFFERED: 'Offered, not accepted yet',
};

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

function deadlineHtml(lead: Lead, timeZone: string, now: Date): SafeHtml {
  const overdue = lead.status !== LeadStatus.contacted && isPast(lead.contactDeadline, now);
  return html`${when(lead.contactDeadline, timeZone)}${overdue ? html` <strong class="overdue">overdue</strong>` : html``}`;
}

function leadCard(lead: Lead, index: number, user: PortalUser, now: Date): SafeHtml {
  const { rep, csrf } = user;
  const id = `lead-${index}`;
  return html`<article class="lead" aria-labelledby="${id}">
<h2 id="${id}">${leadTitle(lead)}</h2>
<dl>
<dt>Status</dt><dd>${statusWords[lead.status]}</dd>
${lead.contact.product ? html`<dt>Product</dt><dd>${lead.contact.product}</dd>` : html``}
${lead.tier ? html`<dt>Tier</dt><dd>${lead.tier}</dd>` : html``}
${
  lead.status === LeadStatus.contacted
    ? html`<dt>Contacted</dt><dd>${when(lead.contactedAt, rep.timeZone)}</dd>`
    : html`<dt>Contact by</dt><dd>${deadlineHtml(lead, rep.timeZone, now)}</dd>`
}
</dl>
${contactLinks(lead)}
<div class="actions">${leadActionsFor(lead.status).map((action) => actionForm(lead, action, csrf))}</div>
</article>`;
}

/**
 * GET /portal/leads: the rep's open leads, each with its contact links and the buttons its
 * status allows. Leads still to contact come first, the nearest deadline first; contacted ones
 * (nothing due any more) after them.
 */
export function myLeadsPage(input: PortalUser & { leads: readonly Lead[]; now: Date; notice?: Notice }): APIGatewayProxyResultV2 {
  const { leads, now, notice } = input;
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
      : html`<p>${open.length === 1 ? 'One open lead.' : `${open.length} open leads.`}</p>${open.map((lead, i) => leadCard(lead, i, input, now))}`;
  return portalPage(200, 'My leads', html`<h1>My leads</h1>${noticeHtml(notice)}${body}`, { user: input, current: 'leads' });
}

// ---------------------------------------------------------------------------------------------
// Next lead

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
export function nextLeadPage(input: PortalUser & { result?: NextLeadResult; queued: number }): APIGatewayProxyResultV2 {
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

// ---------------------------------------------------------------------------------------------
// Profile

interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly hint?: string;
  /** Id of a hint shared by several fields (the working-hours note). */
  readonly sharedHint?: string;
}

/** Form field name → the id of its input, e.g. 'hours-tue' → 'f-hours-tue'. */
const fieldId = (name: string): string => `f-${name}`;

interface FieldState {
  readonly errorsByField: ReadonlyMap<string, readonly string[]>;
}

/** The label, hint and error message of one input, and the attributes tying them to it. */
function fieldParts(spec: FieldSpec, state: FieldState): { before: SafeHtml; attrs: SafeHtml } {
  const id = fieldId(spec.name);
  const messages = state.errorsByField.get(spec.name) ?? [];
  const describedBy = [spec.sharedHint, spec.hint ? `${id}-hint` : undefined, messages.length > 0 ? `${id}-error` : undefined].filter(
    (value): value is string => value !== undefined,
  );
  const before = html`<label for="${id}">${spec.label}</label>${spec.hint ? html`<p class="hint" id="${id}-hint">${spec.hint}</p>` : html``}${
    messages.length > 0 ? html`<p class="field-error" id="${id}-error">${messages.join(' ')}</p>` : html``
  }`;
  const attrs = html` id="${id}" name="${spec.name}"${messages.length > 0 ? html` aria-invalid="true"` : html``}${
    describedBy.length > 0 ? html` aria-describedby="${describedBy.join(' ')}"` : html``
  }`;
  return { before, attrs };
}

function textField(spec: FieldSpec, value: string, state: FieldState, extra: SafeHtml = html``): SafeHtml {
  const { before, attrs } = fieldParts(spec, state);
  return html`${before}<input type="text"${attrs} value="${value}" autocomplete="off"${extra}>`;
}

const fieldOrder = [
  'active',
  'capacity',
  'outOfOfficeUntil',
  'products',
  'languages',
  'countries',
  'regions',
  'postalPrefixes',
  'timeZone',
  ...Weekdays.map(hoursField),
];

function errorSummary(errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  const rank = (field: string) => {
    const i = fieldOrder.indexOf(field);
    return i < 0 ? fieldOrder.length : i;
  };
  const sorted = [...errors].sort((a, b) => rank(a.field) - rank(b.field));
  const count = errors.length === 1 ? 'one problem' : `${errors.length} problems`;
  return html`<div class="notice error" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">Please fix ${count}</h2>
<ul>${sorted.map((error) =>
    fieldOrder.includes(error.field)
      ? html`<li><a href="#${fieldId(error.field)}">${error.message}</a></li>`
      : html`<li>${error.message}</li>`,
  )}</ul></div>`;
}

/** GET/POST /portal/profile: the rep's own settings. 400 while `errors` has entries. */
export function profilePage(
  input: PortalUser & { values?: ProfileFormValues; errors?: readonly FieldError[]; saved?: boolean; timeZones: readonly string[] },
): APIGatewayProxyResultV2 {
  const { rep, csrf, saved, timeZones } = input;
  const errors = input.errors ?? [];
  const values = input.values ?? profileFormValues(rep);
  const errorsByField = new Map<string, string[]>();
  for (const error of errors) errorsByField.set(error.field, [...(errorsByField.get(error.field) ?? []), error.message]);
  const state: FieldState = { errorsByField };

  const activeId = fieldId('active');
  const capacity = fieldParts(
    { name: 'capacity', label: 'Most open leads at once', hint: 'Leads you have been offered or accepted but not contacted yet. 0 to 100.' },
    state,
  );
  const away = fieldParts(
    { name: 'outOfOfficeUntil', label: 'Away until (last day away)', hint: 'You get no new leads through the end of this day. Leave empty when you are not away.' },
    state,
  );
  const zone = fieldParts({ name: 'timeZone', label: 'Time zone', hint: 'Your working hours and all times in the portal use this zone.' }, state);
  const zones = timeZones.includes(values.timeZone) || values.timeZone === '' ? timeZones : [values.timeZone, ...timeZones];

  const activeError = errorsByField.get('active');
  const body = html`<h1>Your profile</h1>
${saved && errors.length === 0 ? html`<div class="notice ok" role="status"><p>Your profile is saved.</p></div>` : html``}
${errorSummary(errors)}
<p class="hint">${rep.name} · ${rep.email}</p>
<form method="post" action="${PORTAL_BASE}/profile" novalidate>${csrfField(csrf)}
<fieldset><legend>Availability</legend>
${activeError ? html`<p class="field-error" id="${activeId}-error">${activeError.join(' ')}</p>` : html``}
<label class="check" for="${activeId}"><input type="checkbox" id="${activeId}" name="active" value="on"${values.active ? html` checked` : html``}${
    activeError ? html` aria-invalid="true" aria-describedby="${activeId}-error"` : html``
  }> Available for new leads</label>
${capacity.before}<input type="number"${capacity.attrs} value="${values.capacity}" min="0" max="100" step="1" inputmode="numeric">
${away.before}<input type="date"${away.attrs} value="${values.outOfOfficeUntil}">
</fieldset>
<fieldset><legend>What you handle</legend>
${textField({ name: 'products', label: 'Products', hint: 'Separate with commas, e.g. solar, battery. Empty: all products.' }, values.products, state)}
${textField({ name: 'languages', label: 'Languages', hint: 'Two-letter codes, e.g. de, en. Empty: any language.' }, values.languages, state, html` autocapitalize="off"`)}
</fieldset>
<fieldset><legend>Territory</legend>
<p class="hint">Empty: anywhere. Regions and postal prefixes apply within your countries.</p>
${textField({ name: 'countries', label: 'Countries', hint: 'Two-letter codes, e.g. DE, AT.' }, values.countries, state, html` autocapitalize="characters"`)}
${textField({ name: 'regions', label: 'Regions', hint: 'e.g. Bavaria, Tyrol' }, values.regions, state)}
${textField({ name: 'postalPrefixes', label: 'Postal code prefixes', hint: 'e.g. 80, 81, 1010' }, values.postalPrefixes, state)}
</fieldset>
<fieldset><legend>Working hours</legend>
${zone.before}<select${zone.attrs}>${zones.map((z) => html`<option value="${z}"${z === values.timeZone ? html` selected` : html``}>${z}</option>`)}</select>
<p class="hint" id="hours-hint">Shifts like 09:00-12:00, 13:00-17:00. An empty day is a day off; an end before the start runs past midnight. Leave every day empty to be available at any time.</p>
${Weekdays.map((day) => textField({ name: hoursField(day), label: dayNames[day], sharedHint: 'hours-hint' }, values.hours[day], state))}
</fieldset>
<button type="submit" class="big">Save profile</button>
</form>`;
  return portalPage(errors.length > 0 ? 400 : 200, errors.length > 0 ? 'Please fix your profile' : 'Your profile', body, {
    user: input,
    current: 'profile',
  });
}

// ---------------------------------------------------------------------------------------------
// Team

/** Out of office now: the same test routing applies. */
const isAway = (rep: RepProfile, now: Date): boolean => rep.outOfOfficeUntil !== undefined && now.getTime() < Date.parse(rep.outOfOfficeUntil);

function availability(member: RepProfile, now: Date, timeZone: string): string {
  if (!member.active) return 'No, switched off';
  if (isAway(member, now)) return `No, away until ${when(member.outOfOfficeUntil, timeZone)}`;
  return 'Yes';
}

function assignRow(lead: Lead, id: string, members: readonly RepProfile[], csrf: string, columns: number): SafeHtml {
  return html`<tr class="assign last"><td colspan="${columns}"><form class="assign-form" method="post" action="${assignPath(lead.id)}">${csrfField(csrf)}<div><label for="${id}">Assign to<span class="vh"> (${leadTitle(lead)})</span></label><select id="${id}" name="repId" required><option value="">Choose a rep</option>${members.map(
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
): APIGatewayProxyResultV2 {
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

// ---------------------------------------------------------------------------------------------
// Errors

const errorTitles: Record<number, string> = {
  400: 'That did not work',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'That changed meanwhile',
  410: 'This link has expired',
  429: 'Too many tries',
};

/** An error in the portal's frame, without navigation (the session may be the problem). */
export function portalErrorPage(status: number, message: string): APIGatewayProxyResultV2 {
  const title = errorTitles[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work');
  return portalPage(
    status,
    title,
    html`<h1>${title}</h1><p>${message}</p><p><a href="${PORTAL_BASE}/leads">Go to My leads</a></p>`,
  );
}
