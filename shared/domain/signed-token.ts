import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type * as z from '../zod.ts';
import { ExpiredLinkToken, InvalidLinkToken } from './errors.ts';

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** HMAC-SHA256 of `payload`: the one primitive behind links, sign-in links, sessions and CSRF tokens. */
export function mac(key: string, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/** `<payload>.<signature>`, both base64url: short enough for a link or a cookie, opaque to the reader. */
export function signToken(key: string, claims: object): string {
  const payload = b64(JSON.stringify(claims));
  return `${payload}.${b64(mac(key, payload))}`;
}

/** Constant-time comparison of a presented MAC with the expected one. */
export function sameMac(given: string, expected: Buffer): boolean {
  const bytes = Buffer.from(given, 'base64url');
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

/** Constant-time comparison of a presented secret (a key, a token) whatever the two lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Verifies the signature before reading anything from the payload, then the shape, then the
 * expiry (`exp`, epoch seconds). Throws `InvalidLinkToken` for anything forged, tampered or of
 * another kind, `ExpiredLinkToken` for an old token.
 */
export function verifyToken<S extends z.ZodMiniType<{ exp: number }>>(key: string, token: string, schema: S, now: Date): z.infer<S> {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new InvalidLinkToken('malformed token');
  const [payload, signature] = parts as [string, string];
  if (!sameMac(signature, mac(key, payload))) throw new InvalidLinkToken('signature does not match');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidLinkToken('unreadable payload', { cause: error });
  }
  const claims = schema.safeParse(decoded);
  if (!claims.success) throw new InvalidLinkToken('unexpected payload');
  if (claims.data.exp * 1000 <= now.getTime()) throw new ExpiredLinkToken('token expired');
  return claims.data;
}
