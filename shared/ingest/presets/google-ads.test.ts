import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { googleAds } from './google-ads.ts';
import { loadSample } from './sample-payloads.ts';

function lead(columns: unknown[], extra: Record<string, unknown> = {}) {
  return { lead_id: 'lead-1', user_column_data: columns, api_version: '1.0', form_id: 1, campaign_id: 2, google_key: 'k', ...extra };
}

describe('google-ads preset', () => {
  it('given a lead form lead, when extracted, then standard questions fill the contact, own questions keep their wording, and the ids stay for reporting', () => {
    const submission = googleAds.extract(loadSample('google-ads.json').parsed);

    expect(submission.fields).toEqual({
      name: 'Katrin Vogel',
      email: 'katrin.vogel@example.de',
      phone: '+49 176 5550 1932',
      postalCode: '10245',
      city: 'Berlin',
      company: 'Vogel Immobilien',
      'Wofür interessieren Sie sich?': 'Wärmepumpe',
      'Wann soll installiert werden?': 'In den nächsten 3 Monaten',
      campaign_id: 21345678901,
      adgroup_id: 165432109876,
      creative_id: 701234567890,
      form_id: 40123456789,
      api_version: '1.0',
      lead_submit_time: '2026-03-01T10:31:07Z',
      gclid: 'EAIaIQobChMIwK2p6bXKhAMVxJNoCR0yVw5BEAAYASAAEgJ3u_D_BwE',
    });
    expect(submission.eventId).toBe('Cj0KCQiA-6muBhCUARIsAGl3nOQz1bV7xk2sW3d8cQ9Lr0Pq');
  });

  it('given the "Send test data" lead, when extracted, then it is read like any lead and marked as a test', () => {
    const submission = googleAds.extract(loadSample('google-ads-test-lead.json').parsed);

    expect(submission.fields).toMatchObject({ name: 'FirstName LastName', phone: '+16505550123', email: 'test@example.com', test: true });
    expect(submission.eventId).toMatch(/^TeSter-123-/);
  });

  it('given a lead, when extracted, then the google_key never becomes a field', () => {
    const fields = googleAds.extract(lead([{ column_id: 'EMAIL', string_value: 'a@example.com' }], { google_key: 'secret-key', Google_key: 'secret-key' })).fields;

    expect(Object.values(fields)).not.toContain('secret-key');
    expect(fields).toEqual({ email: 'a@example.com', campaign_id: 2, form_id: 1, api_version: '1.0' });
  });

  it('given a work email before a personal one, when extracted, then the personal one is the email and the work one is kept beside it', () => {
    const columns = [
      { column_id: 'WORK_EMAIL', string_value: 'dana@acme.example' },
      { column_id: 'EMAIL', string_value: 'dana@example.com' },
      { column_id: 'JOB_TITLE', column_name: 'Berufsbezeichnung', string_value: 'Facility manager' },
      { column_id: 'STREET_ADDRESS', string_value: 'Hauptstraße 1' },
    ];

    expect(googleAds.extract(lead(columns)).fields).toMatchObject({ email: 'dana@example.com', workEmail: 'dana@acme.example', jobTitle: 'Facility manager', streetAddress: 'Hauptstraße 1' });
  });

  it('given only a work phone, when extracted, then it is the phone', () => {
    expect(googleAds.extract(lead([{ column_id: 'WORK_PHONE', string_value: '+49 30 5550 1000' }])).fields).toMatchObject({ phone: '+49 30 5550 1000' });
  });

  it('given a custom question without its wording, when extracted, then it is kept under its column id', () => {
    expect(googleAds.extract(lead([{ column_id: 'QUESTION_3', string_value: 'Yes' }])).fields).toMatchObject({ QUESTION_3: 'Yes' });
  });

  it("given the first webhook version's columns (names only), when extracted, then the canonical field is guessed from the name", () => {
    const columns = [
      { column_name: 'Full Name', string_value: 'Ana Lima' },
      { column_name: 'Email', string_value: 'ana@example.com' },
    ];

    expect(googleAds.extract(lead(columns)).fields).toMatchObject({ name: 'Ana Lima', email: 'ana@example.com' });
  });

  it('given a lead that is not a test, when extracted, then it carries no test mark', () => {
    expect(googleAds.extract(lead([{ column_id: 'EMAIL', string_value: 'a@example.com' }], { is_test: false })).fields).not.toHaveProperty('test');
  });

  it.each([
    [{ user_column_data: [] }, /lead_id is missing/],
    [{ lead_id: 'x' }, /user_column_data is missing/],
    [{ lead_id: 'x', user_column_data: {} }, /user_column_data: expected array/],
    [{ lead_id: 'x', user_column_data: [{ column_id: 'EMAIL', string_value: 7 }] }, /user_column_data\.0\.string_value: expected string/],
    [{ lead_id: 'x', user_column_data: [], is_test: 'yes' }, /is_test: expected boolean/],
    [['lead'], /not a JSON object/],
  ])('given the malformed body %j, when extracted, then the request is malformed naming what is missing', (body, message) => {
    expect(() => googleAds.extract(body)).toThrow(MalformedRequest);
    expect(() => googleAds.extract(body)).toThrow(/Expected a Google Ads lead form webhook/);
    expect(() => googleAds.extract(body)).toThrow(message);
  });

  it.each([
    [{ google_key: 'k1' }, 'k1'],
    [{ Google_key: 'k2' }, 'k2'],
    [{ google_key: '  ' }, undefined],
    [{ google_key: 42 }, '42'],
    [{}, undefined],
    ['google_key', undefined],
  ])('given the body %j, when its token is read, then it is %j', (body, token) => {
    expect(googleAds.bodyToken!.read(body)).toBe(token);
  });
});
