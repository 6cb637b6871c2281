/**
 * Headers of the HTML pages (link confirmations, the portal). Pages carry a capability in the
 * URL or a session: never cached, never framed, no Referer, no scripts.
 */
const pageSecurity = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

const contentSecurityPolicy = (styleSrc: string) =>
  `default-src 'none'; style-src ${styleSrc}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

/**
 * Every link confirmation page's headers, styles inline. Each response gets its own copy, so a
 * caller may add Set-Cookie or Location to it.
 */
export const htmlPageHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  ...pageSecurity,
  'content-security-policy': contentSecurityPolicy("'unsafe-inline'"),
});

/**
 * What the portal's middleware sets on each of its responses (pages, redirects, error pages,
 * the stylesheet) unless the response sets its own. Styles come from the portal's own
 * stylesheet ('self'); inline style attributes stay allowed for the lead details table it
 * shares with the emails.
 */
export const portalSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  ...pageSecurity,
  'content-security-policy': contentSecurityPolicy("'self' 'unsafe-inline'"),
});
