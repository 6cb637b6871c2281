import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RepProfile } from '../../routing/eligibility.ts';
import { html, type SafeHtml } from '../html.ts';
import { stylesheetHref } from './stylesheet.ts';

/**
 * The rep portal: plain server-rendered pages a rep opens on a phone between calls. No
 * script at all (the CSP forbids it): every action is a small POST form carrying the CSRF
 * token, every value from a lead or rep goes through `html` escaping, and every page is
 * usable at 360px with 44px touch targets. The security headers are the handler's, set on
 * every response by one middleware; a page sets only its content type.
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

export interface PageOptions {
  /** The signed-in rep: shows the navigation and the sign-out form. */
  readonly user?: PortalUser;
  readonly current?: PortalSection;
}

export const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

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
 * The portal's frame around a page body: the stylesheet, a header (with navigation when
 * signed in), one `<main>`. Exported for callers that need a page of their own.
 */
export function portalPage(status: number, title: string, body: SafeHtml, options: PageOptions = {}): APIGatewayProxyStructuredResultV2 {
  const { user, current } = options;
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${title} – Lead portal</title><link rel="stylesheet" href="${stylesheetHref}"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><div class="wrap"><p class="brand">Lead portal</p>${user ? navigation(user, current) : html``}</div></header>
<main id="main" tabindex="-1"><div class="wrap">${body}</div></main>
</body></html>`;
  return { statusCode: status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: doc.value };
}

export function noticeHtml(notice: Notice | undefined): SafeHtml {
  if (notice === undefined) return html``;
  return notice.kind === 'ok'
    ? html`<div class="notice ok" role="status"><p>${notice.text}</p></div>`
    : html`<div class="notice error" role="alert"><p>${notice.text}</p></div>`;
}
