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

  it("given fields named like Object's own properties (from JSON), when parsed, then each is kept as an ordinary field", () => {
    const raw: unknown = JSON.parse('{"email":"a@b.co","constructor":"x","toString":"y","__proto__":"z","valueOf":"v"}');

    const { fields } = parseLeadInput(raw);

    expect(Object.entries(fields)).toEqual([
      ['constructor', 'x'],
      ['toString', 'y'],
      ['__proto__', 'z'],
      ['valueOf', 'v'],
    ]);
    expect(Object.getPrototypeOf(fields)).toBeNull();
  });

  it('given a name, company and product with line breaks and control characters, when parsed, then each is one clean line', () => {
    const lead = parseLeadInput({
      email: 'dana@example.com',
      name: 'Dana\r\nBcc: x@evil.test',
      company: 'Fox\u2028Ltd\u0000',
      product: 'solar\u0085\u009b',
      city: 'Ham\tburg',
    });

    expect(lead.contact).toEqual({ email: 'dana@example.com', firstName: 'Dana Bcc:', lastName: 'x@evil.test', company: 'Fox Ltd', product: 'solar', city: 'Ham burg' });
  });

  it('given a message over several lines with control characters, when parsed, then its lines stay and the control characters go', () => {
    const lead = parseLeadInput({ email: 'dana@example.com', message: 'Hello,\r\nplease call\u2028after 3pm.\u0007\u007f', firstName: 'Dana\nFox' });

    expect(lead.contact.message).toBe('Hello,\nplease call\nafter 3pm.');
    expect(lead.contact.firstName).toBe('Dana Fox');
  });

  it('given extra fields with control characters in their names and values, when parsed, then names are one line and values keep only their lines', () => {
    const lead = parseLeadInput({ email: 'dana@example.com', 'how\r\nfound': 'a friend\r\ntold me\u0000', utm_source: 'ads\u0085' });

    expect(lead.fields).toEqual({ 'how found': 'a friend\ntold me', utm_source: 'ads' });
  });

  it.each([
    [{ firstName: 'No contact' }, 'email', 'an email or a phone number is required'],
    [{ email: 'not-an-email' }, 'email', 'must be a valid email address'],
    [{ email: 'a@b.co', country: 'Atlantis' }, 'country', 'must be an ISO 3166 country code such as DE, or a country name'],
    [{ phone: 'call me' }, 'phone', 'must be a phone number with its +country code'],
    [{ phone: '030 1234567' }, 'phone', 'must be a phone number with its +country code'],
    [{ phone: '123', country: 'DE' }, 'phone', 'must be a phone number valid in DE, or one with its +country code'],
    [{ email: 'a@b.co', consent: 'maybe' }, 'consent', 'must be true or false (yes/no, on/off)'],
    [{ email: 'a@b.co', firstName: 'x'.repeat(201) }, 'firstName', 'must be at most 200 characters'],
    [{ email: 'a@b.co', extra: { nested: true } }, 'extra', 'must be text, a number or true/false'],
  ])('given %j, when parsed, then %s is named as the problem', (raw, field, message) => {
    expect(problemsOf(raw)).toContainEqual({ field, message });
  });

  it('given several bad fields, when parsed, then every one is reported at once', () => {
    const fields = problemsOf({ email: 'nope', country: 'XYZ', phone: '!!' }).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'country', 'phone']));
  });

  it.each([
    [{ country: 'Germany' }, 'DE'],
    [{ country: 'Deutschland' }, 'DE'],
    [{ country: 'deu' }, 'DE'],
    [{ country: 'United Kingdom' }, 'GB'],
    [{ country: 'UK' }, 'GB'],
    [{ country: 'Royaume-Uni' }, 'GB'],
    [{ country: 'ie' }, 'IE'],
  ])('given the country %j, when parsed, then it is stored as ISO 3166 alpha-2 %s', (raw, code) => {
    expect(parseLeadInput({ email: 'a@b.co', ...raw }).contact.country).toBe(code);
  });

  it.each([
    [{ phone: '030 1234567', country: 'DE' }, {}, '+49301234567'],
    [{ phone: '(030) 123-4567' }, { defaultCountry: 'DE' }, '+49301234567'],
    [{ phone: '020 7946 0000', country: 'United Kingdom' }, { defaultCountry: 'DE' }, '+442079460000'],
    [{ phone: '+44 20 7946 0000', country: 'DE' }, {}, '+442079460000'],
    [{ phone: '0049 170 1234567', country: 'DE' }, {}, '+491701234567'],
  ])('given the phone %j (options %j), when parsed, then it is stored in E.164 as %s', (raw, options, number) => {
    expect(parseLeadInput(raw, options).contact.phone).toBe(number);
  });

  it.each([
    ['on', true],
    ['yes', true],
    [true, true],
    ['I agree to be contacted about my enquiry', true],
    ['false', false],
    ['', false],
  ])('given consent %j, when parsed, then consent is %s', (consent, expected) => {
    expect(parseLeadInput({ email: 'a@b.co', consent }).consent).toBe(expected);
  });

  it('given a full name only, when parsed, then it is split into first and last name', () => {
    expect(parseLeadInput({ email: 'a@b.co', name: '  Ana María  López ' }).contact).toMatchObject({ firstName: 'Ana María', lastName: 'López' });
    expect(parseLeadInput({ email: 'a@b.co', name: 'Cher' }).contact).toMatchObject({ firstName: 'Cher' });
    expect(parseLeadInput({ email: 'a@b.co', name: 'Ana López', firstName: 'Ana' }).contact).toEqual({ email: 'a@b.co', firstName: 'Ana' });
  });

  it.each([[null], [[]], ['text'], [42]])('given a body that is not an object (%j), then it is rejected as a whole', (raw) => {
    expect(problemsOf(raw)).toEqual([{ field: '(body)', message: 'must be an object of lead fields' }]);
  });
});

describe('parseLeadInput, lenient (a server\'s post)', () => {
  const lenient = { lenient: true } as const;

  function refusalOf(raw: unknown, options: Parameters<typeof parseLeadInput>[1] = lenient) {
    try {
      parseLeadInput(raw, options);
    } catch (error) {
      if (error instanceof InvalidLead) return error;
      throw error;
    }
    throw new Error('expected InvalidLead');
  }

  it('given a valid email and a placeholder phone not valid in the lead\'s country, when parsed, then the lead is kept with the phone flagged as sent', () => {
    const lead = parseLeadInput({ firstName: 'Sam', email: 'sam@example.com', phone: ' (555) 555-5555 ', country: 'US' }, lenient);

    expect(lead.contact).toEqual({ firstName: 'Sam', email: 'sam@example.com', country: 'US' });
    expect(lead.quality).toEqual([{ field: 'phone', issue: 'invalid', given: '(555) 555-5555', problem: 'must be a phone number valid in US, or one with its +country code' }]);
  });

  it('given a valid phone and a malformed email, when parsed, then the lead is kept by its phone with the email flagged', () => {
    const lead = parseLeadInput({ phone: '+49 30 1234567', email: 'dana(at)example.com' }, lenient);

    expect(lead.contact).toEqual({ phone: '+49301234567' });
    expect(lead.quality).toEqual([{ field: 'email', issue: 'invalid', given: 'dana(at)example.com', problem: 'must be a valid email address' }]);
  });

  it.each([
    ['country', { country: 'Atlantis' }, 'invalid', 'Atlantis'],
    ['consent', { consent: 'maybe later' }, 'invalid', 'maybe later'],
    ['firstName', { firstName: `Dana${'x'.repeat(300)}` }, 'too-long', `Dana${'x'.repeat(196)}`],
    ['company', { company: { name: 'Fox Ltd' } }, 'not-text', '{"name":"Fox Ltd"}'],
    ['city', { city: ['Ham', 'burg'] }, 'not-text', '["Ham","burg"]'],
    ['language', { language: true }, 'invalid', 'true'],
    ['message', { message: `line one\r\n${'y'.repeat(5_100)}` }, 'too-long', `line one\n${'y'.repeat(4_991)}`],
  ])('given a malformed %s and a valid email, when parsed, then that field alone is flagged, kept as sent up to its length, and left out of the contact', (field, raw, issue, given) => {
    const lead = parseLeadInput({ email: 'a@b.co', ...raw }, lenient);

    expect(lead.quality).toEqual([expect.objectContaining({ field, issue, given })]);
    expect(lead.contact).toEqual({ email: 'a@b.co' });
    expect(lead.consent).toBeUndefined();
  });

  it('given a name with a line break among the malformed values, when flagged, then the value kept is one line', () => {
    const lead = parseLeadInput({ email: 'a@b.co', lastName: `Fox\r\nBcc: x@evil.test${'z'.repeat(200)}` }, lenient);

    expect(lead.quality?.[0]?.given).toMatch(/^Fox Bcc: x@evil\.testz+$/);
    expect(lead.quality?.[0]?.given).toHaveLength(200);
  });

  it('given extra fields that are objects, too long, or too many, when parsed, then each is flagged and the lead keeps the rest', () => {
    const many = Object.fromEntries(Array.from({ length: 52 }, (_, i) => [`f${i}`, 'v']));
    const lead = parseLeadInput({ email: 'a@b.co', nested: { a: 1 }, long: 'w'.repeat(1_200), ...many }, lenient);

    expect(lead.quality?.map((flag) => [flag.field, flag.issue])).toEqual([
      ['nested', 'not-text'],
      ['long', 'too-long'],
      ['(form)', 'too-many'],
    ]);
    expect(Object.keys(lead.fields)).toHaveLength(50);
    expect(lead.quality?.[2]?.given).toBe('f50, f51');
  });

  it('given nulls from a sender\'s empty mappings, when parsed, then they are empty fields, not flags', () => {
    const lead = parseLeadInput({ email: 'a@b.co', phone: null, company: null }, lenient);

    expect(lead).toEqual({ contact: { email: 'a@b.co' }, fields: {} });
  });

  it('given a clean lead, when parsed leniently, then it has no quality flags at all', () => {
    expect(parseLeadInput({ email: 'a@b.co', phone: '+44 20 7946 0000' }, lenient)).not.toHaveProperty('quality');
  });

  it('given neither a valid email nor a valid phone, when parsed, then the lead is refused naming the contact problem and each bad field', () => {
    const refusal = refusalOf({ email: 'nope', phone: '555-0100', country: 'US', company: { x: 1 } });

    expect(refusal.problems).toEqual([
      { field: 'email', message: 'an email or a phone number is required' },
      { field: 'email', message: 'as given, not a valid email address (must be a valid email address)' },
      { field: 'company', message: 'as given, a list or object, not text (Invalid input)' },
      { field: 'phone', message: 'as given, not a valid number (must be a phone number valid in US, or one with its +country code)' },
    ]);
  });

  it('given no email or phone at all, when parsed, then the lead is refused as unreachable', () => {
    expect(refusalOf({ firstName: 'Dana' }).problems).toEqual([{ field: 'email', message: 'an email or a phone number is required' }]);
  });

  it('given the same malformed phone, when parsed strictly (a form post), then it is refused naming the field as before', () => {
    const refusal = refusalOf({ email: 'a@b.co', phone: '555-0100', country: 'US' }, {});

    expect(refusal.problems).toEqual([{ field: 'phone', message: 'must be a phone number valid in US, or one with its +country code' }]);
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
