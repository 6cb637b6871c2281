import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { parseLeadInput } from '../../domain/lead.ts';
import { formFields, loadSample } from './sample-payloads.ts';
import { zapier } from './zapier.ts';

describe('zapier preset', () => {
  it("given Zapier's documented webhook sample, when extracted, then its keys map to the lead's fields and the rest are kept by name", () => {
    const submission = zapier.extract(loadSample('zapier.json').parsed);
    expect(submission).toEqual({
      fields: {
        firstName: 'Bryan',
        lastName: 'Helmig',
        age: 27,
        email: 'bryan.helmig@example.com',
        phone: '(555) 555-5555',
        country: 'US',
      },
    });
  });

  it("given Zapier's sample with its placeholder 555 phone, when parsed as a server's post, then the lead keeps its email and the phone as given, flagged", () => {
    const lead = parseLeadInput(zapier.extract(loadSample('zapier.json').parsed).fields, { lenient: true, defaultCountry: 'DE' });

    expect(lead.contact).toEqual({ firstName: 'Bryan', lastName: 'Helmig', email: 'bryan.helmig@example.com', country: 'US' });
    expect(lead.quality).toEqual([expect.objectContaining({ field: 'phone', issue: 'invalid', given: '(555) 555-5555' })]);
  });

  it('given a payload nested one level, when extracted, then keys are flattened and common names mapped', () => {
    const submission = zapier.extract({
      event_id: 'zap-7c1e4b0a-2026-03-01T09-58-44',
      page_url: 'https://www.example.co.uk/solar?utm_source=facebook&utm_campaign=uk-solar',
      contact: { first_name: 'Harry', last_name: 'Clarke', email: 'harry.clarke@example.co.uk', phone: '+44 20 7946 0321' },
      company: { name: 'Clarke Builders Ltd' },
      address: { postcode: 'SW1A 2AA', city: 'London', country: 'GB' },
      product: 'solar',
      id: '1042',
      form_name: 'Facebook lead ad: UK solar',
    });
    expect(submission.fields).toEqual({
      firstName: 'Harry',
      lastName: 'Clarke',
      email: 'harry.clarke@example.co.uk',
      phone: '+44 20 7946 0321',
      company: 'Clarke Builders Ltd',
      postalCode: 'SW1A 2AA',
      city: 'London',
      country: 'GB',
      product: 'solar',
      id: '1042',
      form_name: 'Facebook lead ad: UK solar',
    });
    expect(submission.eventId).toBe('zap-7c1e4b0a-2026-03-01T09-58-44');
    expect(submission.pageUrl).toBe('https://www.example.co.uk/solar?utm_source=facebook&utm_campaign=uk-solar');
  });

  it('given the Make form post sample, when extracted, then its flat fields map', () => {
    const submission = zapier.extract(loadSample('make-form.json').parsed);
    expect(submission).toEqual({
      fields: {
        firstName: 'Maximilian',
        lastName: 'Fischer',
        email: 'max.fischer@example.de',
        phone: '+49 176 5550 2288',
        company: 'Fischer Dachbau',
        postalCode: '10115',
        city: 'Berlin',
        country: 'DE',
        product: 'heat-pump',
        message: 'Called in via the partner portal, wants a visit next week.',
      },
    });
  });

  it('given a plain id and no event id, when extracted, then the id stays a field and no delivery is taken for a retry', () => {
    const submission = zapier.extract({ id: '1042', email: 'a@example.com' });
    expect(submission.eventId).toBeUndefined();
    expect(submission.fields).toEqual({ id: '1042', email: 'a@example.com' });
  });

  it('given a request wrapped in an array of one, when extracted, then the one lead is read', () => {
    expect(zapier.extract([{ full_name: 'Dana Fox', 'e-mail': 'dana@example.com' }]).fields).toEqual({ name: 'Dana Fox', email: 'dana@example.com' });
  });

  it('given form keys Zapier did not unflatten, when extracted, then the part after "__" names the field', () => {
    expect(zapier.extract(formFields('contact__email=d%40example.com&contact__fname=Di')).fields).toEqual({ email: 'd@example.com', firstName: 'Di' });
  });

  it('given a list of objects inside the lead, when extracted, then each item is flattened with its index', () => {
    expect(zapier.extract({ email: 'a@example.com', answers: [{ q: 'Roof', a: 'Flat' }] }).fields).toEqual({ email: 'a@example.com', 'answers.0.q': 'Roof', 'answers.0.a': 'Flat' });
  });

  it('given several leads in one request, when extracted, then the request is malformed', () => {
    expect(() => zapier.extract([{ email: 'a@example.com' }, { email: 'b@example.com' }])).toThrow(/one lead per request, got a list of 2/);
  });

  it('given an object nested deeper than anyone maps a form, when extracted, then the deeper part is kept whole as its JSON text', () => {
    expect(zapier.extract({ email: 'a@example.com', a: { b: { c: { d: { e: { f: { g: 'x' } } } } } } }).fields).toEqual({ email: 'a@example.com', 'a.b.c.d.e.f': '{"g":"x"}' });
  });

  it.each([['text'], [null], [7]])('given the body %j, when extracted, then the request is malformed', (body) => {
    expect(() => zapier.extract(body)).toThrow(/Expected a JSON object/);
  });
});
