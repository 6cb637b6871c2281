import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, normalizePostal, type LeadLocation } from '../routing/lead-facts.ts';
import { FranchiseIndex } from './franchise-index.ts';
import type { FranchiseMap, TerritoryMatch } from './franchise-map.ts';
import { parseTerritoriesCsv } from './territories-csv.ts';

const map: FranchiseMap = {
  franchisees: [
    { id: 'austin-solar', name: 'Sunridge Austin', managerEmail: 'a@x.example.com' },
    { id: 'downtown', name: 'Sunridge Downtown', managerEmail: 'd@x.example.com' },
    { id: 'texas', name: 'Sunridge Texas', managerEmail: 't@x.example.com' },
    { id: 'usa', name: 'Sunridge USA', managerEmail: 'u@x.example.com' },
  ],
  territories: [
    { franchisee: 'austin-solar', area: { kind: 'postal', country: 'US', prefix: '787' } },
    { franchisee: 'downtown', area: { kind: 'postal', country: 'US', prefix: '78701' } },
    { franchisee: 'texas', area: { kind: 'region', country: 'US', region: 'Texas' } },
    { franchisee: 'usa', area: { kind: 'country', country: 'US' } },
    { franchisee: 'austin-solar', area: { kind: 'postal', country: 'MX', prefix: '787' } },
  ],
};
const index = FranchiseIndex.of(map);

describe('FranchiseIndex', () => {
  it.each<{ name: string; where: LeadLocation; franchiseeId: string | undefined; specificity?: number }>([
    { name: 'a code under a nested prefix', where: { country: 'US', postalCode: '78701' }, franchiseeId: 'downtown', specificity: 105 },
    { name: 'a code under the shorter prefix only', where: { country: 'US', postalCode: '78702', region: 'texas' }, franchiseeId: 'austin-solar', specificity: 103 },
    { name: 'a code no prefix holds, in a held region', where: { country: 'US', postalCode: '75001', region: 'texas' }, franchiseeId: 'texas', specificity: 50 },
    { name: 'a code shorter than the prefixes', where: { country: 'US', postalCode: '78' }, franchiseeId: 'usa', specificity: 10 },
    { name: 'only a country', where: { country: 'US' }, franchiseeId: 'usa', specificity: 10 },
    { name: 'the same prefix in another country', where: { country: 'MX', postalCode: '78701' }, franchiseeId: 'austin-solar', specificity: 103 },
    { name: 'a country nobody holds', where: { country: 'DE', postalCode: '78701' }, franchiseeId: undefined },
    { name: 'no country', where: { postalCode: '78701', region: 'texas' }, franchiseeId: undefined },
  ])('given $name, when looked up, then the answer is $franchiseeId', ({ where, franchiseeId, specificity }) => {
    const match = index.lookup(where);

    expect(match?.franchiseeId).toBe(franchiseeId);
    if (specificity !== undefined) expect(match?.specificity).toBe(specificity);
  });

  it('given a map, when indexed, then franchisees and the territory count are kept', () => {
    expect(index.size).toBe(5);
    expect(index.franchisee('texas')?.name).toBe('Sunridge Texas');
    expect(index.franchisee('nobody')).toBeUndefined();
    expect(index.franchisees().map((f) => f.id)).toEqual(['austin-solar', 'downtown', 'texas', 'usa']);
  });

  it.each<[LeadLocation, string]>([
    [{ country: 'US', postalCode: '78701' }, 'postal code 78701 in US: prefix "78701" of franchisee downtown (Sunridge Downtown), the longest of 2 matching prefixes'],
    [{ country: 'US', postalCode: '78702' }, 'postal code 78702 in US: prefix "787" of franchisee austin-solar (Sunridge Austin)'],
    [{ country: 'US', postalCode: '75001', region: 'texas' }, 'region "texas" in US: franchisee texas (Sunridge Texas); no franchisee holds a prefix of 75001'],
    [{ country: 'US', postalCode: '10001', region: 'new york' }, 'all of US: franchisee usa (Sunridge USA); no franchisee holds 10001 or region "new york"'],
    [{ country: 'DE', postalCode: '99999', region: 'xx' }, 'no franchisee holds 99999, region "xx" or all of DE'],
    [{ region: 'texas' }, 'no country on the lead: franchise territories lie within a country'],
  ])('given %o, when explained, then one line says who holds it and why', (where, line) => {
    expect(index.explain(where)).toBe(line);
  });

  it('given a hand-built map with unnormalized areas, when indexed, then they match as leads are normalized', () => {
    const loose = FranchiseIndex.of({
      franchisees: [{ id: 'a', name: 'A', managerEmail: 'a@x.example.com' }],
      territories: [
        { franchisee: 'a', area: { kind: 'postal', country: 'gb', prefix: 'sw1a 1' } },
        { franchisee: 'a', area: { kind: 'region', country: 'GB', region: ' Greater London ' } },
      ],
    });

    expect(loose.lookup({ country: 'GB', postalCode: 'SW1A1AA' })?.specificity).toBe(105);
    expect(loose.lookup({ country: 'GB', region: 'greater london' })?.specificity).toBe(50);
  });

  it.each<[string, FranchiseMap, RegExp]>([
    [
      'an area held by two franchisees',
      { franchisees: map.franchisees, territories: [map.territories[0]!, { franchisee: 'texas', area: { kind: 'postal', country: 'US', prefix: '787' } }] },
      /postal prefix "787" in US is held by two franchisees, "austin-solar" and "texas"/,
    ],
    ['a territory of an unlisted franchisee', { franchisees: [], territories: [map.territories[0]!] }, /which the map does not list/],
    ['a franchisee listed twice', { franchisees: [map.franchisees[0]!, map.franchisees[0]!], territories: [] }, /listed twice/],
  ])('given %s, when indexed, then it is refused', (_label, bad, reason) => {
    expect(() => FranchiseIndex.of(bad)).toThrow(reason);
  });
});

/** The answer by definition, from every territory in turn: longest prefix, then region, then country. */
function naiveLookup(franchise: FranchiseMap, where: LeadLocation): Pick<TerritoryMatch, 'franchiseeId' | 'specificity'> | undefined {
  let best: Pick<TerritoryMatch, 'franchiseeId' | 'specificity'> | undefined;
  for (const { franchisee, area } of franchise.territories) {
    if (area.country !== where.country) continue;
    const specificity =
      area.kind === 'postal'
        ? where.postalCode?.startsWith(area.prefix)
          ? 100 + area.prefix.length
          : 0
        : area.kind === 'region'
          ? where.region !== undefined && fold(area.region) === where.region
            ? 50
            : 0
          : 10;
    if (specificity > (best?.specificity ?? 0)) best = { franchiseeId: franchisee, specificity };
  }
  return best;
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

describe('FranchiseIndex against a scan of every territory', () => {
  // Few digits and short prefixes, so prefixes nest and collide; regions differing only in case and spaces.
  const arbCountry = fc.constantFrom('US', 'us', 'DE');
  const arbPrefix = fc.string({ unit: fc.constantFrom('1', '2', '3'), minLength: 1, maxLength: 5 });
  const arbArea = fc.oneof(
    fc.record({ kind: fc.constant('postal' as const), country: arbCountry, prefix: fc.tuple(arbPrefix, fc.constantFrom('', ' ', '-')).map(([p, sep]) => (p.length > 1 ? `${p[0]}${sep}${p.slice(1)}` : p)) }),
    fc.record({ kind: fc.constant('region' as const), country: arbCountry, region: fc.constantFrom('North', 'north', ' NORTH ', 'South', 'Île') }),
    fc.record({ kind: fc.constant('country' as const), country: arbCountry }),
  );
  const arbRow = fc.record({ franchisee: fc.constantFrom('a', 'b', 'c', 'd'), area: arbArea });
  type Row = typeof arbRow extends fc.Arbitrary<infer T> ? T : never;
  /** The area as the index keys it, to keep one franchisee per area. */
  const areaOf = ({ area }: Row) =>
    `${area.country.toUpperCase()}|${area.kind}|${area.kind === 'postal' ? normalizePostal(area.prefix) : area.kind === 'region' ? fold(area.region) : ''}`;
  const arbLocation = fc.record(
    { country: fc.constantFrom('US', 'DE', 'FR'), postalCode: fc.string({ unit: fc.constantFrom('1', '2', '3'), maxLength: 6 }), region: fc.constantFrom('north', 'south', 'île', 'east') },
    { requiredKeys: ['country'] },
  );
  const toCsv = (rows: readonly Row[]) =>
    [
      'franchisee,name,managerEmail,country,region,postalPrefix',
      ...rows.map(({ franchisee, area }) =>
        [franchisee, `Franchise ${franchisee}`, `${franchisee}@x.example.com`, area.country, area.kind === 'region' ? area.region : '', area.kind === 'postal' ? area.prefix : '']
          .map(csvCell)
          .join(','),
      ),
    ].join('\n');

  it('given random territories without conflicts, when imported and looked up, then the index agrees with the scan', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbRow, { selector: areaOf, maxLength: 30 }), fc.array(arbLocation, { minLength: 1, maxLength: 20 }), (rows, locations) => {
        const result = parseTerritoriesCsv(toCsv(rows));
        if ('errors' in result) throw new Error(result.errors.map((e) => e.message).join('; '));
        const franchise = FranchiseIndex.of(result.map);
        for (const where of locations) {
          const match = franchise.lookup(where);
          expect(match && { franchiseeId: match.franchiseeId, specificity: match.specificity }).toEqual(naiveLookup(result.map, where));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('given random territories, when imported, then a file is refused exactly when two franchisees share an area', () => {
    fc.assert(
      fc.property(fc.array(arbRow, { maxLength: 12 }), (rows) => {
        const holders = new Map<string, string>();
        let conflict = false;
        for (const row of rows) {
          const holder = holders.get(areaOf(row));
          if (holder !== undefined && holder !== row.franchisee) conflict = true;
          if (holder === undefined) holders.set(areaOf(row), row.franchisee);
        }
        expect('errors' in parseTerritoriesCsv(toCsv(rows))).toBe(conflict);
      }),
      { numRuns: 300 },
    );
  });
});
