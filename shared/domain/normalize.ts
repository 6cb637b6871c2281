import countries from 'i18n-iso-countries';
import de from 'i18n-iso-countries/langs/de.json' with { type: 'json' };
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import es from 'i18n-iso-countries/langs/es.json' with { type: 'json' };
import fr from 'i18n-iso-countries/langs/fr.json' with { type: 'json' };
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * Normalization of what people type into forms: countries to ISO 3166-1 alpha-2, phone numbers
 * to E.164, consent boxes to true/false. Each returns `undefined` for a value it cannot read, and
 * the caller names the field in its error.
 */

for (const locale of [en, de, fr, es]) countries.registerLocale(locale);
const nameLocales = ['en', 'de', 'fr', 'es'] as const;

/** Names forms commonly send that are not the registered country names. */
const aliases: Readonly<Record<string, string>> = { uk: 'GB', 'great britain': 'GB', england: 'GB', scotland: 'GB', wales: 'GB', usa: 'US' };

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
  const alias = aliases[text.toLowerCase()];
  if (alias) return alias;
  if (/^[A-Za-z]{2}$/.test(text)) return countries.isValid(text) ? text.toUpperCase() : undefined;
  if (/^[A-Za-z]{3}$/.test(text)) {
    const alpha2 = countries.alpha3ToAlpha2(text.toUpperCase());
    if (alpha2) return alpha2;
  }
  for (const locale of nameLocales) {
    const code = countries.getAlpha2Code(text, locale);
    if (code) return code;
  }
  return undefined;
}

/**
 * E.164 ("+4930123456") for a number written with its country prefix, or written nationally
 * ("030 123456") for the lead's country. Only numbers valid for their country's numbering plan.
 */
export function e164(value: string, country?: string): string | undefined {
  const parsed = parsePhoneNumberFromString(value, country ? { defaultCountry: country as CountryCode } : undefined);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** "+4930123456" as people read it, "+49 30 123456"; anything that does not parse, as it is. */
export function readablePhone(value: string): string {
  return parsePhoneNumberFromString(value)?.formatInternational() ?? value;
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
