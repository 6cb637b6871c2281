import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { jotform } from './jotform.ts';
import { loadPostedSample } from './sample-payloads.ts';

const post = (rawRequest: unknown, extra: Record<string, string> = {}) => ({ formID: '1', submissionID: '99', rawRequest: JSON.stringify(rawRequest), pretty: 'x', ...extra });

describe('jotform preset', () => {
  it("given JotForm's multipart webhook, when read, then rawRequest's answers fill the lead by their names, and JotForm's bookkeeping is dropped", async () => {
    const sample = await loadPostedSample('jotform.json');

    const submission = jotform.extract(sample.parsed);

    expect(submission.fields).toEqual({
      firstName: 'Miriam',
      lastName: 'Koch',
      email: 'miriam.koch@example.de',
      phone: '(030) 5550 1762',
      address: 'Torstraße 12',
      city: 'Berlin',
      region: 'Berlin',
      postalCode: '10119',
      country: 'Germany',
      product: 'solar',
      message: 'Flachdach, etwa 120 m² nutzbar.',
      utm_source: 'newsletter',
      form_id: '240601234567890',
    });
    expect(submission.eventId).toBe('6012345678901234567');
  });

  it('given a phone as area code and number and a date, when read, then each is one value', () => {
    const fields = jotform.extract(post({ q3_email: 'a@example.com', q5_phone: { area: '030', phone: '5550 1000' }, q6_startDate: { month: '3', day: '1', year: '2026' } })).fields;

    expect(fields).toEqual({ email: 'a@example.com', phone: '030 5550 1000', startDate: '2026-03-01', form_id: '1' });
  });

  it('given a full name posted flat (q4_name[first]), when read, then it is gathered into first and last name', () => {
    const fields = jotform.extract(post({ 'q4_name[first]': 'Ana', 'q4_name[last]': 'Lima', q5_email: 'ana@example.com' })).fields;

    expect(fields).toMatchObject({ firstName: 'Ana', lastName: 'Lima', email: 'ana@example.com' });
  });

  it("given a question the form's author renamed and a checkbox list, when read, then they keep their names", () => {
    const fields = jotform.extract(post({ q3_email: 'a@example.com', q7_heizung: 'Gas', q8_extras: ['Battery', 'Wallbox'] })).fields;

    expect(fields).toMatchObject({ heizung: 'Gas', extras: 'Battery, Wallbox' });
  });

  it("given a post without rawRequest, when read, then the post's own q<N>_ fields are the answers", () => {
    expect(jotform.extract({ formID: '1', submissionID: '5', q3_email: 'a@example.com', q4_fullName: 'Ana Lima' }).fields).toEqual({ email: 'a@example.com', name: 'Ana Lima', form_id: '1' });
  });

  it.each([
    [{ formID: '1', rawRequest: '{"q3_email":' }, /rawRequest is not valid JSON/],
    [{ formID: '1', rawRequest: '["a"]' }, /rawRequest must be a JSON object/],
    [{ formID: '1', rawRequest: '{"slug":"submit/1"}' }, /no answers \(q<N>_… fields\)/],
    [{ formID: '1', submissionID: '2' }, /no answers/],
    ['text', /Expected a JotForm webhook/],
  ])('given the malformed post %j, when read, then the request is malformed naming what is missing', (body, message) => {
    expect(() => jotform.extract(body)).toThrow(MalformedRequest);
    expect(() => jotform.extract(body)).toThrow(message);
  });

  it('given a rawRequest that is not valid JSON, when refused, then the message does not quote the answers', () => {
    expect(() => jotform.extract({ rawRequest: '{"q3_email":"dana@example.com" oops}' })).toThrow(/^JotForm rawRequest is not valid JSON$/);
  });
});
