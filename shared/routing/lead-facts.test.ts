import { describe, expect, it } from 'vitest';
import { fold, leadLanguage, leadValue, postalPrefixLength, sameText, speaks } from './lead-facts.ts';
import { lead } from './test-fixtures.ts';

describe('leadValue', () => {
  it.each([
    ['a contact field', 'product', 'CRM'],
    ['a custom field', 'segment', 'smb'],
    ['a custom field shadowed by a contact field', 'country', 'DE'],
    ['an empty custom field', 'notes', undefined],
    ['an Object prototype name', 'constructor', undefined],
  ])('given %s, then the value is %s', (_name, field, expected) => {
    const facts = lead({ product: 'CRM', country: 'DE' }, { fields: { segment: 'smb', country: 'AT', notes: '' } });
    expect(leadValue(facts, field)).toBe(expected);
  });

  it('given a language in both the contact and a form field, then the contact wins and only the primary subtag is kept', () => {
    expect(leadLanguage(lead({ language: 'de-AT' }, { fields: { language: 'fr' } }))).toBe('de');
  });
});

describe('sameText', () => {
  it.each([
    ['CRM', 'crm', true],
    ['crm', 'crm', true],
    ['crm', 'erp', false],
    ['payroll', 'crm', false],
    [' CRM ', 'crm', true],
    ['Zürich', 'zürich', true],
    ['İstanbul', fold('İSTANBUL'), true],
    ['Zürich', 'zurich', false],
  ])('given configured "%s" and folded "%s", then equal is %s', (configured, folded, expected) => {
    expect(sameText(configured, folded)).toBe(expected);
  });
});

describe('speaks', () => {
  it.each([
    ['de', 'de', true],
    ['DE', 'de', true],
    ['de-AT', 'de', true],
    ['pt_BR', 'pt', true],
    ['en', 'de', false],
    ['dee', 'de', false],
  ])('given tag "%s" and lead language "%s", then speaks is %s', (tag, language, expected) => {
    expect(speaks(tag, language)).toBe(expected);
  });
});

describe('postalPrefixLength', () => {
  it.each([
    ['80331', '80', 2],
    ['80331', '81', 0],
    ['SW1A1AA', 'sw1a 1', 5],
    ['SW1A1AA', 'SW1A-1AA', 7],
    ['803', '80331', 0],
    ['80331', '', 0],
  ])('given postal %s and prefix "%s", then %s characters match', (postal, prefix, expected) => {
    expect(postalPrefixLength(postal, prefix)).toBe(expected);
  });
});
