import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Forbidden, InvalidSignature, MalformedRequest } from '../../domain/errors.ts';
import { linkedInChallengeResponse, PlatformSchemes, PlatformSignatureHeaders, signPlatformDelivery, verifyPlatformSignature } from '../signatures.ts';
import { facebookHandshake, facebookLeadNotices, facebookLeadSubmission } from './facebook.ts';
import { linkedInLeadNotices, linkedInLeadSubmission } from './linkedin.ts';
import { retryDelaySeconds } from './platform-job.ts';

const appSecret = 'meta-app-secret-4f1c9a';
const sample = (file: string) => JSON.parse(readFileSync(new URL(`../../../events/${file}`, import.meta.url), 'utf8')) as { body: unknown; response: unknown };

function refusal(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal, nothing was thrown');
}

describe('ad platform signatures', () => {
  const rawBody = JSON.stringify(sample('sources/facebook.json').body);

  describe.each(PlatformSchemes)('%s', (scheme) => {
    const header = PlatformSignatureHeaders[scheme];

    it('given a notification signed with the app secret, when verified with it, then it is accepted', () => {
      expect(() => verifyPlatformSignature(scheme, { headers: signPlatformDelivery(scheme, rawBody, appSecret), rawBody }, appSecret)).not.toThrow();
    });

    it('given a signed notification whose body changed on the way, when verified, then the signature does not match, naming the header', () => {
      const error = refusal(() => verifyPlatformSignature(scheme, { headers: signPlatformDelivery(scheme, rawBody, appSecret), rawBody: rawBody.replace('leadgen', 'leadgem') }, appSecret));
      expect(error).toBeInstanceOf(InvalidSignature);
      expect(error.message).toBe(`The ${header} signature does not match the body`);
    });

    it('given a notification signed with another secret, when verified, then it is refused', () => {
      expect(() => verifyPlatformSignature(scheme, { headers: signPlatformDelivery(scheme, rawBody, 'another-secret'), rawBody }, appSecret)).toThrow(InvalidSignature);
    });

    it('given a notification without the signature header, when verified, then the missing header is named', () => {
      expect(refusal(() => verifyPlatformSignature(scheme, { headers: {}, rawBody }, appSecret)).message).toBe(`Missing the ${header} header`);
    });
  });

  it("given Meta's scheme, then the header is sha256= and the hex HMAC-SHA256 of the raw body with the app secret", () => {
    const expected = createHmac('sha256', appSecret).update(rawBody).digest('hex');
    expect(signPlatformDelivery('facebook', rawBody, appSecret)).toEqual({ 'x-hub-signature-256': `sha256=${expected}` });
    expect(() => verifyPlatformSignature('facebook', { headers: { 'x-hub-signature-256': expected }, rawBody }, appSecret)).toThrow('must be "sha256=<hex>"');
  });

  it("given LinkedIn's scheme, then the header is the hex HMAC-SHA256 of \"hmacsha256=\" and the raw body with the client secret", () => {
    const expected = createHmac('sha256', appSecret).update(`hmacsha256=${rawBody}`).digest('hex');
    expect(signPlatformDelivery('linkedin', rawBody, appSecret)).toEqual({ 'x-li-signature': expected });
  });
});

describe("Meta's subscription handshake", () => {
  const token = 'verify-token-of-the-source';

  it('given the right verify token, when Meta subscribes, then the challenge is answered', () => {
    expect(facebookHandshake({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' }, token)).toBe('1158201444');
  });

  it('given a wrong verify token, when Meta subscribes, then it is forbidden, naming the token', () => {
    const error = refusal(() => facebookHandshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444' }, token));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.message).toMatch(/hub\.verify_token/);
  });

  it('given no verify token, when Meta subscribes, then it is forbidden', () => {
    expect(() => facebookHandshake({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444' }, token)).toThrow(Forbidden);
  });

  it('given a GET that is not a handshake, then it is a bad request naming the parameters', () => {
    expect(() => facebookHandshake({ 'hub.verify_token': token }, token)).toThrow(MalformedRequest);
  });
});

describe("LinkedIn's webhook validation", () => {
  it('given a challengeCode, then the response is the hex HMAC-SHA256 of the code with the client secret', () => {
    const code = '890e4bb6-a9c0-4b5b-bf4a-0e4b7a3b6c11';
    expect(linkedInChallengeResponse(code, appSecret)).toBe(createHmac('sha256', appSecret).update(code).digest('hex'));
  });
});

describe('Facebook lead notifications', () => {
  it('given the documented sample, then it announces its one lead with its page, form and ad', () => {
    expect(facebookLeadNotices(JSON.stringify(sample('sources/facebook.json').body))).toEqual([
      { leadgenId: '9300000000000000123', details: { page_id: '104729385012345', form_id: '861234567890123', ad_id: '120210987654321098', adgroup_id: '120210987654321098' } },
    ]);
  });

  it('given ids written as numbers above 2^53, when read, then they keep every digit', () => {
    const big = '9300000000000000123';
    expect(Number(big) > Number.MAX_SAFE_INTEGER).toBe(true);
    expect(String(Number(big))).not.toBe(big);
    const raw = `{"object":"page","entry":[{"id":104729385012345678,"time":1772359200,"changes":[{"field":"leadgen","value":{"leadgen_id":${big},"page_id":104729385012345678,"form_id":9007199254740993,"created_time":1772359195}}]}]}`;
    expect(facebookLeadNotices(raw)).toEqual([{ leadgenId: big, details: { page_id: '104729385012345678', form_id: '9007199254740993' } }]);
  });

  it('given a batch of entries with several changes, when read, then each leadgen change is one lead and other fields are none', () => {
    const change = (id: string) => ({ field: 'leadgen', value: { leadgen_id: id, page_id: '1', form_id: '2' } });
    const raw = JSON.stringify({
      object: 'page',
      entry: [
        { id: '1', time: 1, changes: [change('101'), { field: 'feed', value: { item: 'post' } }, change('102')] },
        { id: '1', time: 2, changes: [change('103')] },
      ],
    });
    expect(facebookLeadNotices(raw).map((notice) => notice.leadgenId)).toEqual(['101', '102', '103']);
  });

  it.each([
    ['not JSON', '{"object":'],
    ['another object', '{"object":"user","entry":[]}'],
    ['entries without changes', '{"object":"page","entry":[{"id":"1"}]}'],
    ['a leadgen change without its id', '{"object":"page","entry":[{"changes":[{"field":"leadgen","value":{"page_id":"1"}}]}]}'],
  ])('given %s, when read, then it is a bad request, never a crash', (_case, raw) => {
    expect(() => facebookLeadNotices(raw)).toThrow(MalformedRequest);
  });
});

describe('Graph API leads', () => {
  it('given the canned lead, when read, then its standard questions become the contact, custom ones stay fields, and its ad, form and campaign are kept', () => {
    const submission = facebookLeadSubmission(sample('platforms/facebook-lead.json').response);
    expect(submission).toEqual({
      eventId: '9300000000000000123',
      fields: {
        name: 'Jonas Weber',
        email: 'jonas.weber@example.de',
        phone: '+4915112345678',
        postalCode: '10115',
        city: 'Berlin',
        'which_product_are_you_interested_in?': 'heat-pump',
        'when_do_you_plan_to_install?': 'this-quarter',
        ad_id: '120210987654321098',
        form_id: '861234567890123',
        campaign_id: '120210987654300001',
        adset_id: '120210987654300777',
        platform: 'facebook',
        is_organic: false,
      },
    });
  });

  it('given first and last name, post code, country and company questions, then each is its canonical field; an Instagram lead says so', () => {
    const { fields } = facebookLeadSubmission({
      id: '1',
      platform: 'ig',
      field_data: [
        { name: 'first_name', values: ['Ana'] },
        { name: 'last_name', values: ['Lopez'] },
        { name: 'post_code', values: ['SW1A 1AA'] },
        { name: 'country', values: ['GB'] },
        { name: 'company_name', values: ['Lopez Ltd'] },
        { name: 'services', values: ['solar', 'battery'] },
      ],
    });
    expect(fields).toEqual({ firstName: 'Ana', lastName: 'Lopez', postalCode: 'SW1A 1AA', country: 'GB', company: 'Lopez Ltd', services: 'solar, battery', platform: 'instagram' });
  });

  it('given a lead without field_data, then it is refused as not of the documented shape', () => {
    expect(() => facebookLeadSubmission({ id: '1' })).toThrow(/documented shape: field_data/);
  });
});

describe('LinkedIn lead notifications', () => {
  it('given the documented sample, then it announces the lead form response with its form, type and owner', () => {
    expect(linkedInLeadNotices(JSON.stringify(sample('sources/linkedin.json').body))).toEqual([
      {
        responseId: 'c1d4f3a2-7b8e-4f6a-9d21-5e0b3c7a9f14-4',
        details: { leadGenForm: 'urn:li:versionedLeadGenForm:(urn:li:leadGenForm:7234246,1)', leadType: 'SPONSORED', owner: 'urn:li:sponsoredAccount:508934512' },
      },
    ]);
  });

  it('given a deleted lead, then it announces nothing', () => {
    expect(linkedInLeadNotices(JSON.stringify({ type: 'LEAD_ACTION', leadGenFormResponse: 'urn:li:leadGenFormResponse:abc-1', leadAction: 'DELETED' }))).toEqual([]);
  });

  it('given a notification without a lead form response URN, then it is a bad request naming the field', () => {
    expect(() => linkedInLeadNotices(JSON.stringify({ type: 'LEAD_ACTION', leadAction: 'CREATED' }))).toThrow(/leadGenFormResponse/);
  });
});

describe('LinkedIn lead form responses', () => {
  it("given the canned response with its form, then answers are named by their questions' predefined fields, choices by their labels", () => {
    expect(linkedInLeadSubmission(sample('platforms/linkedin-lead-form-response.json').response)).toEqual({
      eventId: 'c1d4f3a2-7b8e-4f6a-9d21-5e0b3c7a9f14-4',
      fields: {
        firstName: 'Miriam',
        lastName: 'Hoffmann',
        email: 'miriam.hoffmann@example.com',
        phone: '+49 89 1234567',
        company: 'Hoffmann Bau GmbH',
        product: 'heat-pump',
        utm_campaign: 'commercial-heat-pumps',
        form_id: '7234246',
        campaign_id: '289123456',
        leadType: 'SPONSORED',
        testLead: false,
      },
    });
  });

  it('given a response without its form, then each answer is kept under its question id, for a source mapping to name', () => {
    const { fields } = linkedInLeadSubmission({ id: 'x-1', formResponse: { answers: [{ questionId: 11, answerDetails: { textQuestionAnswer: { answer: 'a@example.com' } } }] } });
    expect(fields).toEqual({ '11': 'a@example.com' });
  });
});

describe('retry delays', () => {
  it('given successive failures, then the wait doubles from 30 s up to 15 minutes, divided by TIME_SCALE', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((count) => retryDelaySeconds(count))).toEqual([30, 60, 120, 240, 480, 900, 900]);
    expect(retryDelaySeconds(2, 60)).toBe(1);
  });
});
