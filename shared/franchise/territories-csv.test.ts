import { describe, expect, it } from 'vitest';
import { FranchiseIndex } from './franchise-index.ts';
import type { FranchiseMap } from './franchise-map.ts';
import { MAX_REPORTED_ERRORS, parseTerritoriesCsv, toTerritoriesCsv, type TerritoryRowError } from './territories-csv.ts';

const HEADER = 'franchisee,name,managerEmail,country,region,postalPrefix';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');

function mapOf(text: string): FranchiseMap {
  const result = parseTerritoriesCsv(text);
  if ('errors' in result) throw new Error(`expected a map, got ${result.errors.map((e) => e.message).join('; ')}`);
  return result.map;
}

function errorsOf(text: string): TerritoryRowError[] {
  const result = parseTerritoriesCsv(text);
  if ('map' in result) throw new Error('expected errors, got a map');
  return result.errors;
}

const sorted = (map: FranchiseMap) => ({
  franchisees: [...map.franchisees].sort((a, b) => a.id.localeCompare(b.id)),
  territories: [...map.territories].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
});

describe('parseTerritoriesCsv', () => {
  it('given a valid file, when parsed, then each franchisee is listed once and each row is one area', () => {
    const map = mapOf(
      csv(
        'austin-solar,Sunridge Austin,Ana@Sunridge.example.com,us,,787',
        'austin-solar,Sunridge Austin,ana@sunridge.example.com,US,,78 7-01',
        'dallas-solar,Sunridge Dallas,dan@sunridge.example.com,US,Texas,',
        'dallas-solar,Sunridge Dallas,dan@sunridge.example.com,US,,',
        'berlin,Sonne Berlin,berlin@sonne.example.com,DE,,10',
      ),
    );

    expect(map.franchisees).toEqual([
      { id: 'austin-solar', name: 'Sunridge Austin', managerEmail: 'ana@sunridge.example.com' },
      { id: 'dallas-solar', name: 'Sunridge Dallas', managerEmail: 'dan@sunridge.example.com' },
      { id: 'berlin', name: 'Sonne Berlin', managerEmail: 'berlin@sonne.example.com' },
    ]);
    expect(map.territories).toEqual([
      { franchisee: 'austin-solar', area: { kind: 'postal', country: 'US', prefix: '787' } },
      { franchisee: 'austin-solar', area: { kind: 'postal', country: 'US', prefix: '78701' } },
      { franchisee: 'dallas-solar', area: { kind: 'region', country: 'US', region: 'Texas' } },
      { franchisee: 'dallas-solar', area: { kind: 'country', country: 'US' } },
      { franchisee: 'berlin', area: { kind: 'postal', country: 'DE', prefix: '10' } },
    ]);
  });

  it('given headers in another order and spelling, when parsed, then they name the same columns and optional ones may be left out', () => {
    const map = mapOf('Postal Prefix,COUNTRY,manager_email,Name,franchisee\n787,US,a@x.example.com,Austin,austin\n');

    expect(map.territories).toEqual([{ franchisee: 'austin', area: { kind: 'postal', country: 'US', prefix: '787' } }]);
  });

  const crlfFile = (email: string) =>
    [`\ufeff${HEADER}`, 'a,"Alpha, Inc.",a@x.example.com,US,,1', '', ',,,,,', 'b,"Beta', 'Two",b@x.example.com,US,,2', `c,Gamma,${email},US,,3`, ''].join('\r\n');

  it('given a BOM, CRLF line ends, blank lines and a quoted cell over two lines, when parsed, then the cells are read as written', () => {
    const map = mapOf(crlfFile('c@x.example.com'));

    expect(map.franchisees.map((f) => f.name)).toEqual(['Alpha, Inc.', 'Beta\nTwo', 'Gamma']);
    expect(map.territories).toHaveLength(3);
  });

  it('given the same file with an error on its last row, when parsed, then the error names the line that row is on', () => {
    expect(errorsOf(crlfFile('not-an-email'))).toEqual([
      { line: 7, column: 'managerEmail', message: 'row 7: managerEmail "not-an-email" is not an email address' },
    ]);
  });

  it.each<[string, string, Partial<TerritoryRowError>]>([
    ['a missing franchisee', ',Austin,a@x.example.com,US,,787', { column: 'franchisee', message: 'row 2: franchisee is required' }],
    ['an id that is not a team id', 'Austin Solar,Austin,a@x.example.com,US,,787', { column: 'franchisee', message: expect.stringMatching(/^row 2: franchisee "Austin Solar" is not a team id/) }],
    ['an id over 40 characters', `${'a'.repeat(41)},Austin,a@x.example.com,US,,787`, { column: 'franchisee' }],
    ['a missing name', 'austin,,a@x.example.com,US,,787', { column: 'name', message: 'row 2: name is required' }],
    ['a name over 80 characters', `austin,${'n'.repeat(81)},a@x.example.com,US,,787`, { column: 'name', message: 'row 2: name is 81 characters, at most 80' }],
    ['a missing manager', 'austin,Austin,,US,,787', { column: 'managerEmail', message: 'row 2: managerEmail is required' }],
    ['a manager that is not an address', 'austin,Austin,a@,US,,787', { column: 'managerEmail', message: 'row 2: managerEmail "a@" is not an email address' }],
    ['a missing country', 'austin,Austin,a@x.example.com,,,787', { column: 'country', message: 'row 2: country is required' }],
    ['a three-letter country', 'austin,Austin,a@x.example.com,USA,,787', { column: 'country', message: expect.stringMatching(/^row 2: country "USA" is not a two-letter/) }],
    ['a prefix with a slash', 'austin,Austin,a@x.example.com,US,,78/7', { column: 'postalPrefix', message: expect.stringMatching(/^row 2: postalPrefix "78\/7" is not a postal prefix/) }],
    ['a prefix of dashes only', 'austin,Austin,a@x.example.com,US,,- -', { column: 'postalPrefix' }],
    ['a prefix over 20 characters', `austin,Austin,a@x.example.com,US,,${'1'.repeat(21)}`, { column: 'postalPrefix' }],
    ['a region over 200 characters', `austin,Austin,a@x.example.com,US,${'r'.repeat(201)},`, { column: 'region', message: 'row 2: region is 201 characters, at most 200' }],
    ['both a region and a prefix', 'austin,Austin,a@x.example.com,US,Texas,787', { message: expect.stringMatching(/^row 2: both region and postalPrefix are set/) }],
    ['more cells than columns', 'austin,Austin,a@x.example.com,US,,787,extra', { message: 'row 2: 7 cells, but the header names 6 columns' }],
  ])('given %s, when parsed, then the error names the row', (_label, row, expected) => {
    expect(errorsOf(csv(row))).toEqual([{ line: 2, ...expected, message: expected.message ?? expect.stringMatching(/^row 2: /) }]);
  });

  it.each([
    ['an unknown column', 'franchisee,name,managerEmail,country,zip\n', /^row 1: unknown column "zip"; the columns are franchisee, name, managerEmail, country, region, postalPrefix$/],
    ['a missing required column', 'franchisee,name,country\n', /^row 1: missing column managerEmail$/],
    ['a column twice', 'franchisee,name,managerEmail,country,Country\n', /^row 1: column "country" appears twice$/],
    ['no header at all', '', /the file is empty/],
    ['a quote never closed', `${HEADER}\na,"Alpha,a@x.example.com,US,,1\n`, /not a readable CSV file/],
  ])('given %s, when parsed, then the file is refused with one reason', (_label, text, reason) => {
    const errors = errorsOf(text);

    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(reason);
  });

  it('given a franchisee whose later rows carry another name and manager, when parsed, then each later row names the first', () => {
    const errors = errorsOf(
      csv('austin,Sunridge Austin,ana@x.example.com,US,,787', 'austin,Sunridge Austin,ANA@x.example.com,US,,788', 'austin,Sunridge Austn,bo@x.example.com,US,,789'),
    );

    expect(errors).toEqual([
      { line: 4, column: 'name', message: 'row 4: franchisee "austin" has name "Sunridge Austin" on row 2, here "Sunridge Austn"; its later rows repeat it or leave it empty' },
      { line: 4, column: 'managerEmail', message: 'row 4: franchisee "austin" has managerEmail "ana@x.example.com" on row 2, here "bo@x.example.com"; its later rows repeat it or leave it empty' },
    ]);
  });

  it('given a franchisee named on its first row only, when parsed, then its later rows take that name and manager', () => {
    const parsed = parseTerritoriesCsv(csv('austin,Sunridge Austin,ana@x.example.com,US,,787', 'austin,,,US,,788', 'austin,,,US,TX,'));

    expect(parsed).toEqual({
      map: {
        franchisees: [{ id: 'austin', name: 'Sunridge Austin', managerEmail: 'ana@x.example.com' }],
        territories: [
          { franchisee: 'austin', area: { kind: 'postal', country: 'US', prefix: '787' } },
          { franchisee: 'austin', area: { kind: 'postal', country: 'US', prefix: '788' } },
          { franchisee: 'austin', area: { kind: 'region', country: 'US', region: 'TX' } },
        ],
      },
    });
  });

  it('given two franchisees claiming the same prefix, region or country, when parsed, then the later row names the other franchisee and its row', () => {
    const errors = errorsOf(
      csv(
        'austin-solar,Austin,a@x.example.com,US,,787',
        'austin-solar,Austin,a@x.example.com,US,Texas,',
        'austin-solar,Austin,a@x.example.com,US,,',
        'dallas-solar,Dallas,d@x.example.com,us,, 78-7',
        'dallas-solar,Dallas,d@x.example.com,US, texas ,',
        'dallas-solar,Dallas,d@x.example.com,US,,',
      ),
    );

    expect(errors.map((error) => error.message)).toEqual([
      'row 5: postal prefix "787" in US is already franchisee "austin-solar" (row 2)',
      'row 6: region "texas" in US is already franchisee "austin-solar" (row 3)',
      'row 7: all of US is already franchisee "austin-solar" (row 4)',
    ]);
  });

  it('given a franchisee listing an area twice and a longer prefix inside another franchisee\'s, when parsed, then both are accepted', () => {
    const map = mapOf(
      csv('austin,Austin,a@x.example.com,US,,787', 'austin,Austin,a@x.example.com,US,,787', 'downtown,Downtown,d@x.example.com,US,,78701', 'austin,Austin,a@x.example.com,US,TEXAS,', 'austin,Austin,a@x.example.com,US,texas,'),
    );

    expect(map.territories.map((t) => t.area)).toEqual([
      { kind: 'postal', country: 'US', prefix: '787' },
      { kind: 'postal', country: 'US', prefix: '78701' },
      { kind: 'region', country: 'US', region: 'TEXAS' },
    ]);
  });

  it('given more errors than are reported, when parsed, then the first ones are listed and the rest counted', () => {
    const rows = Array.from({ length: 150 }, (_, i) => `bad id ${i},Name,a@x.example.com,US,,${i}`);

    const errors = errorsOf(csv(...rows));

    expect(errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(errors[0]!.line).toBe(2);
    expect(errors[MAX_REPORTED_ERRORS - 1]!.line).toBe(MAX_REPORTED_ERRORS + 1);
    expect(errors.at(-1)).toEqual({ line: MAX_REPORTED_ERRORS + 2, message: '… and 50 more' });
  });

  it('given 100,000 rows, when parsed, then every row is a territory and a sampled code finds its franchisee', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => {
      const id = `f${String(i % 1000).padStart(4, '0')}`;
      return `${id},Franchise ${id},owner@${id}.franchise.example.com,US,,${String(i).padStart(5, '0')}`;
    });

    const map = mapOf(csv(...rows));

    expect(map.franchisees).toHaveLength(1000);
    expect(map.territories).toHaveLength(100_000);
    expect(FranchiseIndex.of(map).lookup({ country: 'US', postalCode: '54321' })).toMatchObject({ franchiseeId: 'f0321', specificity: 105 });
    // 100,000 rows: about a second alone, more beside the stack tiers on two cores.
  }, 30_000);
});

describe('toTerritoriesCsv', () => {
  const map: FranchiseMap = {
    franchisees: [
      { id: 'zeta', name: 'Zeta "Z" Solar, LLC', managerEmail: 'z@x.example.com' },
      { id: 'alpha', name: 'Alpha', managerEmail: 'a@x.example.com' },
    ],
    territories: [
      { franchisee: 'zeta', area: { kind: 'postal', country: 'US', prefix: '787' } },
      { franchisee: 'alpha', area: { kind: 'postal', country: 'US', prefix: '10' } },
      { franchisee: 'alpha', area: { kind: 'region', country: 'US', region: 'New York, upstate' } },
      { franchisee: 'alpha', area: { kind: 'country', country: 'CA' } },
      { franchisee: 'alpha', area: { kind: 'country', country: 'US' } },
      { franchisee: 'alpha', area: { kind: 'postal', country: 'US', prefix: '09' } },
    ],
  };

  it('given a map, when exported, then rows are ordered by franchisee, country, kind and value, each franchisee named on its first row, and quoted only where needed', () => {
    expect(toTerritoriesCsv(map)).toBe(
      [
        HEADER,
        'alpha,Alpha,a@x.example.com,CA,,',
        'alpha,,,US,,',
        'alpha,,,US,"New York, upstate",',
        'alpha,,,US,,09',
        'alpha,,,US,,10',
        'zeta,"Zeta ""Z"" Solar, LLC",z@x.example.com,US,,787',
        '',
      ].join('\n'),
    );
  });

  it('given an exported map, when parsed again, then it is the same map', () => {
    expect(sorted(mapOf(toTerritoriesCsv(map)))).toEqual(sorted(map));
  });
});
