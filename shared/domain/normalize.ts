import codeList from 'i18n-iso-countries/codes.json' with { type: 'json' };
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import * as z from '../zod.ts';
import { COUNTRY_ALIASES } from './country-aliases.ts';
import { phoneMetadata } from './phone-metadata.ts';

/**
 * Normalization of what people type into forms: countries to ISO 3166-1 alpha-2, phone numbers
 * to E.164, consent boxes to true/false. Each returns `undefined` for a value it cannot read, and
 * the caller names the field in its error.
 */

interface CountryCodes {
  readonly alpha2: ReadonlySet<string>;
  readonly alpha3ToAlpha2: ReadonlyMap<string, string>;
}
let countryCodes: CountryCodes | undefined;

/**
 * ISO 3166-1 alpha-2 codes, and alpha-3 to alpha-2 (the code list alone, no names). Built on the
 * first country read, so the code list is bundled only where a function reads countries.
 */
function codes(): CountryCodes {
  if (countryCodes) return countryCodes;
  const list = codeList as unknown as readonly (readonly [alpha2: string, alpha3: string, numeric: string, subdivisions: string])[];
  countryCodes = { alpha2: new Set(list.map(([alpha2]) => alpha2)), alpha3ToAlpha2: new Map(list.map(([alpha2, alpha3]) => [alpha3, alpha2])) };
  return countryCodes;
}
/** The languages country names are read in. */
const nameLocales = ['en', 'de', 'fr', 'es'] as const;

/** "Côte d’Ivoire " -> "cote d'ivoire": lower case, no accents, "&" as "and", one kind of apostrophe and space. */
export function nameKey(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/&/g, 'and').replace(/[’`´]/g, "'").replace(/\s+/g, ' ').trim();
}

let codesByName: ReadonlyMap<string, string> | undefined;

/**
 * Country names to codes, from the runtime's own ICU data (`Intl.DisplayNames`, long and short
 * forms in each language) and the aliases. Built on the first name a form sends: most send a code.
 */
function namesToCodes(): ReadonlyMap<string, string> {
  if (codesByName) return codesByName;
  const byName = new Map<string, string>();
  for (const locale of nameLocales) {
    for (const style of ['long', 'short'] as const) {
      const names = new Intl.DisplayNames([locale], { type: 'region', style, fallback: 'none' });
      for (const code of codes().alpha2) {
        const name = names.of(code);
        if (name && !byName.has(nameKey(name))) byName.set(nameKey(name), code);
      }
    }
  }
  for (const [name, code] of Object.entries(COUNTRY_ALIASES)) byName.set(name, code);
  codesByName = byName;
  return byName;
}

/** Line and paragraph breaks of every kind: LF, CR, VT, FF, NEL and Unicode's line and paragraph separators. */
const isBreak = (code: number) => (code >= 0x0a && code <= 0x0d) || code === 0x85 || code === 0x2028 || code === 0x2029;
/** C0 controls, DEL and C1 controls. */
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);

/**
 * Text for one line: a name, a company, anything that may reach an email's subject or a
 * header. Breaks and tabs become a space (a CR/LF there would start a header of its own),
 * other control characters go, and runs of spaces shrink to one. A plain loop: linear.
 */
export function singleLine(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    const next = isBreak(code) || code === 0x09 ? ' ' : isControl(code) ? '' : char;
    if (next === ' ' && (out === '' || out.endsWith(' '))) continue;
    out += next;
  }
  return out.trimEnd();
}

/**
 * Text of several lines (the person's message) for an email's body, never a subject: every
 * kind of break becomes `\n` (CRLF one), tabs stay, other control characters go.
 */
export function multiLine(value: string): string {
  let out = '';
  let afterCr = false;
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code === 0x0a && afterCr) {
      afterCr = false;
      continue;
    }
    afterCr = code === 0x0d;
    if (isBreak(code)) out += '\n';
    else if (code === 0x09 || !isControl(code)) out += char;
  }
  return out;
}

/** The longest address mail can be sent to: RFC 5321's 256-octet path less its angle brackets. */
export const MAX_EMAIL_LENGTH = 254;

// zod's pattern backtracks linearly; the length is checked first all the same, so no pattern is
// ever handed more than an address's worth of whatever a form sent.
const emailFormat = z.email();

/**
 * "Dana@Example.com " -> "dana@example.com": the address every intake path (the webhook, the
 * portal's sign-in) accepts, trimmed and in lower case, as reps and pointers are stored.
 */
export function emailAddress(value: string): string | undefined {
  const text = value.trim();
  if (text.length > MAX_EMAIL_LENGTH) return undefined;
  const address = text.toLowerCase();
  return emailFormat.safeParse(address).success ? address : undefined;
}

/** "de", "DEU", "Germany", "Deutschland", "Allemagne" -> "DE". */
export function countryCode(value: string): string | undefined {
  const text = value.trim();
  if (text.length > 100) return undefined;
  if (text.toLowerCase() === 'uk') return 'GB';
  if (/^[A-Za-z]{2}$/.test(text)) return codes().alpha2.has(text.toUpperCase()) ? text.toUpperCase() : undefined;
  if (/^[A-Za-z]{3}$/.test(text)) {
    const alpha2 = codes().alpha3ToAlpha2.get(text.toUpperCase());
    if (alpha2) return alpha2;
  }
  return namesToCodes().get(nameKey(text));
}

/**
 * E.164 ("+4930123456") for a number written with its country prefix, or written nationally
 * ("030 123456") for the lead's country. Only numbers of a shape their country's numbering plan
 * allows: its leading digits and lengths (libphonenumber's `min` metadata, half of `max`).
 * Ranges no number of any type is assigned from yet (a German "12345") are not told apart, so
 * such a number is kept rather than flagged; one too short, too long or under no country's
 * prefix is still flagged.
 */
export function e164(value: string, country?: string): string | undefined {
  const parsed = country ? parsePhoneNumberFromString(value, { defaultCountry: country as CountryCode }, phoneMetadata()) : parsePhoneNumberFromString(value, phoneMetadata());
  return parsed?.isValid() ? parsed.number : undefined;
}

/** "+4930123456" as people read it, "+49 30 123456"; anything that does not parse, as it is. */
export function readablePhone(value: string): string {
  return parsePhoneNumberFromString(value, phoneMetadata())?.formatInternational() ?? value;
}

const yes = new Set(['true', 'on', 'yes', 'y', '1', 'accepted', 'accept', 'agreed', 'checked', 'ja', 'oui', 'si', 'sí']);
const no = new Set(['false', 'off', 'no', 'n', '0', 'nein', 'non', '']);

/** A checkbox, a boolean or a yes/no answer; undefined for anything else. */
export function consentFlag(value: string | number | boolean): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (yes.has(text)) return true;
  if (no.has(text)) return false;
  // Typeform and WordPress send the label of a ticked box ("I agree to be contacted").
  if (/\b(agree|accept|consent|einverstanden|zustimm)/.test(text)) return true;
  return undefined;
}

export const UtmParameters = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'utm_id', 'gclid', 'fbclid', 'msclkid'] as const;

/** The campaign parameters in a page URL's query string; nothing for a URL that does not parse. */
export function utmFromUrl(pageUrl: string): Record<string, string> {
  let url: URL;
  try {
    url = new URL(pageUrl);
  } catch {
    return {};
  }
  const found: Record<string, string> = {};
  for (const name of UtmParameters) {
    const value = url.searchParams.get(name)?.trim();
    if (value) found[name] = value.slice(0, 200);
  }
  return found;
}

/**
 * "Ana María López" -> first "Ana María", last "López": the last word is taken as the family
 * name. Good enough for a salutation; the full name stays readable either way.
 */
export function splitName(name: string): { firstName: string; lastName?: string } {
  const words = name.trim().split(/\s+/);
  if (words.length < 2) return { firstName: words[0] ?? '' };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1)! };
}
