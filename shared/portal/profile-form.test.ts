import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RepProfileSchema, type RepProfile } from '../routing/eligibility.ts';
import { rep as makeRep } from '../routing/test-fixtures.ts';
import { Weekdays } from '../routing/working-hours.ts';
import * as z from '../zod.ts';
import { endOfLocalDay, parseProfileForm, profileFormValues, type FieldError, type ProfileFormValues } from './profile-form.ts';

/** What a browser posts for these values: every input, the checkbox only when ticked. */
function toForm(values: ProfileFormValues): URLSearchParams {
  const form = new URLSearchParams();
  if (values.active) form.set('active', 'on');
  for (const name of ['products', 'languages', 'countries', 'regions', 'postalPrefixes', 'capacity', 'timeZone', 'outOfOfficeUntil'] as const) {
    form.set(name, values[name]);
  }
  for (const day of Weekdays) form.set(`hours-${day}`, values.hours[day]);
  return form;
}

/** A valid, otherwise empty form with some fields overridden. */
function form(fields: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({ active: 'on', capacity: '5', timeZone: 'Europe/Berlin', ...fields });
}

function errorsOf(fields: Record<string, string>): FieldError[] {
  const result = parseProfileForm(form(fields));
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(fields)}`);
  return result.errors;
}

const fullRep: RepProfile = makeRep('ana', {
  name: 'Ana',
  active: false,
  capacity: 7,
  products: ['solar', 'Battery storage'],
  languages: ['de', 'en'],
  territory: { countries: ['DE', 'AT'], regions: ['Bavaria', 'Tyrol'], postalPrefixes: ['80', '1010'] },
  timeZone: 'Europe/Vienna',
  workingHours: {
    mon: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    fri: [['22:00', '06:00']],
    sat: [['10:00', '24:00']],
  },
  outOfOfficeUntil: '2026-04-10T22:00:00.000Z',
});

describe('profileFormValues', () => {
  it('given a rep with every setting, when shown in the form, then lists are comma-joined and hours read as shifts', () => {
    const values = profileFormValues(fullRep);
    expect(values).toEqual({
      active: false,
      products: 'solar, Battery storage',
      languages: 'de, en',
      countries: 'DE, AT',
      regions: 'Bavaria, Tyrol',
      postalPrefixes: '80, 1010',
      capacity: '7',
      timeZone: 'Europe/Vienna',
      hours: { mon: '09:00-12:00, 13:00-17:00', tue: '', wed: '', thu: '', fri: '22:00-06:00', sat: '10:00-24:00', sun: '' },
      // Midnight after 10 April in Vienna (CEST): the last day away is the 10th.
      outOfOfficeUntil: '2026-04-10',
    });
  });

  it('given a rep with no optional settings, when shown in the form, then every optional field is empty', () => {
    const values = profileFormValues(makeRep('ben'));
    expect(values.countries + values.regions + values.postalPrefixes + values.outOfOfficeUntil).toBe('');
    expect(Object.values(values.hours).every((day) => day === '')).toBe(true);
    expect(values.active).toBe(true);
  });
});

describe('parseProfileForm', () => {
  it('given a rep, when its form values are posted back unchanged, then the update equals the rep profile fields', () => {
    const result = parseProfileForm(toForm(profileFormValues(fullRep)));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.update).toEqual({
      active: fullRep.active,
      products: fullRep.products,
      languages: fullRep.languages,
      territory: fullRep.territory,
      capacity: fullRep.capacity,
      timeZone: fullRep.timeZone,
      workingHours: fullRep.workingHours,
      outOfOfficeUntil: fullRep.outOfOfficeUntil,
    });
  });

  it('given a rep without optional settings, when round-tripped, then territory, hours and absence come back undefined', () => {
    const plain = makeRep('ben');
    const result = parseProfileForm(toForm(profileFormValues(plain)));
    expect(result.ok && result.update).toEqual({
      active: true,
      products: [],
      languages: [],
      territory: undefined,
      capacity: 5,
      timeZone: 'UTC',
      workingHours: undefined,
      outOfOfficeUntil: undefined,
    });
  });

  it('given a successful parse, when the update is checked against RepProfileSchema.partial(), then it is accepted unchanged', () => {
    for (const rep of [fullRep, makeRep('ben')]) {
      const result = parseProfileForm(toForm(profileFormValues(rep)));
      if (!result.ok) throw new Error('expected ok');
      const checked = z.partial(RepProfileSchema).safeParse(result.update);
      expect(checked.success).toBe(true);
      expect(checked.data).toMatchObject(JSON.parse(JSON.stringify(result.update)));
    }
  });

  it('given messy lists, when parsed, then items are trimmed, empties dropped, repeats ignoring case kept once, codes normalized', () => {
    const result = parseProfileForm(
      form({
        products: ' Solar ,battery;; solar, BATTERY ,',
        languages: 'DE, en; de',
        countries: 'de; at, DE',
        regions: 'Bavaria,,bavaria',
        postalPrefixes: '80 ; 1010',
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.update.products).toEqual(['Solar', 'battery']);
    expect(result.update.languages).toEqual(['de', 'en']);
    expect(result.update.territory).toEqual({ countries: ['DE', 'AT'], regions: ['Bavaria'], postalPrefixes: ['80', '1010'] });
  });

  it('given an otherwise empty form with the checkbox unticked, when parsed, then the rep is off, anywhere and always available', () => {
    const result = parseProfileForm(new URLSearchParams({ capacity: '0', timeZone: 'UTC' }));
    expect(result.ok && result.update).toEqual({
      active: false,
      products: [],
      languages: [],
      territory: undefined,
      capacity: 0,
      timeZone: 'UTC',
      workingHours: undefined,
      outOfOfficeUntil: undefined,
    });
  });

  it('given hours with spaces, single-digit hours and an overnight shift, when parsed, then shifts are normalized and other days are off', () => {
    const result = parseProfileForm(form({ 'hours-mon': '9:00 - 12:00 ,13:00-17:30', 'hours-fri': '22:00-06:00', 'hours-sun': '  ' }));
    expect(result.ok && result.update.workingHours).toEqual({
      mon: [
        ['09:00', '12:00'],
        ['13:00', '17:30'],
      ],
      fri: [['22:00', '06:00']],
    });
  });

  it('given regions without countries, when parsed, then they are accepted (they apply in any country)', () => {
    const result = parseProfileForm(form({ regions: 'Bavaria' }));
    expect(result.ok && result.update.territory).toEqual({ regions: ['Bavaria'] });
  });

  it('given a last day away, when parsed, then it ends at the next local midnight in the chosen zone, summer time included', () => {
    const winter = parseProfileForm(form({ outOfOfficeUntil: '2026-03-28' }));
    expect(winter.ok && winter.update.outOfOfficeUntil).toBe('2026-03-28T23:00:00.000Z');
    const summer = parseProfileForm(form({ outOfOfficeUntil: '2026-07-01' }));
    expect(summer.ok && summer.update.outOfOfficeUntil).toBe('2026-07-01T22:00:00.000Z');
    const utc = parseProfileForm(form({ timeZone: 'UTC', outOfOfficeUntil: '2026-12-31' }));
    expect(utc.ok && utc.update.outOfOfficeUntil).toBe('2027-01-01T00:00:00.000Z');
  });

  it('given a date in the past, when parsed, then it is accepted and simply means not away', () => {
    const result = parseProfileForm(form({ outOfOfficeUntil: '2001-01-01' }));
    expect(result.ok && result.update.outOfOfficeUntil).toBe('2001-01-01T23:00:00.000Z');
  });

  it.each<[string, Record<string, string>, string, string]>([
    ['a language name', { languages: 'de, English' }, 'languages', '"English": use two-letter language codes such as de, en'],
    ['a country name', { countries: 'Germany' }, 'countries', '"Germany": use a two-letter ISO 3166 country code such as DE'],
    ['a postal prefix with symbols', { countries: 'DE', postalPrefixes: '80#' }, 'postalPrefixes', 'letters, digits, spaces and dashes'],
    ['a long postal prefix', { countries: 'DE', postalPrefixes: '1'.repeat(21) }, 'postalPrefixes', 'at most 20 characters'],
    ['postal prefixes without countries', { postalPrefixes: '80' }, 'countries', 'name the countries the postal prefixes belong to'],
    ['a product over 100 characters', { products: `solar, ${'x'.repeat(101)}` }, 'products', 'at most 100 characters'],
    ['51 products', { products: Array.from({ length: 51 }, (_, i) => `p${i}`).join(',') }, 'products', 'at most 50 entries'],
    ['capacity above 100', { capacity: '101' }, 'capacity', 'whole number from 0 to 100'],
    ['a negative capacity', { capacity: '-1' }, 'capacity', 'whole number from 0 to 100'],
    ['a fractional capacity', { capacity: '2.5' }, 'capacity', 'whole number from 0 to 100'],
    ['an empty capacity', { capacity: '' }, 'capacity', 'whole number from 0 to 100'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone', 'time zone'],
    ['an empty time zone', { timeZone: '' }, 'timeZone', 'time zone'],
    ['hours without minutes', { 'hours-tue': '9-17' }, 'hours-tue', 'Tuesday: "9-17" is not a shift; use times like 09:00-17:00'],
    ['an impossible time', { 'hours-wed': '09:00-25:00' }, 'hours-wed', 'Wednesday: "09:00-25:00" is not a shift'],
    ['a shift of no length', { 'hours-thu': '10:00-10:00' }, 'hours-thu', 'start and end must differ'],
    ['a shift starting at 24:00', { 'hours-fri': '24:00-06:00' }, 'hours-fri', 'a shift cannot start at 24:00'],
    ['nine shifts a day', { 'hours-sat': Array.from({ length: 9 }, (_, i) => `${10 + i}:00-${10 + i}:30`).join(', ') }, 'hours-sat', 'Saturday: at most 8 shifts'],
    ['an impossible date', { outOfOfficeUntil: '2026-02-30' }, 'outOfOfficeUntil', 'a date such as'],
    ['a date in words', { outOfOfficeUntil: 'next Friday' }, 'outOfOfficeUntil', 'a date such as'],
  ])('given %s, when parsed, then the error names the field and says how to fix it', (_case, fields, field, message) => {
    const errors = errorsOf(fields);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toContain(message);
  });

  it('given a maximum the admin set, when a capacity above it is posted, then the error names the maximum; at the maximum it is saved', () => {
    const above = parseProfileForm(form({ capacity: '9' }), { maxCapacity: 8 });
    const at = parseProfileForm(form({ capacity: '8' }), { maxCapacity: 8 });
    const wide = parseProfileForm(form({ capacity: '250' }), { maxCapacity: 400 });

    expect(above).toMatchObject({ ok: false, errors: [{ field: 'capacity', message: 'enter a whole number from 0 to 8 (8 is the most your admin allows)' }] });
    expect(at.ok && at.update.capacity).toBe(8);
    expect(wide.ok && wide.update.capacity).toBe(250);
  });

  it('given several bad values in one list, when parsed, then one error on the field quotes each of them as typed', () => {
    const [error] = errorsOf({ countries: 'Germany, AT, Austria' });
    expect(error?.message).toBe('"Germany", "Austria": use a two-letter ISO 3166 country code such as DE');
  });

  it('given many bad fields, when parsed, then every error is reported at once and the posted values come back to refill the form', () => {
    const posted = form({
      languages: 'English',
      countries: 'Germany',
      postalPrefixes: '80',
      capacity: 'lots',
      timeZone: 'Nowhere/City',
      'hours-mon': '9 to 5',
      'hours-sun': '10:00-10:00',
      outOfOfficeUntil: 'soon',
    });
    const result = parseProfileForm(posted);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field).sort()).toEqual(
      ['capacity', 'countries', 'hours-mon', 'hours-sun', 'languages', 'outOfOfficeUntil', 'timeZone'].sort(),
    );
    expect(result.values.capacity).toBe('lots');
    expect(result.values.hours.mon).toBe('9 to 5');
    expect(result.values.languages).toBe('English');
  });
});

describe('endOfLocalDay', () => {
  it('given a day whose midnight is skipped by daylight saving, when its end is computed, then it is the first instant of the next day', () => {
    // Chile springs forward from 24:00 to 01:00 on 6 September 2026: that day begins at 01:00 -03.
    expect(endOfLocalDay('2026-09-05', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('given an unknown zone or a malformed date, when its end is computed, then there is none', () => {
    expect(endOfLocalDay('2026-09-05', 'Nowhere/City')).toBeUndefined();
    expect(endOfLocalDay('5.9.2026', 'UTC')).toBeUndefined();
  });
});

describe('parseProfileForm properties', () => {
  const fieldNames = [
    'active',
    'products',
    'languages',
    'countries',
    'regions',
    'postalPrefixes',
    'capacity',
    'timeZone',
    'outOfOfficeUntil',
    ...Weekdays.map((day) => `hours-${day}`),
  ];
  // Arbitrary text, and near-misses of valid values so the property also walks the success path.
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom('', 'de, en', 'DE', 'Bavaria', '80, 1010', '5', '100', 'UTC', 'Europe/Berlin', '09:00-17:00', '22:00-06:00', '2026-07-01', '9999-12-31'),
  );

  it('given arbitrary strings in any field, when parsed, then it never throws and any accepted update is a valid partial rep profile', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fieldNames), value), fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }), (fields, extra) => {
        const posted = new URLSearchParams(fields);
        for (const [key, v] of extra) posted.append(key, v);
        const result = parseProfileForm(posted);
        if (result.ok) {
          expect(z.partial(RepProfileSchema).safeParse(result.update).success).toBe(true);
        } else {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const error of result.errors) expect(fieldNames).toContain(error.field);
        }
      }),
      { numRuns: 500 },
    );
  });
});
