import * as z from '../zod.ts';
import { signToken, verifyToken } from './signed-token.ts';

/** `claim` takes a lead opened to the whole team out of its queue; the others act on one offer. */
export const LinkActions = ['accept', 'reject', 'contacted', 'won', 'lost', 'claim'] as const;
export type LinkAction = (typeof LinkActions)[number];

/** What a link in an offer email lets its holder do: one action, on one offer, until it expires. */
export const LinkClaimsSchema = z.object({
  v: z.literal(1),
  leadId: z.string().check(z.minLength(1)),
  repId: z.string().check(z.minLength(1)),
  attempt: z.number().check(z.int(), z.positive()),
  action: z.enum(LinkActions),
  /** Expiry, epoch seconds. */
  exp: z.number().check(z.int()),
});
export type LinkClaims = z.infer<typeof LinkClaimsSchema>;

/** `<payload>.<signature>`, both base64url: short enough for an email link, opaque to the reader. */
export function signLink(key: string, claims: LinkClaims): string {
  return signToken(key, claims);
}

/**
 * Verifies the signature before reading anything from the payload, then the expiry.
 * Throws `InvalidLinkToken` for anything forged or tampered, `ExpiredLinkToken` for an old link.
 */
export function verifyLink(key: string, token: string, now: Date): LinkClaims {
  return verifyToken(key, token, LinkClaimsSchema, now);
}

/** Builds the signed URL of one action on one lead attempt for one rep, valid for `ttlHours`. */
export function actionLinkBuilder(key: string, publicBaseUrl: string, ttlHours: number) {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return (lead: { readonly id: string; readonly attempt: number }, repId: string, action: LinkAction): string => {
    const exp = Math.floor(Date.now() / 1000 + ttlHours * 3600);
    return `${base}/a/${signLink(key, { v: 1, leadId: lead.id, repId, attempt: lead.attempt, action, exp })}`;
  };
}
