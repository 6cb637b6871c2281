import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { leadFields } from '../lead-fields.ts';
import { TokenSourceSchema } from '../source-config.ts';
import { gravityforms } from './gravityforms.ts';
import { loadSample } from './sample-payloads.ts';

const mapping = { email: '2', phone: '3', city: '4.3', region: '4.4', postalCode: '4.5', country: '4.6', product: '5', message: '7', consent: '8.1' };
const source = TokenSourceSchema.parse({ id: 'gravityforms', auth: 'token', preset: 'gravityforms', mapping });
const mapped = new Set(Object.values(mapping));

describe('gravityforms preset', () => {
  it("given the Webhooks Add-On's entry and the source's mapping, when read, then the mapped ids, the Name's inputs and the kept meta make the lead", () => {
    const submission = gravityforms.extract(loadSample('gravityforms.json').parsed, { mapped });

    expect(submission.eventId).toBe('4:1287');
    expect(submission.pageUrl).toBe('https://www.example.de/waermepumpe-angebot/?utm_source=google&utm_medium=cpc&utm_campaign=wp-hamburg');
    expect(leadFields(submission, source).fields).toEqual({
      firstName: 'Tobias',
      lastName: 'Neumann',
      email: 'tobias.neumann@example.de',
      phone: '040 5550 1388',
      city: 'Hamburg',
      region: 'Hamburg',
      postalCode: '22763',
      country: 'Germany',
      product: 'heat-pump',
      message: 'Altbau von 1962, Gasheizung soll ersetzt werden.',
      consent: '1',
      // The Address's street (its other inputs are mapped), the checkboxes, the consent's label and revision.
      '4': 'Elbchaussee 5',
      '6': 'Solar, Wallbox',
      '8': 'Ich bin mit der Verarbeitung meiner Daten einverstanden., 1',
      form_id: '4',
      date_created: '2026-03-01 10:12:44',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'wp-hamburg',
      pageUrl: 'https://www.example.de/waermepumpe-angebot/?utm_source=google&utm_medium=cpc&utm_campaign=wp-hamburg',
    });
  });

  it("given an entry with the site's bookkeeping, when read, then the visitor's IP, browser and payment meta are not kept", () => {
    const fields = gravityforms.extract(loadSample('gravityforms.json').parsed).fields;

    for (const name of ['id', 'ip', 'user_agent', 'status', 'currency', 'is_read', 'payment_method', 'source_url']) expect(fields).not.toHaveProperty(name);
  });

  it('given a Name field with prefix, middle name and suffix, when read without a mapping, then first and last are the contact and the prefix is dropped', () => {
    const entry = { id: '1', form_id: '2', '3.2': 'Dr.', '3.3': 'Ana', '3.4': 'Maria', '3.6': 'Lima', '3.8': 'Jr.', '4': 'ana@example.com' };

    expect(gravityforms.extract(entry).fields).toEqual({ firstName: 'Ana', lastName: 'Lima', '3.middleName': 'Maria', '3.nameSuffix': 'Jr.', '4': 'ana@example.com', form_id: '2' });
  });

  it('given a Name input the source maps itself, when read, then it stays under its id for the mapping', () => {
    const entry = { id: '1', form_id: '2', '1.3': 'Ana', '1.6': 'Lima' };

    expect(gravityforms.extract(entry, { mapped: new Set(['1.3']) }).fields).toEqual({ '1.3': 'Ana', lastName: 'Lima', form_id: '2' });
  });

  it('given an Address field without a mapping, when read, then it is one field of its non-empty inputs, not a name', () => {
    const entry = { form_id: '2', '5.1': 'Hauptstraße 1', '5.2': '', '5.3': 'Köln', '5.4': '', '5.5': '50667', '5.6': 'Germany' };

    expect(gravityforms.extract(entry).fields).toEqual({ '5': 'Hauptstraße 1, Köln, 50667, Germany', form_id: '2' });
  });

  it('given "Select Fields" keys the admin named, when read, then they are read like any form\'s', () => {
    const entry = { form_id: '2', first_name: 'Ana', 'E-Mail': 'ana@example.com', '7': 'yes' };

    expect(gravityforms.extract(entry).fields).toEqual({ firstName: 'Ana', email: 'ana@example.com', '7': 'yes', form_id: '2' });
  });

  it('given an entry without an id, when read, then it has no event id', () => {
    expect(gravityforms.extract({ form_id: '2', '1': 'x' }).eventId).toBeUndefined();
  });

  it('given a field holding a nested object, when read, then it is kept as its JSON text for the lead checks to judge', () => {
    expect(gravityforms.extract({ form_id: '2', '1': { nested: true } }).fields).toMatchObject({ '1': '{"nested":true}' });
  });

  it.each([
    [['1', '2'], /one JSON object/],
    ['entry', /one JSON object/],
    [{ email: 'a@example.com' }, /neither its form_id nor any field id/],
  ])('given the malformed body %j, when read, then the request is malformed naming what is missing', (body, message) => {
    expect(() => gravityforms.extract(body)).toThrow(MalformedRequest);
    expect(() => gravityforms.extract(body)).toThrow(message);
  });
});
