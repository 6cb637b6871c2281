import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { canonical } from './canonical.ts';
import { loadSample } from './sample-payloads.ts';

describe('canonical preset', () => {
  it('given the partner server sample, when extracted, then the canonical fields come through as sent and a list is joined', () => {
    const submission = canonical.extract(loadSample('partner-api.json').parsed);
    expect(submission.fields).toEqual({
      firstName: 'Katrin',
      lastName: 'Vogel',
      email: 'katrin.vogel@vogel-haustechnik.example.de',
      phone: '+49 30 5550 1402',
      company: 'Vogel Haustechnik GmbH',
      product: 'heat-pump',
      country: 'DE',
      postalCode: '10115',
      city: 'Berlin',
      message: 'Air-to-water heat pump for a detached house from 1974, about 160 m².',
      partnerReference: 'VH-2026-0311',
      interests: 'heat-pump, solar',
    });
    expect(submission.eventId).toBeUndefined();
    expect(submission.pageUrl).toBeUndefined();
  });

  it('given the landing page form sample, when extracted, then repeated keys arrive joined and the page URL is the submission page', () => {
    const submission = canonical.extract(loadSample('website.json').parsed);
    expect(submission.fields).toMatchObject({ firstName: 'Jonas', email: 'jonas.becker@example.de', postalCode: '10119', consent: 'on', interest: 'solar, battery' });
    expect(submission.fields).not.toHaveProperty('pageUrl');
    expect(submission.pageUrl).toBe('https://www.example.de/solar?utm_source=newsletter&utm_campaign=spring');
  });

  it('given blank and null values, when extracted, then they are left out so source defaults can apply', () => {
    expect(canonical.extract({ email: 'a@example.com', company: '  ', phone: null }).fields).toEqual({ email: 'a@example.com' });
  });

  it('given a nested object as a value, when extracted, then it is kept as its JSON text under its name', () => {
    expect(canonical.extract({ email: 'a@example.com', address: { city: 'Berlin' } })).toEqual({ fields: { email: 'a@example.com', address: '{"city":"Berlin"}' } });
  });

  it.each([[['a@example.com']], ['email=a@example.com'], [null], [42]])('given the body %j instead of an object, when extracted, then the request is malformed', (body) => {
    expect(() => canonical.extract(body)).toThrow(/Expected one JSON object of field names to values/);
  });
});
