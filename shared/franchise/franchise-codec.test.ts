import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFranchiseMap, encodeFranchiseMap } from './franchise-codec.ts';
import type { FranchiseMap, TerritoryRow } from './franchise-map.ts';
import { areaKey } from './territory-area.ts';

const sorted = (map: FranchiseMap) => ({
  franchisees: map.franchisees,
  territories: [...map.territories].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
});

const arbMap: fc.Arbitrary<FranchiseMap> = fc
  .uniqueArray(
    fc.record({ id: fc.stringMatching(/^[a-z0-9-]{1,8}$/), name: fc.string({ minLength: 1, maxLength: 20 }), managerEmail: fc.constantFrom('a@x.example.com', 'b@y.example.com') }),
    { selector: (f) => f.id, minLength: 1, maxLength: 6 },
  )
  .chain((franchisees) => {
    const arbArea = fc.oneof(
      fc.record({ kind: fc.constant('postal' as const), country: fc.constantFrom('US', 'DE'), prefix: fc.stringMatching(/^[0-9A-Z]{1,6}$/) }),
      fc.record({ kind: fc.constant('region' as const), country: fc.constantFrom('US', 'DE'), region: fc.string({ minLength: 1, maxLength: 12 }) }),
      fc.record({ kind: fc.constant('country' as const), country: fc.constantFrom('US', 'DE', 'FR') }),
    );
    const arbRow = fc.record({ franchisee: fc.constantFrom(...franchisees.map((f) => f.id)), area: arbArea });
    return fc.record({
      franchisees: fc.constant(franchisees),
      territories: fc.uniqueArray(arbRow, { selector: (row: TerritoryRow) => areaKey(row.area), maxLength: 40 }),
    });
  });

describe('franchise map codec', () => {
  it('given any map, when encoded and decoded, then it is the same map up to the order of territories', () => {
    fc.assert(
      fc.property(arbMap, (map) => {
        expect(sorted(decodeFranchiseMap(encodeFranchiseMap(map)))).toEqual(sorted(map));
      }),
      { numRuns: 100 },
    );
  });

  it('given a map of another format version, when decoded, then it is refused naming the version', () => {
    const future = gzipSync(JSON.stringify({ version: 2, franchisees: [], countries: [] }));

    expect(() => decodeFranchiseMap(future)).toThrow('franchise map format version 2 is not one this code reads (it reads version 1)');
  });

  it.each([
    ['bytes that are not gzip', new TextEncoder().encode('franchisee,name\n')],
    ['a territory naming a franchisee index past the list', gzipSync(JSON.stringify({ version: 1, franchisees: [], countries: [{ country: 'US', whole: 0 }] }))],
    ['a field of the wrong type', gzipSync(JSON.stringify({ version: 1, franchisees: 'none', countries: [] }))],
  ])('given %s, when decoded, then it is refused as not a franchise map', (_label, bytes) => {
    expect(() => decodeFranchiseMap(bytes)).toThrow(/not an encoded franchise map/);
  });

  it('given a prefix that is not normalized, when encoded, then it is refused rather than split apart on decoding', () => {
    const map: FranchiseMap = {
      franchisees: [{ id: 'a', name: 'A', managerEmail: 'a@x.example.com' }],
      territories: [{ franchisee: 'a', area: { kind: 'postal', country: 'GB', prefix: 'SW1A 1' } }],
    };

    expect(() => encodeFranchiseMap(map)).toThrow(/not normalized/);
  });
});
