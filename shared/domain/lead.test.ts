import { describe, expect, it } from 'vitest';
import { InvalidLead } from './errors.ts';
import { createLead, parseLeadInput } from './lead.ts';

function problemsOf(raw: unknown) {
  try {
    parseLeadInput(raw);
  } catch (error) {
    if (error instanceof InvalidLead) return error.problems;
    throw error;
  }
  throw new Error('expected InvalidLead');
}

describe('parseLeadInput', () => {
  it('given padded and mixed-case values, when parsed, then text is trimmed, email lowercased and country upper-cased', () => {
    const lead = parseLeadInput({ firstName: '  Ada ', email: ' Ada@Example.COM ', country: 'de', postalCode: 10115 });
    expect(lead.contact).toEqual({ firstName: 'Ada', email: 'ada@example.com', country: 'DE', postalCode: '10115' });
  });

  it('given fields beyond the canonical ones, when parsed, then they are kept as text under fields', () => {
    const lead = parseLeadInput({ email: 'a@b.co', utm_source: 'ads', employees: 250, newsletter: true, empty: '' });
    expect(lead.fields).toEqual({ utm_source: 'ads', employees: '250', newsletter: 'true' });
    expect(lead.contact).toEqual({ email: 'a@b.co' });
  });

  it.each([
    [{ firstName: 'No contact' }, 'email', 'an email or a phone number is required'],
    [{ email: 'not-an-email' }, 'email', 'must be a valid email address'],
    [{ email: 'a@b.co', country: 'Germany' }, 'country', 'must be a two-letter ISO 3166 country code such as DE'],
    [{ phone: 'call me' }, 'phone', 'must be a phone number (digits, spaces, + ( ) . - /)'],
    [{ email: 'a@b.co', firstName: 'x'.repeat(201) }, 'firstName', 'must be at most 200 characters'],
    [{ email: 'a@b.co', extra: { nested: true } }, 'extra', 'must be text, a number or true/false'],
  ])('given %j, when parsed, then %s is named as the problem', (raw, field, message) => {
    expect(problemsOf(raw)).toContainEqual({ field, message });
  });

  it('given several bad fields, when parsed, then every one is reported at once', () => {
    const fields = problemsOf({ email: 'nope', country: 'XYZ', phone: '!!' }).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'country', 'phone']));
  });

  it.each([[null], [[]], ['text'], [42]])('given a body that is not an object (%j), then it is rejected as a whole', (raw) => {
    expect(problemsOf(raw)).toEqual([{ field: '(body)', message: 'must be an object of lead fields' }]);
  });
});

describe('createLead', () => {
  it('given a time and an SLA, when created, then the lead is RECEIVED, unoffered, with its deadline after the SLA', () => {
    const lead = createLead({ contact: { email: 'a@b.co' }, fields: {} }, 'sales', {
      now: new Date('2026-03-01T10:00:00Z'),
      contactWithinMs: 30 * 60_000,
    }, 'lead-1');
    expect(lead).toMatchObject({
      id: 'lead-1',
      status: 'RECEIVED',
      teamId: 'sales',
      attempt: 0,
      receivedAt: '2026-03-01T10:00:00.000Z',
      contactDeadline: '2026-03-01T10:30:00.000Z',
      excludedReps: [],
    });
  });
});
