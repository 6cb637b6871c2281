import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ExpiredLinkToken, InvalidLinkToken } from './errors.ts';
import { signLink, verifyLink, type LinkClaims } from './link-token.ts';

const key = 'k'.repeat(64);
const now = new Date('2026-03-01T10:00:00Z');
const claims: LinkClaims = { v: 1, leadId: 'lead-1', repId: 'ana', attempt: 1, action: 'accept', exp: now.getTime() / 1000 + 3600 };

describe('link tokens', () => {
  it('given a signed link, when verified with the same key before expiry, then its claims come back', () => {
    expect(verifyLink(key, signLink(key, claims), now)).toEqual(claims);
  });

  it('given a link signed with another key, when verified, then it is rejected as forged', () => {
    expect(() => verifyLink(key, signLink('other-key', claims), now)).toThrow(InvalidLinkToken);
  });

  it('given a link whose payload was edited to another action, when verified, then the signature no longer matches', () => {
    const [, signature] = signLink(key, claims).split('.');
    const tampered = Buffer.from(JSON.stringify({ ...claims, action: 'reject' })).toString('base64url');
    expect(() => verifyLink(key, `${tampered}.${signature}`, now)).toThrow(InvalidLinkToken);
  });

  it('given a link past its expiry, when verified, then it is rejected as expired', () => {
    const later = new Date(now.getTime() + 3600_000);
    expect(() => verifyLink(key, signLink(key, claims), later)).toThrow(ExpiredLinkToken);
  });

  it.each(['', 'abc', 'a.b.c', '.sig', 'payload.'])('given the malformed token %j, when verified, then it is rejected', (token) => {
    expect(() => verifyLink(key, token, now)).toThrow(InvalidLinkToken);
  });

  it('given a correctly signed payload of the wrong shape, when verified, then it is rejected', () => {
    const payload = Buffer.from(JSON.stringify({ v: 1, leadId: 'x' })).toString('base64url');
    const signature = createHmac('sha256', key).update(payload).digest('base64url');
    expect(() => verifyLink(key, `${payload}.${signature}`, now)).toThrow(InvalidLinkToken);
  });
});
