/**
 * Headers of every HTML page (link confirmations, the portal). Pages carry a capability in the
 * URL or a session: never cached, never framed, no Referer, no scripts. Each response gets its
 * own copy, so a caller may add Set-Cookie or Location to it.
 */
export const htmlPageHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
});
