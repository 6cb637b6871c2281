import { describe, expect, it } from 'vitest';
import type { Territory } from './config-schema.ts';
import { coverage, territoryOverlaps } from './territory.ts';

const at = (country?: string, region?: string, postalCode?: string) => ({
  ...(country ? { country } : {}),
  ...(region ? { region } : {}),
  ...(postalCode ? { postalCode } : {}),
});

describe('coverage', () => {
  it.each<{ name: string; territory: Territory | undefined; where: ReturnType<typeof at>; covers: boolean; specificity: number }>([
    { name: 'no territory', territory: undefined, where: at('DE'), covers: true, specificity: 0 },
    { name: 'an empty territory', territory: {}, where: at(), covers: true, specificity: 0 },
    { name: 'a listed country', territory: { countries: ['DE', 'AT'] }, where: at('AT'), covers: true, specificity: 10 },
    { name: 'an unlisted country', territory: { countries: ['DE'] }, where: at('FR'), covers: false, specificity: 0 },
    { name: 'a lead without a country', territory: { countries: ['DE'] }, where: at(), covers: false, specificity: 0 },
    { name: 'a region, any case', territory: { countries: ['DE'], regions: ['Bayern'] }, where: at('DE', 'bayern'), covers: true, specificity: 50 },
    { name: 'another region', territory: { countries: ['DE'], regions: ['Bayern'] }, where: at('DE', 'hessen'), covers: false, specificity: 0 },
    { name: 'a 2-digit prefix', territory: { countries: ['DE'], postalPrefixes: ['80'] }, where: at('DE', undefined, '80331'), covers: true, specificity: 102 },
    {
      name: 'the longest of several prefixes',
      territory: { countries: ['DE'], postalPrefixes: ['8', '803'] },
      where: at('DE', undefined, '80331'),
      covers: true,
      specificity: 103,
    },
    {
      name: 'a prefix beating a region',
      territory: { regions: ['Bayern'], postalPrefixes: ['80'] },
      where: at('DE', 'bayern', '80331'),
      covers: true,
      specificity: 102,
    },
    {
      name: 'a prefix in another country',
      territory: { countries: ['AT'], postalPrefixes: ['80'] },
      where: at('DE', undefined, '80331'),
      covers: false,
      specificity: 0,
    },
    {
      name: 'a prefix without countries, in any country',
      territory: { postalPrefixes: ['SW1A'] },
      where: at('GB', undefined, 'SW1A1AA'),
      covers: true,
      specificity: 104,
    },
  ])('given $name, then covers=$covers with specificity $specificity', ({ territory, where, covers, specificity }) => {
    expect(coverage(territory, where)).toEqual({ covers, specificity });
  });

  it('given a lead with a spaced lower-case postcode, when checked against a prefix, then spaces and case do not matter', () => {
    const lead = { contact: { country: 'GB', postalCode: 'sw1a 1aa' }, fields: {} };
    expect(coverage({ countries: ['GB'], postalPrefixes: ['SW1A 1'] }, lead)).toEqual({ covers: true, specificity: 105 });
  });
});

describe('territoryOverlaps', () => {
  it.each<{ name: string; a: Territory; b: Territory; paths: string[] }>([
    { name: 'different countries', a: { countries: ['DE'] }, b: { countries: ['AT'] }, paths: [] },
    { name: 'the same whole country', a: { countries: ['DE'] }, b: { countries: ['AT', 'DE'] }, paths: ['countries.1'] },
    { name: 'a prefix inside a whole country', a: { countries: ['DE'] }, b: { countries: ['DE'], postalPrefixes: ['1'] }, paths: ['postalPrefixes.0'] },
    { name: 'nested prefixes', a: { countries: ['DE'], postalPrefixes: ['80'] }, b: { countries: ['DE'], postalPrefixes: ['70', '803'] }, paths: ['postalPrefixes.1'] },
    { name: 'the same prefix in other countries', a: { countries: ['DE'], postalPrefixes: ['80'] }, b: { countries: ['AT'], postalPrefixes: ['80'] }, paths: [] },
    { name: 'the same region', a: { countries: ['DE'], regions: ['Bayern'] }, b: { countries: ['DE'], regions: ['BAYERN'] }, paths: ['regions.0'] },
    { name: 'a region and a prefix (undecidable)', a: { countries: ['DE'], regions: ['Bayern'] }, b: { countries: ['DE'], postalPrefixes: ['80'] }, paths: [] },
    { name: 'prefixes without countries', a: { postalPrefixes: ['1'] }, b: { countries: ['DE'], postalPrefixes: ['12'] }, paths: ['postalPrefixes.0'] },
  ])('given $name, then the overlapping elements are $paths', ({ a, b, paths }) => {
    expect(territoryOverlaps(a, b).map((o) => o.path.join('.'))).toEqual(paths);
  });
});
