import { describe, expect, it } from 'vitest';
import { regexInputsDuring } from '../../test/support/regex-inputs.ts';
import { countryCode, emailAddress, MAX_EMAIL_LENGTH, multiLine, singleLine } from './normalize.ts';

/** The input that made a backtracking email pattern take seconds: quadratic in the dots. */
const backtrackingBait = `a@${'.'.repeat(63_000)} @`;

describe('emailAddress', () => {
  it('given a padded, mixed-case address, when read, then it comes back trimmed and in lower case', () => {
    expect(emailAddress('  Dana.Fox@Example.COM ')).toBe('dana.fox@example.com');
  });

  it.each([['not-an-email'], ['dana@localhost'], ['dana@@example.com'], ['dana fox@example.com'], ['']])('given %j, when read, then it is no address', (value) => {
    expect(emailAddress(value)).toBeUndefined();
  });

  it('given an address of the longest deliverable length, when read, then it is accepted', () => {
    const longest = `${'d'.repeat(64)}@${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(MAX_EMAIL_LENGTH - 64 - 1 - 63 - 1 - 63 - 1)}`;
    expect(longest).toHaveLength(MAX_EMAIL_LENGTH);

    expect(emailAddress(longest)).toBe(longest);
  });

  it('given a text longer than any address (the backtracking bait), when read, then it is refused before any pattern looks at it', async () => {
    let result: string | undefined = 'not read';
    const inputs = await regexInputsDuring(() => {
      result = emailAddress(backtrackingBait);
    });

    expect(result).toBeUndefined();
    expect(inputs.filter((input) => input.length > MAX_EMAIL_LENGTH)).toEqual([]);
  });
});

describe('singleLine', () => {
  it.each([
    ['Dana\r\nBcc: x@evil.test', 'Dana Bcc: x@evil.test'],
    ['Dana\nFox', 'Dana Fox'],
    ['Dana\tFox', 'Dana Fox'],
    ['Dana\u2028Fox\u2029Ltd', 'Dana Fox Ltd'],
    ['Dana\u0085Fox\u000b\u000cLtd', 'Dana Fox Ltd'],
    ['Da\u0000na\u0007 F\u007fox\u009b', 'Dana Fox'],
    ['  Ana   María López ', 'Ana María López'],
    ['Zoë Ørsted', 'Zoë Ørsted'],
  ])('given %j, when made one line, then it reads %j', (value, expected) => {
    expect(singleLine(value)).toBe(expected);
  });
});

describe('multiLine', () => {
  it.each([
    ['Call me\r\nafter 3pm', 'Call me\nafter 3pm'],
    ['one\rtwo\u2028three\u2029four\u0085five', 'one\ntwo\nthree\nfour\nfive'],
    ['tab\tkept', 'tab\tkept'],
    ['bell\u0007, null\u0000, del\u007f, csi\u009b gone', 'bell, null, del, csi gone'],
  ])('given %j, when cleaned, then it reads %j', (value, expected) => {
    expect(multiLine(value)).toBe(expected);
  });
});

describe('countryCode', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    ['DEU', 'DE'],
    ['Germany', 'DE'],
    ['Deutschland', 'DE'],
    ['Allemagne', 'DE'],
    ['Alemania', 'DE'],
    ['  united states of america ', 'US'],
    ['USA', 'US'],
    ['UK', 'GB'],
    ['Great Britain', 'GB'],
    ['Côte d’Ivoire', 'CI'],
    ['Cote d\'Ivoire', 'CI'],
    ['Bosnia & Herzegovina', 'BA'],
    ['Czech Republic', 'CZ'],
    ['Österreich', 'AT'],
    ['Oesterreich', undefined],
    ['XX', undefined],
    ['Atlantis', undefined],
    ['', undefined],
  ])('given %j, then it reads %j', (given, code) => {
    expect(countryCode(given)).toBe(code);
  });

  it('given every name of the English, German, French and Spanish country tables the intake used to read, then each reads as that table said', async () => {
    const { default: countries } = await import('i18n-iso-countries');
    const tables = await Promise.all(['en', 'de', 'fr', 'es'].map(async (lang) => (await import(`i18n-iso-countries/langs/${lang}.json`, { with: { type: 'json' } })).default));
    for (const table of tables) countries.registerLocale(table);
    const differences: string[] = [];
    for (const table of tables) {
      for (const names of Object.values(table.countries as Record<string, string | string[]>)) {
        for (const name of [names].flat()) {
          // The tables name both Congos "Congo"; they answered whichever came first.
          const expected = ['en', 'de', 'fr', 'es'].map((lang) => countries.getAlpha2Code(name, lang)).find(Boolean);
          if (countryCode(name) !== expected) differences.push(`${table.locale}: ${name} -> ${countryCode(name)}, was ${expected}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });
});
