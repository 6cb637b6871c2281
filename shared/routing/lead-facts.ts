import { contactFields, type LeadContact } from '../domain/lead.ts';
import type { FieldFlag } from '../domain/lead-quality.ts';

/** What routing needs to know about a lead: its answers, and who already passed on it. */
export interface LeadFacts {
  readonly id: string;
  readonly contact: LeadContact;
  readonly fields: Readonly<Record<string, string>>;
  readonly receivedAt: string;
  /** Reps who rejected this lead or let an offer of it time out. */
  readonly excludedReps: readonly string[];
  /** Fields it was kept with although malformed; each costs points. */
  readonly quality?: readonly FieldFlag[];
}

const contactKeys: ReadonlySet<string> = new Set(contactFields);

/**
 * The value a config names by field: a canonical contact field first, then a custom form field
 * of that name. Config authors do not need to know which of the two a form filled in, and a
 * field named like an Object prototype property never resolves to a function.
 */
export function leadValue(lead: Pick<LeadFacts, 'contact' | 'fields'>, field: string): string | undefined {
  const fromContact = contactKeys.has(field) ? lead.contact[field as keyof LeadContact] : undefined;
  if (fromContact !== undefined && fromContact !== '') return fromContact;
  const fromFields = Object.hasOwn(lead.fields, field) ? lead.fields[field] : undefined;
  return fromFields === undefined || fromFields === '' ? undefined : fromFields;
}

/** Config values are matched without regard to case: one form sends "Ads", another "ads". */
export const fold = (value: string): string => value.trim().toLowerCase();

/**
 * Case-insensitive equality of a configured value (optionally only its first `end` characters)
 * with a value already passed through `fold`. Ranking compares every rep's products, regions and
 * languages, so plain ASCII is compared in place without building lower-cased copies; anything
 * else (non-ASCII, surrounding spaces) takes the exact `fold` route.
 */
export function sameText(configured: string, folded: string, end: number = configured.length): boolean {
  if (end === configured.length && configured === folded) return true;
  let plain = end > 0 && configured.charCodeAt(0) > 32 && configured.charCodeAt(end - 1) > 32;
  for (let i = 0; plain && i < end; i++) plain = configured.charCodeAt(i) < 128;
  if (!plain) return fold(configured.slice(0, end)) === folded;
  if (end !== folded.length) return false;
  for (let i = 0; i < end; i++) {
    const c = configured.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== folded.charCodeAt(i)) return false;
  }
  return true;
}

/** Postal codes are compared without spaces or dashes and in upper case ("SW1A 1AA" ≡ "sw1a1aa"). */
export const normalizePostal = (value: string): string => value.replace(/[\s-]/g, '').toUpperCase();

/**
 * Whether a normalized postal code starts with a configured prefix, normalizing the prefix on
 * the fly (spaces and dashes skipped, letters upper-cased) without allocating. Returns the
 * number of prefix characters matched, 0 for no match or an empty prefix.
 */
export function postalPrefixLength(postal: string, prefix: string): number {
  let matched = 0;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (c === 32 || c === 45 || c === 9) continue;
    if (c >= 128) {
      const normalized = normalizePostal(prefix);
      return postal.startsWith(normalized) ? normalized.length : 0;
    }
    if ((c >= 97 && c <= 122 ? c - 32 : c) !== postal.charCodeAt(matched)) return 0;
    matched++;
  }
  return matched;
}

/**
 * Language by its primary subtag, so a lead in "de-AT" reaches a rep who speaks "de".
 * The contact field wins over a custom `language` form field.
 */
export function leadLanguage(lead: Pick<LeadFacts, 'contact' | 'fields'>): string | undefined {
  const raw = leadValue(lead, 'language');
  return raw === undefined ? undefined : primaryLanguage(raw);
}

export const primaryLanguage = (tag: string): string => fold(tag).split(/[-_]/)[0] ?? '';

/** Whether a configured language tag ("de", "DE", "de-AT") has the given primary subtag. */
export function speaks(tag: string, primary: string): boolean {
  let end = 0;
  while (end < tag.length && tag[end] !== '-' && tag[end] !== '_') end++;
  return sameText(tag, primary, end);
}

/** A lead's location, normalized once per decision instead of once per rep. */
export interface LeadLocation {
  /** ISO 3166 alpha-2, upper case. */
  readonly country?: string;
  /** Lower case. */
  readonly region?: string;
  /** Without spaces or dashes, upper case. */
  readonly postalCode?: string;
}

export function leadLocation(lead: Pick<LeadFacts, 'contact' | 'fields'>): LeadLocation {
  const country = leadValue(lead, 'country');
  const region = leadValue(lead, 'region');
  const postalCode = leadValue(lead, 'postalCode');
  return {
    ...(country !== undefined ? { country: country.trim().toUpperCase() } : {}),
    ...(region !== undefined ? { region: fold(region) } : {}),
    ...(postalCode !== undefined ? { postalCode: normalizePostal(postalCode) } : {}),
  };
}
