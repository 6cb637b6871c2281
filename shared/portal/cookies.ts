import { parseCookie, stringifySetCookie, type Cookies } from 'cookie';
import { MAGIC_LINK_MINUTES, PRE_SESSION_COOKIE, SESSION_COOKIE, SESSION_HOURS } from './session.ts';

export type { Cookies } from 'cookie';

/**
 * Cookies as API Gateway v2 passes them: the Cookie header split at `;` into
 * `cookies: ["a=1", "b=2"]`. Of two with one name the first counts, as browsers send the
 * most specific path first.
 */
export function readCookies(cookies: readonly string[] | undefined): Cookies {
  return parseCookie((cookies ?? []).join('; '));
}

/** The portal's Set-Cookie values: HttpOnly, SameSite=Lax, scoped to /portal; Secure unless `secure` is off (a plain-http local stack). */
export function portalCookies(secure: boolean) {
  const setCookie = (name: string, value: string, maxAge: number) =>
    stringifySetCookie({ name, value, path: '/portal', httpOnly: true, sameSite: 'lax', secure, maxAge });
  return {
    session: (token: string) => setCookie(SESSION_COOKIE, token, SESSION_HOURS * 3600),
    preSession: (nonce: string) => setCookie(PRE_SESSION_COOKIE, nonce, MAGIC_LINK_MINUTES * 60 * 2),
    cleared: (name: string) => setCookie(name, '', 0),
  };
}

export type PortalCookies = ReturnType<typeof portalCookies>;
