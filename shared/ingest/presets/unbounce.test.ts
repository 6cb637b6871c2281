import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { formFields, loadSample } from './sample-payloads.ts';
import { unbounce } from './unbounce.ts';

describe('unbounce preset', () => {
  it('given the Unbounce form post sample, when extracted, then its field ids map to canonical fields and lists are joined', () => {
    const submission = unbounce.extract(loadSample('unbounce.json').parsed);
    expect(submission.fields).toEqual({
      firstName: 'Lukas',
      lastName: 'Schmidt',
      email: 'lukas.schmidt@example.de',
      phone: '+49 30 5550 1733',
      company: 'Schmidt Bau GmbH',
      product: 'solar',
      country: 'DE',
      postalCode: '10117',
      city: 'Berlin',
      roof_type: 'Pitched, Flat garage roof',
      utm_source: 'google',
      utm_campaign: 'solar-berlin',
      variant: 'a',
      page_name: 'Solar Berlin',
    });
    expect(submission.pageUrl).toBe('http://unbouncepages.com/solar-berlin/');
    expect(submission.eventId).toBeUndefined();
  });

  it('given a post with only the top-level page fields, when extracted, then the page URL, name and variant still come through', () => {
    const body = formFields('page_id=f7afd389&page_name=Test-Webhook&variant=b&page_url=http%3A%2F%2Funbouncepages.com%2Ftest&data.json=%7B%22email%22%3A%5B%22t%40example.com%22%5D%7D');
    expect(unbounce.extract(body)).toEqual({ fields: { email: 't@example.com', page_name: 'Test-Webhook', variant: 'b' }, pageUrl: 'http://unbouncepages.com/test' });
  });

  it('given a post without data.json, when extracted, then the request is malformed naming the field Unbounce sends', () => {
    expect(() => unbounce.extract({ page_id: 'x', page_url: 'http://x' })).toThrow(MalformedRequest);
    expect(() => unbounce.extract({ page_id: 'x', page_url: 'http://x' })).toThrow(/"data\.json"/);
  });

  it('given data.json that is not JSON, when extracted, then the request is malformed', () => {
    expect(() => unbounce.extract({ 'data.json': '{{"email":["a@b.c"]}' })).toThrow(/"data\.json" is not valid JSON/);
  });

  it('given data.json with a nested object, when extracted, then the request is malformed', () => {
    expect(() => unbounce.extract({ 'data.json': '{"email":{"value":"a@b.c"}}' })).toThrow(/lists of values/);
  });
});
