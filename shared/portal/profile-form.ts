import { TerritorySchema, type Territory } from '../routing/config-schema.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { isValidTimeZone, localClock, ShiftSchema, Weekdays, type Weekday, type WorkingHours } from '../routing/working-hours.ts';

/**
 * The rep portal's profile form: a rep's own settings as the strings a plain HTML form posts,
 * and back. Parsing collects every problem at once, each under the name of the form field it
 * belongs to, so the page can mark every bad field in one round trip.
 */

/** What the form shows and posts, one string per input (the checkbox as a boolean). */
export interface ProfileFormValues {
  active: boolean;
  products: string;
  languages: string;
  countries: string;
  regions: string;
  postalPrefixes: string;
  capacity: string;
  timeZone: string;
  /** Per weekday, shifts as "09:00-12:00, 13:00-17:00"; empty is a day off. */
  hours: Record<Weekday, string>;
  /** `YYYY-MM-DD`, the last day away; empty when not away. */
  outOfOfficeUntil: string;
}

/** One problem, under the form field's name: 'capacity', 'hours-tue', 'countries', … */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The fields of a rep profile the rep may change themselves. Every key is always present;
 * `territory`, `workingHours` and `outOfOfficeUntil` set to `undefined` mean "remove it"
 * (anywhere, always available, not away), so a store must clear them rather than skip them.
 */
export interface ProfileUpdate {
  active: boolean;
  products: string[];
  languages: string[];
  territory?: Territory;
  capacity: number;
  timeZone: string;
  workingHours?: WorkingHours;
  outOfOfficeUntil?: string;
}

export type ProfileFormResult =
  | { ok: true; update: ProfileUpdate; values: ProfileFormValues }
  | { ok: false; errors: FieldError[]; values: ProfileFormValues };

export const MAX_LIST_ITEMS = 50;
export const MAX_ITEM_LENGTH = 100;
/** The most open leads a rep may set for themselves when the admin set no `maxCapacity`. */
export const DEFAULT_MAX_CAPACITY = 100;

/** The most open leads this rep may set for themselves in the portal. */
export const maxCapacityOf = (rep: Pick<RepProfile, 'maxCapacity'>): number => rep.maxCapacity ?? DEFAULT_MAX_CAPACITY;

/** What a profile form is checked against beside its own rules: the rep's limits as the admin set them. */
export interface ProfileLimits {
  /** See `maxCapacityOf`; the default when absent. */
  readonly maxCapacity?: number | undefined;
}
const MAX_SHIFTS_PER_DAY = 8;
const MAX_POSTAL_PREFIX = 20;

export const dayNames: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** Form field name of one weekday's hours. */
export const hoursField = (day: Weekday): string => `hours-${day}`;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function profileFormValues(rep: RepProfile): ProfileFormValues {
  const hours = {} as Record<Weekday, string>;
  for (const day of Weekdays) {
    hours[day] = (rep.workingHours?.[day] ?? []).map(([start, end]) => `${start}-${end}`).join(', ');
  }
  return {
    active: rep.active,
    products: rep.products.join(', '),
    languages: rep.languages.join(', '),
    countries: (rep.territory?.countries ?? []).join(', '),
    regions: (rep.territory?.regions ?? []).join(', '),
    postalPrefixes: (rep.territory?.postalPrefixes ?? []).join(', '),
    capacity: String(rep.capacity),
    timeZone: rep.timeZone,
    hours,
    outOfOfficeUntil: rep.outOfOfficeUntil === undefined ? '' : lastDayAway(rep.outOfOfficeUntil, rep.timeZone),
  };
}

/** What the browser posted, as strings; a missing field reads as empty. */
function readValues(form: URLSearchParams): ProfileFormValues {
  const get = (name: string) => form.get(name) ?? '';
  const hours = {} as Record<Weekday, string>;
  for (const day of Weekdays) hours[day] = get(hoursField(day));
  return {
    // An unticked checkbox is simply not posted.
    active: form.has('active'),
    products: get('products'),
    languages: get('languages'),
    countries: get('countries'),
    regions: get('regions'),
    postalPrefixes: get('postalPrefixes'),
    capacity: get('capacity'),
    timeZone: get('timeZone'),
    hours,
    outOfOfficeUntil: get('outOfOfficeUntil'),
  };
}

/** A user's value quoted in a message, cut short so one long paste does not flood the page. */
const quote = (value: string): string => `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
const quoteAll = (values: readonly string[]): string => values.slice(0, 5).map(quote).join(', ') + (values.length > 5 ? ', …' : '');

interface ParsedList {
  readonly items: string[];
  /** Item (after normalizing) → the spelling the rep typed, for messages. */
  readonly typed: ReadonlyMap<string, string>;
}

/**
 * A comma- or semicolon-separated list: items trimmed, empties dropped, repeats (ignoring case)
 * kept once, the first spelling winning.
 */
function parseList(field: string, raw: string, errors: FieldError[], normalize: (item: string) => string = (item) => item): ParsedList {
  const seen = new Set<string>();
  const items: string[] = [];
  const typed = new Map<string, string>();
  const tooLong: string[] = [];
  for (const part of raw.split(/[,;]/)) {
    const text = part.trim();
    if (text === '') continue;
    if (text.length > MAX_ITEM_LENGTH) {
      tooLong.push(text);
      continue;
    }
    const item = normalize(text);
    const key = item.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    items.push(item);
    typed.set(item, text);
  }
  if (tooLong.length > 0) {
    errors.push({ field, message: `each entry can be at most ${MAX_ITEM_LENGTH} characters (${quoteAll(tooLong)} is longer)` });
  } else if (items.length > MAX_LIST_ITEMS) {
    errors.push({ field, message: `at most ${MAX_LIST_ITEMS} entries, not ${items.length}` });
  }
  return { items, typed };
}

/** Reports every item failing `valid` as one error on the field, quoting them as typed. */
function checkItems(field: string, list: ParsedList, valid: (item: string) => boolean, message: string, errors: FieldError[]): void {
  if (errors.some((error) => error.field === field)) return;
  const bad = list.items.filter((item) => !valid(item)).map((item) => list.typed.get(item) ?? item);
  if (bad.length > 0) errors.push({ field, message: `${quoteAll(bad)}: ${message}` });
}

// The territory's own rules, so the portal accepts exactly what routing accepts.
const CountryItem = TerritorySchema.shape.countries.def.innerType.def.element;
const PostalPrefixItem = TerritorySchema.shape.postalPrefixes.def.innerType.def.element;
/** The territory's own wording: 'a two-letter ISO 3166 country code such as DE'. */
const countryMessage = CountryItem.safeParse('').error?.issues[0]?.message ?? 'a two-letter ISO 3166 country code such as DE';

const LANGUAGE = /^[a-z]{2}$/;
const CAPACITY = /^\d{1,4}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SHIFT = /^(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})$/;
const MIN_YEAR = 1970;
const MAX_YEAR = 2999;

/** What the capacity field says when it is not a whole number within the maximum, naming the maximum. */
export const capacityMessage = (maxCapacity: number, setByAdmin: boolean): string =>
  `enter a whole number from 0 to ${maxCapacity}${setByAdmin ? ` (${maxCapacity} is the most your admin allows)` : ''}`;

/** "9:00" → "09:00", so a rep need not type the leading zero. */
const clock = (text: string): string => (text.length === 4 ? `0${text}` : text);

function parseDay(day: Weekday, raw: string, errors: FieldError[]): [string, string][] {
  const field = hoursField(day);
  const shifts: [string, string][] = [];
  const problems: string[] = [];
  for (const part of raw.split(/[,;]/)) {
    const text = part.trim();
    if (text === '') continue;
    const match = SHIFT.exec(text);
    const parsed = match === null ? undefined : ShiftSchema.safeParse([clock(match[1]!), clock(match[2]!)]);
    if (parsed === undefined) {
      problems.push(`${quote(text)} is not a shift`);
    } else if (!parsed.success) {
      // A malformed time fails the clock regex; its message is less helpful than the example.
      const issue = parsed.error.issues[0];
      problems.push(issue === undefined || issue.path.length > 0 ? `${quote(text)} is not a shift` : `${quote(text)}: ${issue.message}`);
    } else {
      shifts.push(parsed.data);
    }
  }
  if (problems.length > 0) {
    errors.push({ field, message: `${dayNames[day]}: ${problems.slice(0, 3).join('; ')}; use times like 09:00-17:00` });
  } else if (shifts.length > MAX_SHIFTS_PER_DAY) {
    errors.push({ field, message: `${dayNames[day]}: at most ${MAX_SHIFTS_PER_DAY} shifts a day` });
  }
  return shifts;
}

function calendarDate(text: string): { year: number; month: number; day: number } | undefined {
  const match = DATE.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
  const at = new Date(Date.UTC(year, month - 1, day));
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

const dateKey = (year: number, month: number, day: number): number => year * 10_000 + month * 100 + day;

/**
 * The instant the given local day ends in `timeZone`: the first moment of the next local day.
 * Found by bisecting over minutes, so daylight-saving changes (even one skipping midnight) are
 * handled by Intl's rules rather than by offset arithmetic.
 */
export function endOfLocalDay(date: string, timeZone: string): string | undefined {
  const parsed = calendarDate(date);
  if (parsed === undefined || !isValidTimeZone(timeZone)) return undefined;
  const next = new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day + 1));
  const target = dateKey(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
  const localKey = (minute: number) => {
    const c = localClock(timeZone, new Date(minute * 60_000));
    return dateKey(c.year, c.month, c.day);
  };
  // Every zone's offset lies within ±15 hours of UTC.
  let lo = next.getTime() / 60_000 - 15 * 60;
  let hi = next.getTime() / 60_000 + 15 * 60;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (localKey(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  return new Date(lo * 60_000).toISOString();
}

/** The last local day an out-of-office instant covers: the day before the one it ends at. */
function lastDayAway(until: string, timeZone: string): string {
  const ms = Date.parse(until);
  if (Number.isNaN(ms)) return '';
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const c = localClock(zone, new Date(ms - 1));
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}`;
}

/**
 * Reads a posted profile form. On success `update` holds the new settings; either way `values`
 * holds what was posted, to fill the form again.
 *
 * `outOfOfficeUntil` is the last day away, in the rep's chosen time zone: it becomes the
 * instant that day ends there (the next local midnight), so the rep gets leads again from
 * the first minute of the following day. A past date is accepted and simply means not away.
 */
export function parseProfileForm(form: URLSearchParams, limits: ProfileLimits = {}): ProfileFormResult {
  const values = readValues(form);
  const errors: FieldError[] = [];

  const products = parseList('products', values.products, errors).items;

  const languagesList = parseList('languages', values.languages, errors, (item) => item.toLowerCase());
  const languages = languagesList.items;
  checkItems('languages', languagesList, (item) => LANGUAGE.test(item), 'use two-letter language codes such as de, en', errors);

  const countriesList = parseList('countries', values.countries, errors, (item) => item.toUpperCase());
  const countries = countriesList.items;
  checkItems('countries', countriesList, (item) => CountryItem.safeParse(item).success, `use ${countryMessage}`, errors);

  const regions = parseList('regions', values.regions, errors).items;

  const postalList = parseList('postalPrefixes', values.postalPrefixes, errors);
  const postalPrefixes = postalList.items;
  checkItems(
    'postalPrefixes',
    postalList,
    (item) => item.length <= MAX_POSTAL_PREFIX,
    `postal prefixes can be at most ${MAX_POSTAL_PREFIX} characters`,
    errors,
  );
  checkItems('postalPrefixes', postalList, (item) => PostalPrefixItem.safeParse(item).success, 'use only letters, digits, spaces and dashes', errors);
  if (postalPrefixes.length > 0 && countries.length === 0 && !errors.some((error) => error.field === 'countries')) {
    errors.push({ field: 'countries', message: 'name the countries the postal prefixes belong to' });
  }

  let territory: Territory | undefined;
  if (countries.length > 0 || regions.length > 0 || postalPrefixes.length > 0) {
    const candidate: Territory = {
      ...(countries.length > 0 ? { countries } : {}),
      ...(regions.length > 0 ? { regions } : {}),
      ...(postalPrefixes.length > 0 ? { postalPrefixes } : {}),
    };
    const checked = TerritorySchema.safeParse(candidate);
    if (checked.success) {
      territory = checked.data;
    } else {
      // Anything the item checks above did not already report, under the list it concerns.
      for (const issue of checked.error.issues) {
        const field = typeof issue.path[0] === 'string' ? issue.path[0] : 'countries';
        if (!errors.some((error) => error.field === field)) errors.push({ field, message: issue.message });
      }
    }
  }

  const capacityText = values.capacity.trim();
  const capacity = CAPACITY.test(capacityText) ? Number(capacityText) : Number.NaN;
  const maxCapacity = limits.maxCapacity ?? DEFAULT_MAX_CAPACITY;
  if (!(capacity >= 0 && capacity <= maxCapacity)) {
    errors.push({ field: 'capacity', message: capacityMessage(maxCapacity, limits.maxCapacity !== undefined) });
  }

  const timeZone = values.timeZone.trim();
  const validZone = timeZone !== '' && timeZone.length <= 100 && isValidTimeZone(timeZone);
  if (!validZone) errors.push({ field: 'timeZone', message: 'choose a time zone from the list, such as Europe/Berlin' });

  const workingHours: WorkingHours = {};
  let anyShift = false;
  for (const day of Weekdays) {
    const shifts = parseDay(day, values.hours[day], errors);
    if (shifts.length > 0) {
      workingHours[day] = shifts;
      anyShift = true;
    }
  }

  let outOfOfficeUntil: string | undefined;
  const away = values.outOfOfficeUntil.trim();
  if (away !== '') {
    // Until the zone is valid the instant cannot be placed; the zone's error says what to fix.
    outOfOfficeUntil = endOfLocalDay(away, validZone ? timeZone : 'UTC');
    if (outOfOfficeUntil === undefined) {
      errors.push({ field: 'outOfOfficeUntil', message: 'enter a date such as 2026-08-31, or leave it empty' });
    }
  }

  if (errors.length > 0) return { ok: false, errors, values };
  return {
    ok: true,
    values,
    update: {
      active: values.active,
      products,
      languages,
      territory,
      capacity,
      timeZone,
      workingHours: anyShift ? workingHours : undefined,
      outOfOfficeUntil,
    },
  };
}
