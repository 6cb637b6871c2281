import { randomBytes } from 'node:crypto';
import * as z from '../zod.ts';
import { InvalidLinkToken } from '../domain/errors.ts';
import { mac, sameMac, signToken, verifyToken } from '../domain/signed-token.ts';

/**
 * Portal sign-in without passwords: a signed, single-use, short-lived link by email, exchanged
 * for a signed session cookie. Both carry the rep's session version at the time they were
 * issued. The session middleware reads the rep on every request and lets a session through only
 * while the rep exists, is not switched off by an admin, and still has that version: signing out
 * and being switched off bump it, which ends every session and sign-in link issued before.
 */

export const MAGIC_LINK_MINUTES = 15;
export const SESSION_HOURS = 12;

export const SESSION_COOKIE = 'lr_session';
/** Holds the nonce of the forms shown before sign-in (double-submit CSRF). */
export const PRE_SESSION_COOKIE = 'lr_pre';

/** The rep's session version a link or session was issued at. */
const VersionSchema = z.number().check(z.int(), z.minimum(0));

const MagicClaimsSchema = z.strictObject({
  p: z.literal('magic'),
  repId: z.string().check(z.minLength(1)),
  v: VersionSchema,
  /** One-time id: the sign-in consumes it with a conditional write. */
  jti: z.string().check(z.minLength(16)),
  exp: z.number().check(z.int()),
});
export type MagicClaims = z.infer<typeof MagicClaimsSchema>;

const SessionClaimsSchema = z.strictObject({
  p: z.literal('session'),
  repId: z.string().check(z.minLength(1)),
  v: VersionSchema,
  /** Session id: the CSRF token of every form is derived from it. */
  sid: z.string().check(z.minLength(16)),
  exp: z.number().check(z.int()),
});
export type SessionClaims = z.infer<typeof SessionClaimsSchema>;

const nonce = () => randomBytes(18).toString('base64url');
const epochSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

/** The rep's current session version: how many times all their sessions were ended. */
export const sessionVersionOf = (rep: { readonly sessionVersion?: number | undefined }): number => rep.sessionVersion ?? 0;

/** Whether a session or sign-in link was issued at the rep's current session version. */
export const isCurrentFor = (claims: { readonly v: number }, rep: { readonly sessionVersion?: number | undefined }): boolean =>
  claims.v === sessionVersionOf(rep);

/** `version`: the rep's session version now (`sessionVersionOf`); 0 for a rep whose sessions were never ended. */
export function issueMagicLink(key: string, repId: string, now: Date, version = 0): { token: string; claims: MagicClaims } {
  const claims: MagicClaims = { p: 'magic', repId, v: version, jti: nonce(), exp: epochSeconds(now) + MAGIC_LINK_MINUTES * 60 };
  return { token: signToken(key, claims), claims };
}

export const verifyMagicLink = (key: string, token: string, now: Date): MagicClaims => verifyToken(key, token, MagicClaimsSchema, now);

/** `version`: as for `issueMagicLink`; a session of an older version is refused by the session middleware. */
export function issueSession(key: string, repId: string, now: Date, version = 0): { token: string; claims: SessionClaims } {
  const claims: SessionClaims = { p: 'session', repId, v: version, sid: nonce(), exp: epochSeconds(now) + SESSION_HOURS * 3600 };
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
