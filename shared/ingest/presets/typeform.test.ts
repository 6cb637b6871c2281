import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { loadSample } from './sample-payloads.ts';
import { typeform } from './typeform.ts';

function webhook(answers: unknown[], definition: unknown[] = [], extra: Record<string, unknown> = {}) {
  return { event_id: 'evt-1', event_type: 'form_response', form_response: { definition: { fields: definition }, answers, ...extra } };
}

describe('typeform preset', () => {
  it('given the Typeform webhook sample, when extracted, then answers map by type, ref and title, and hidden fields keep their names', () => {
    const submission = typeform.extract(loadSample('typeform.json').parsed);
    expect(submission.fields).toEqual({
      firstName: 'Anna',
      lastName: 'Weber',
      email: 'anna.weber@example.de',
      phone: '+493055501944',
      company: 'Weber Zahnarztpraxis',
      postalCode: '10178',
      country: 'Germany',
      timeline: 'Within 3 months',
      extras: 'Battery storage, Wallbox',
      message: 'Gas boiler is 22 years old; we would like to switch before next winter.',
      consent: true,
      product: 'heat-pump',
      utm_source: 'facebook',
      utm_medium: 'paid-social',
      utm_campaign: 'waermepumpe-berlin',
      score: 4,
    });
    expect(submission.eventId).toBe('01JNE7ZQ4Y8M3V6T2K9R5B1XCD');
    expect(submission.pageUrl).toBeUndefined();
  });

  it("given answers and variables typed like Object's own properties, when extracted, then they carry no value and the rest of the response is read", () => {
    const answers = [
      { type: 'email', email: 'ana@example.com', field: { id: 'q1', ref: 'email' } },
      { type: 'constructor', field: { id: 'q2', ref: 'odd' } },
      { type: 'toString', field: { id: 'q3', ref: 'odder' } },
    ];
    const variables = [{ key: 'score', type: 'valueOf' }];

    const submission = typeform.extract(webhook(answers, [], { variables }));

    expect(submission.fields).toEqual({ email: 'ana@example.com' });
  });

  it('given a question whose ref and title name no canonical field, when extracted, then the answer is keyed by its ref', () => {
    const field = { id: 'q1', ref: '93bcd199-2648-4d4b-9f01-acc47da04fd8', type: 'short_text' };
    const submission = typeform.extract(webhook([{ type: 'text', text: 'Blue', field }], [{ ...field, title: 'Favourite colour?' }]));
    expect(submission.fields).toEqual({ '93bcd199-2648-4d4b-9f01-acc47da04fd8': 'Blue' });
  });

  it('given a question without a ref, when extracted, then its title decides the canonical field', () => {
    const submission = typeform.extract(webhook([{ type: 'text', text: 'Acme', field: { id: 'q1', type: 'short_text' } }], [{ id: 'q1', title: 'Company', type: 'short_text' }]));
    expect(submission.fields).toEqual({ company: 'Acme' });
  });

  it('given a yes/no question about something else, when extracted, then it is not taken for consent', () => {
    const field = { id: 'q1', ref: 'owns_building', type: 'yes_no' };
    const submission = typeform.extract(webhook([{ type: 'boolean', boolean: false, field }], [{ ...field, title: 'Do you own the building?' }]));
    expect(submission.fields).toEqual({ owns_building: false });
  });

  it('given a yes/no question about the newsletter opt-in, when extracted, then it is the consent', () => {
    const field = { id: 'q1', ref: 'newsletter_opt_in', type: 'yes_no' };
    expect(typeform.extract(webhook([{ type: 'boolean', boolean: true, field }])).fields).toEqual({ consent: true });
  });

  it('given a response with no answers (null), when extracted, then only its hidden fields come through', () => {
    expect(typeform.extract(webhook([], [], { answers: null, hidden: { utm_source: 'ads' } })).fields).toEqual({ utm_source: 'ads' });
  });

  it('given a partial response, when extracted, then it is refused as not a submitted form', () => {
    const partial = { ...webhook([]), event_type: 'form_response_partial' };
    expect(() => typeform.extract(partial)).toThrow(MalformedRequest);
    expect(() => typeform.extract(partial)).toThrow(/only form_response is accepted/);
  });

  it.each([[{ event_type: 'form_response', form_response: { answers: [] } }], [{ event_id: 'x', event_type: 'form_response' }], [{ event_id: 'x', event_type: 'form_response', form_response: { answers: [{ text: 'no type' }] } }], ['text']])(
    'given the malformed body %j, when extracted, then the request is malformed naming the Typeform shape',
    (body) => {
      expect(() => typeform.extract(body)).toThrow(/Expected a Typeform webhook/);
    },
  );
});
