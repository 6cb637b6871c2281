import { describe, expect, it } from 'vitest';
import { MalformedRequest } from '../../domain/errors.ts';
import { canonicalFor, fieldCollector, fieldValue, mentionsConsent } from './field-names.ts';

describe('canonical field names', () => {
  it.each([
    ['email', 'email'],
    ['E-Mail', 'email'],
    ['email_address', 'email'],
    ['your-email', 'email'],
    ['email-714', 'email'],
    ['first_name', 'firstName'],
    ['firstname', 'firstName'],
    ['fname', 'firstName'],
    ['First Name', 'firstName'],
    ['Vorname', 'firstName'],
    ['last_name', 'lastName'],
    ['surname', 'lastName'],
    ['full_name', 'name'],
    ['your-name', 'name'],
    ['Name', 'name'],
    ['phone_number', 'phone'],
    ['Phone Number', 'phone'],
    ['mobile', 'phone'],
    ['tel', 'phone'],
    ['tel-123', 'phone'],
    ['Telefon', 'phone'],
    ['company_name', 'company'],
    ['organization', 'company'],
    ['Firma', 'company'],
    ['zip', 'postalCode'],
    ['postcode', 'postalCode'],
    ['postal_code', 'postalCode'],
    ['PLZ', 'postalCode'],
    ['country_code', 'country'],
    ['Land', 'country'],
    ['state', 'region'],
    ['city', 'city'],
    ['comments', 'message'],
    ['notes', 'message'],
    ['your-message', 'message'],
    ['acceptance-231', 'consent'],
    ['gdpr_consent', 'consent'],
    ['Produkt', 'product'],
  ] as const)('given the sender field name %j, when guessed, then it is the canonical %s', (name, canonical) => {
    expect(canonicalFor(name)).toBe(canonical);
  });

  it.each(['utm_source', 'your-subject', 'page_url', 'roof_type', 'hs_object_id', ''])('given %j, when guessed, then no canonical field is claimed', (name) => {
    expect(canonicalFor(name)).toBeUndefined();
  });

  it.each([
    ['I agree to the privacy policy', true],
    ['GDPR consent', true],
    ['newsletter_opt_in', true],
    ['Do you own the building?', false],
  ] as const)('given the question %j, when asked whether it is about consent, then %s', (label, expected) => {
    expect(mentionsConsent(label)).toBe(expected);
  });
});

describe('field values', () => {
  it('given text with spaces, a number and a boolean, when read, then text is trimmed and the rest kept', () => {
    expect([fieldValue('  Dana '), fieldValue(42), fieldValue(false)]).toEqual(['Dana', 42, false]);
  });

  it('given blank text, null or an empty list, when read, then there is no value', () => {
    expect([fieldValue('  '), fieldValue(null), fieldValue([]), fieldValue(['', null])]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('given a list of plain values, when read, then they are joined with ", "', () => {
    expect(fieldValue(['solar', 'battery', 3])).toBe('solar, battery, 3');
  });

  it('given a nested object or a list of objects, when read, then it is passed on as its JSON text for the lead checks to judge', () => {
    expect(fieldValue({ street: 'Main St' })).toBe('{"street":"Main St"}');
    expect(fieldValue([{ a: 1 }])).toBe('[{"a":1}]');
  });
});

describe('field collector', () => {
  it('given two fields claiming the same canonical name, when collected, then the first gets it and the second keeps its own name', () => {
    const fields = fieldCollector();
    fields.addGuessed('phone', '+49 30 1');
    fields.addGuessed('mobile', '+49 176 2');
    expect(fields.fields()).toEqual({ phone: '+49 30 1', mobile: '+49 176 2' });
  });

  it('given a phone sent as a number, when collected under a canonical text field, then it becomes text', () => {
    const fields = fieldCollector();
    fields.addGuessed('Phone Number', 15550000000);
    fields.add('score', 4);
    expect(fields.fields()).toEqual({ phone: '15550000000', score: 4 });
  });

  it('given a field named __proto__, when collected, then it is kept as a plain field', () => {
    const fields = fieldCollector();
    fields.add('__proto__', 'x');
    const result = fields.fields();
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });
});
