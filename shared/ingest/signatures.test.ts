import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSignature } from '../domain/errors.ts';
import { SignatureHeaders, SignatureSchemes, signDelivery, verifySignature, type SignatureScheme, type SignedDelivery } from './signatures.ts';

const secret = 'whsec_9f1c2b7e4a';
const now = new Date('2026-03-01T10:00:00Z');
const WINDOW = 300;
const unsigned = {
  method: 'POST',
  url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/sources/partner-api/leads',
  rawBody: '{"firstName":"Katrin","email":"katrin.vogel@example.de"}',
};

function signed(scheme: SignatureScheme, at: Date = now, key: string = secret, delivery: Omit<SignedDelivery, 'headers'> = unsigned): SignedDelivery {
  return { ...delivery, headers: { 'content-type': 'application/json', ...signDelivery(scheme, delivery, key, at) } };
}

function reason(act: () => void): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSignature);
    return (error as InvalidSignature).message;
  }
  throw new Error('expected InvalidSignature, nothing was thrown');
}

const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const schemesWithTimestamp = ['lead-router', 'webflow', 'hubspot-v3'] as const;

describe('signatures', () => {
  describe.each(SignatureSchemes)('%s', (scheme) => {
    it('given a delivery signed by the sender, when verified with the same secret, then it is accepted', () => {
      expect(() => verifySignature(scheme, signed(scheme), secret, now, WINDOW)).not.toThrow();
    });

    it('given a signed delivery whose body was changed on the way, when verified, then the signature does not match', () => {
      const delivery = { ...signed(scheme), rawBody: unsigned.rawBody.replace('Katrin', 'Mallory') };
      expect(reason(() => verifySignature(scheme, delivery, secret, now, WINDOW))).toMatch(/signature does not match/);
    });

    it('given a delivery signed with another secret, when verified, then the signature does not match', () => {
      expect(reason(() => verifySignature(scheme, signed(scheme, now, 'another-secret'), secret, now, WINDOW))).toMatch(/signature does not match/);
    });

    it('given a delivery without the signature header, when verified, then the missing header is named', () => {
      const { [SignatureHeaders[scheme].signature]: _removed, ...headers } = signed(scheme).headers;
      expect(reason(() => verifySignature(scheme, { ...unsigned, headers }, secret, now, WINDOW))).toBe(`Missing the ${SignatureHeaders[scheme].signature} header`);
    });

    it.each(['garbage', 't=,v1=', 'sha256=', '=', ',,,', 'ÿ\u0000\u{1F600}', 'x'.repeat(5000)])('given the garbage signature header %j, when verified, then it is refused as an invalid signature', (value) => {
      const delivery = signed(scheme);
      const headers = { ...delivery.headers, [SignatureHeaders[scheme].signature]: value };
      expect(() => verifySignature(scheme, { ...delivery, headers }, secret, now, WINDOW)).toThrow(InvalidSignature);
    });
  });

  describe.each(schemesWithTimestamp)('%s replay window', (scheme) => {
    it('given a delivery signed 301 s ago, when verified with a 300 s window, then it is refused saying by how much', () => {
      expect(reason(() => verifySignature(scheme, signed(scheme, secondsAgo(301)), secret, now, WINDOW))).toBe(
        'The signed timestamp is 301 s old, 1 s outside the 300 s replay window',
      );
    });

    it('given a delivery signed 10 minutes in the future, when verified, then it is refused as well', () => {
      expect(reason(() => verifySignature(scheme, signed(scheme, secondsAgo(-600)), secret, now, WINDOW))).toBe(
        'The signed timestamp is 600 s in the future, 300 s outside the 300 s replay window',
      );
    });

    it('given a delivery signed 299 s ago, when verified, then it is still accepted', () => {
      expect(() => verifySignature(scheme, signed(scheme, secondsAgo(299)), secret, now, WINDOW)).not.toThrow();
    });
  });

  it('given a Typeform delivery signed an hour ago, when verified, then it is accepted: Typeform signs no time, event_id idempotency catches replays', () => {
    expect(() => verifySignature('typeform', signed('typeform', secondsAgo(3600)), secret, now, WINDOW)).not.toThrow();
  });

  it.each(['x-webflow-timestamp', 'x-hubspot-request-timestamp'] as const)('given a delivery without %s, when verified, then the missing header is named', (name) => {
    const scheme = name === 'x-webflow-timestamp' ? 'webflow' : 'hubspot-v3';
    const { [name]: _removed, ...headers } = signed(scheme).headers;
    expect(reason(() => verifySignature(scheme, { ...unsigned, headers }, secret, now, WINDOW))).toBe(`Missing the ${name} header`);
  });

  it('given a Webflow timestamp that is not a number, when verified, then the header is named', () => {
    const delivery = signed('webflow');
    expect(reason(() => verifySignature('webflow', { ...delivery, headers: { ...delivery.headers, 'x-webflow-timestamp': 'yesterday' } }, secret, now, WINDOW))).toMatch(
      /x-webflow-timestamp header must be a timestamp in milliseconds/,
    );
  });

  describe('lead-router (ours)', () => {
    it('given a header as a partner writes it, when read, then it carries t=<unix seconds> and a hex v1 HMAC of "<t>.<body>"', () => {
      const header = signDelivery('lead-router', unsigned, secret, now)['x-lead-router-signature'];
      const t = now.getTime() / 1000;
      expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${unsigned.rawBody}`).digest('hex')}`);
    });

    it('given a partner rotating its secret that signs with the old and the new one, when verified with the new one, then it is accepted', () => {
      const t = Math.floor(now.getTime() / 1000);
      const v1 = (key: string) => createHmac('sha256', key).update(`${t}.${unsigned.rawBody}`).digest('hex');
      const delivery = { ...unsigned, headers: { 'x-lead-router-signature': `t=${t}, v1=${v1('old-secret')}, v1=${v1(secret)}` } };
      expect(() => verifySignature('lead-router', delivery, secret, now, WINDOW)).not.toThrow();
      expect(reason(() => verifySignature('lead-router', delivery, 'a-third-secret', now, WINDOW))).toMatch(/signature does not match/);
    });

    it('given a header without a timestamp or without a signature, when verified, then it says what is missing', () => {
      const headers = (value: string) => ({ ...unsigned, headers: { 'x-lead-router-signature': value } });
      expect(reason(() => verifySignature('lead-router', headers('v1=abc'), secret, now, WINDOW))).toMatch(/needs exactly one t=<unix seconds>/);
      expect(reason(() => verifySignature('lead-router', headers('t=1772359200'), secret, now, WINDOW))).toMatch(/has no v1=/);
    });
  });

  describe('hubspot-v3', () => {
    it("given HubSpot's published test vector (official Python SDK), when verified, then it is accepted", () => {
      // https://github.com/HubSpot/hubspot-api-python/blob/master/tests/spec/utils/test_signature.py (test_get_signature__v3)
      const delivery = {
        method: 'POST',
        url: 'https://www.example.com/webhook_uri',
        rawBody: "{'example_field':'example_value'}",
        headers: { 'x-hubspot-signature-v3': 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=', 'x-hubspot-request-timestamp': '1693657560000' },
      };
      expect(() => verifySignature('hubspot-v3', delivery, 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy', new Date(1693657560000 + 60_000), WINDOW)).not.toThrow();
    });

    it("given a URL with percent-encodings HubSpot decodes before signing, when signed and verified, then HubSpot's decoded form is what is signed", () => {
      const delivery = { ...unsigned, url: 'https://api.example.com/sources/hubspot/leads?next=%2Fthanks%3Fa%3D1&q=a%20b' };
      const headers = signDelivery('hubspot-v3', delivery, secret, now);
      const decoded = 'https://api.example.com/sources/hubspot/leads?next=/thanks?a%3D1&q=a%20b';
      const expected = createHmac('sha256', secret).update(`POST${decoded}${unsigned.rawBody}${now.getTime()}`).digest('base64');
      expect(headers['x-hubspot-signature-v3']).toBe(expected);
      expect(() => verifySignature('hubspot-v3', { ...delivery, headers }, secret, now, WINDOW)).not.toThrow();
    });

    it('given a delivery signed for another URL, when verified, then the signature does not match', () => {
      const delivery = signed('hubspot-v3');
      expect(reason(() => verifySignature('hubspot-v3', { ...delivery, url: `${unsigned.url}?x=1` }, secret, now, WINDOW))).toMatch(/does not match the request/);
    });
  });

  describe('typeform', () => {
    it("given Typeform's documented recipe (base64 HMAC-SHA256 of the raw body, prefixed sha256=), when signed, then the header matches it", () => {
      const expected = `sha256=${createHmac('sha256', secret).update(unsigned.rawBody).digest('base64')}`;
      expect(signDelivery('typeform', unsigned, secret, now)).toEqual({ 'typeform-signature': expected });
    });

    it('given a signature without the sha256= prefix, when verified, then the expected prefix is named', () => {
      const value = createHmac('sha256', secret).update(unsigned.rawBody).digest('base64');
      expect(reason(() => verifySignature('typeform', { ...unsigned, headers: { 'typeform-signature': value } }, secret, now, WINDOW))).toMatch(/must start with "sha256="/);
    });
  });

  describe('webflow', () => {
    it("given Webflow's documented recipe (hex HMAC-SHA256 of \"<ms timestamp>:<raw body>\"), when signed, then the headers match it", () => {
      const timestamp = String(now.getTime());
      expect(signDelivery('webflow', unsigned, secret, now)).toEqual({
        'x-webflow-timestamp': timestamp,
        'x-webflow-signature': createHmac('sha256', secret).update(`${timestamp}:${unsigned.rawBody}`).digest('hex'),
      });
    });
  });

  it('given an unknown scheme from a hand-edited config, when verified, then it is refused as an invalid signature', () => {
    expect(() => verifySignature('stripe' as SignatureScheme, signed('lead-router'), secret, now, WINDOW)).toThrow(InvalidSignature);
  });

  it('given no secret configured, when verified, then it fails as a server error rather than accepting anything', () => {
    expect(() => verifySignature('typeform', signed('typeform', now, ''), '', now, WINDOW)).toThrow(/No secret is configured/);
    expect(() => verifySignature('typeform', signed('typeform', now, ''), '', now, WINDOW)).not.toThrow(InvalidSignature);
  });

  it('given arbitrary header values, bodies, URLs and methods, when verified, then nothing but InvalidSignature is ever thrown', () => {
    const headerNames = [...new Set(Object.values(SignatureHeaders).flatMap((names) => Object.values(names)))];
    const headerValue = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('t=1772359200,v1=', 'sha256=', '1772359200000', 'v1=zz,t=-1', 't=99999999999999999999,v1=00'),
      fc.stringMatching(/^t=\d{1,20}(,v1=[0-9a-f]{0,70})*$/),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...SignatureSchemes),
        fc.dictionary(fc.constantFrom(...headerNames), headerValue),
        fc.string({ unit: 'binary' }),
        fc.string(),
        fc.constantFrom('POST', 'post', 'GET', ''),
        fc.integer({ min: 30, max: 3600 }),
        (scheme, headers, rawBody, url, method, window) => {
          try {
            verifySignature(scheme, { method, url, headers, rawBody }, secret, now, window);
          } catch (error) {
            return error instanceof InvalidSignature;
          }
          return true;
        },
      ),
      { numRuns: 500 },
    );
    // 500 runs: a few seconds alone, more beside the stack tiers on two cores.
  }, 30_000);
});
