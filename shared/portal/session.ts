import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidLinkToken } from '../domain/errors.ts';
import { mac, sameMac, signToken, verifyToken } from '../domain/signed-token.ts';

/**
 * Portal sign-in without passwords: a signed, single-use, short-lived link by email, exchanged
 * for a signed session cookie. Sessions are stateless (nothing to look up per request); the
 * rep profile read on every page is what makes a deactivated rep lose access.
 */

export const MAGIC_LINK_MINUTES = 15;
export const SESSION_HOURS = 12;

export const SESSION_COOKIE = 'lr_session';
/** Holds the nonce of the forms shown before sign-in (double-submit CSRF). */
export const PRE_SESSION_COOKIE = 'lr_pre';

const MagicClaimsSchema = z.strictObject({
  p: z.literal('magic'),
  repId: z.string().min(1),
  /** One-time id: the sign-in consumes it with a conditional write. */
  jti: z.string().min(16),
  exp: z.number().int(),
});
export type MagicClaims = z.infer<typeof MagicClaimsSchema>;

const SessionClaimsSchema = z.strictObject({
  p: z.literal('session'),
  repId: z.string().min(1),
  /** Session id: the CSRF token of every form is derived from it. */
  sid: z.string().min(16),
  exp: z.number().int(),
});
export type SessionClaims = z.infer<typeof SessionClaimsSchema>;

const nonce = () => randomBytes(18).toString('base64url');
const epochSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

export function issueMagicLink(key: string, repId: string, now: Date): { token: string; claims: MagicClaims } {
  const claims: MagicClaims = { p: 'magic', repId, jti: nonce(), exp: epochSeconds(now) + MAGIC_LINK_MINUTES * 60 };
  return { token: signToken(key, claims), claims };
}

export const verifyMagicLink = (key: string, token: string, now: Date): MagicClaims => verifyToken(key, token, MagicClaimsSchema, now);

export function issueSession(key: string, repId: string, now: Date): { token: string; claims: SessionClaims } {
  const claims: SessionClaims = { p: 'session', repId, sid: nonce(), exp: epochSeconds(now) + SESSION_HOURS * 3600 };
  return { token: signToken(key, claims), claims };
}

export const verifySession = (key: string, token: string, now: Date): SessionClaims => verifyToken(key, token, SessionClaimsSchema, now);

/** A form token is the MAC of the secret its cookie carries: a session id, or a pre-session nonce. */
const csrfMac = (key: string, binding: { sid: string } | { nonce: string }) =>
  'sid' in binding ? mac(key, `csrf|session|${binding.sid}`) : mac(key, `csrf|pre|${binding.nonce}`);

/** The CSRF token of a signed-in session's forms: bound to the session, useless without its cookie. */
export const sessionCsrf = (key: string, session: Pick<SessionClaims, 'sid'>) => csrfMac(key, { sid: session.sid }).toString('base64url');

/** A fresh nonce for the pre-session cookie, and the CSRF token of forms shown with it. */
export function preSession(key: string): { nonce: string; csrf: string } {
  const value = nonce();
  return { nonce: value, csrf: preSessionCsrf(key, value) };
}

export const preSessionCsrf = (key: string, value: string) => csrfMac(key, { nonce: value }).toString('base64url');

/** Throws `InvalidLinkToken` (403) unless the form's token matches what the cookie-bound secret gives. */
export function checkCsrf(key: string, given: string | null | undefined, binding: { sid: string } | { nonce: string } | undefined): void {
  if (!given || !binding) throw new InvalidLinkToken('missing form token');
  if (!sameMac(given, csrfMac(key, binding))) throw new InvalidLinkToken('form token does not match');
}
