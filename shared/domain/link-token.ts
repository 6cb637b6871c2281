import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ExpiredLinkToken, InvalidLinkToken } from './errors.ts';

/** `claim` takes a lead opened to the whole team out of its queue; the others act on one offer. */
export const LinkActions = ['accept', 'reject', 'contacted', 'won', 'lost', 'claim'] as const;
export type LinkAction = (typeof LinkActions)[number];

/** What a link in an offer email lets its holder do: one action, on one offer, until it expires. */
export const LinkClaimsSchema = z.object({
  v: z.literal(1),
  leadId: z.string().min(1),
  repId: z.string().min(1),
  attempt: z.number().int().positive(),
  action: z.enum(LinkActions),
  /** Expiry, epoch seconds. */
  exp: z.number().int(),
});
export type LinkClaims = z.infer<typeof LinkClaimsSchema>;

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function mac(key: string, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/** `<payload>.<signature>`, both base64url: short enough for an email link, opaque to the reader. */
export function signLink(key: string, claims: LinkClaims): string {
  const payload = b64(JSON.stringify(claims));
  return `${payload}.${b64(mac(key, payload))}`;
}

/**
 * Verifies the signature before reading anything from the payload, then the expiry.
 * Throws `InvalidLinkToken` for anything forged or tampered, `ExpiredLinkToken` for an old link.
 */
export function verifyLink(key: string, token: string, now: Date): LinkClaims {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new InvalidLinkToken('malformed link');
  const [payload, signature] = parts as [string, string];
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidLinkToken('signature does not match');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidLinkToken('unreadable payload', { cause: error });
  }
  const claims = LinkClaimsSchema.safeParse(decoded);
  if (!claims.success) throw new InvalidLinkToken('unexpected payload');
  if (claims.data.exp * 1000 <= now.getTime()) throw new ExpiredLinkToken('link expired');
  return claims.data;
}

/** Builds the signed URL of one action on one lead attempt for one rep, valid for `ttlHours`. */
export function actionLinkBuilder(key: string, publicBaseUrl: string, ttlHours: number) {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return (lead: { readonly id: string; readonly attempt: number }, repId: string, action: LinkAction): string => {
    const exp = Math.floor(Date.now() / 1000 + ttlHours * 3600);
    return `${base}/a/${signLink(key, { v: 1, leadId: lead.id, repId, attempt: lead.attempt, action, exp })}`;
  };
}
