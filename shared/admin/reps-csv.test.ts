import { describe, expect, it } from 'vitest';
import { chunkRows, csvColumnOf, csvRowToRep, parseRepsCsv, RepsCsvError } from './reps-csv.ts';

describe('reps CSV -> import JSON', () => {
  it('given a full row, when mapped, then lists are split, numbers and yes/no typed, and territory and hours nested', () => {
    const rep = csvRowToRep({
      id: 'ana',
      name: ' Ana Souza ',
      email: 'ana@demo.example.com',
      team: 'dach-sales',
      role: 'rep',
      active: 'no',
      capacity: '5',
      dailyCap: '12',
      products: 'solar; battery|wallbox',
      languages: 'de;en',
      countries: 'DE;AT',
      postalPrefixes: '10|12',
      timeZone: 'Europe/Berlin',
      hours: 'mon-fri 09:00-17:30',
    });

    expect(rep).toEqual({
      id: 'ana',
      name: 'Ana Souza',
      email: 'ana@demo.example.com',
      teamId: 'dach-sales',
      role: 'rep',
      active: false,
      capacity: 5,
      dailyCap: 12,
      products: ['solar', 'battery', 'wallbox'],
      languages: ['de', 'en'],
      territory: { countries: ['DE', 'AT'], postalPrefixes: ['10', '12'] },
      timeZone: 'Europe/Berlin',
      workingHours: 'mon-fri 09:00-17:30',
    });
  });

  it('given the admin columns disabled and maxCapacity, when mapped, then disabled is yes/no and the maximum a number', () => {
    expect(csvRowToRep({ name: 'Ben', email: 'ben@x.example', team: 't', capacity: '3', disabled: 'yes', maxCapacity: '8' })).toEqual({
      name: 'Ben',
      email: 'ben@x.example',
      teamId: 't',
      capacity: 3,
      disabled: true,
      maxCapacity: 8,
    });
    expect(csvRowToRep({ disabled: 'no', maxCapacity: 'eight' })).toEqual({ disabled: false, maxCapacity: 'eight' });
  });

  it('given a file with Disabled and Max Capacity headers, when parsed, then each row carries both', () => {
    const rows = parseRepsCsv('name,email,team,capacity,Disabled,Max Capacity\nAna,ana@x.example,dach-sales,5,no,12\nBen,ben@x.example,dach-sales,2,yes,\n');

    expect(rows.map((row) => row.rep)).toEqual([
      { name: 'Ana', email: 'ana@x.example', teamId: 'dach-sales', capacity: 5, disabled: false, maxCapacity: 12 },
      { name: 'Ben', email: 'ben@x.example', teamId: 'dach-sales', capacity: 2, disabled: true },
    ]);
  });

  it('given empty cells, when mapped, then those fields are left out so their defaults apply', () => {
    expect(csvRowToRep({ name: 'Ben', email: 'ben@x.example', team: 't', capacity: '3', products: ' ', countries: '', hours: '' })).toEqual({
      name: 'Ben',
      email: 'ben@x.example',
      teamId: 't',
      capacity: 3,
    });
  });

  it('given cells that are not what the column wants, when mapped, then they pass as text for the endpoint to name', () => {
    expect(csvRowToRep({ capacity: 'five', active: 'maybe' })).toEqual({ capacity: 'five', active: 'maybe' });
  });

  it('given a file with a BOM, mixed-case headers, a blank line and a quoted cell over two lines, when parsed, then each row carries the line it starts on', () => {
    const csv = [
      '\ufeffName,EMAIL,teamId,capacity,Working Hours',
      'Ana,ana@x.example,dach-sales,5,mon-fri 09:00-17:00',
      '',
      '"Ben',
      'Okafor",ben@x.example,uk-sales,3,',
      'Cleo,cleo@x.example,uk-sales,2,',
    ].join('\n');

    const rows = parseRepsCsv(csv);

    expect(rows.map((row) => row.line)).toEqual([2, 4, 6]);
    expect(rows[0]!.rep).toEqual({ name: 'Ana', email: 'ana@x.example', teamId: 'dach-sales', capacity: 5, workingHours: 'mon-fri 09:00-17:00' });
    expect(rows[1]!.rep).toMatchObject({ name: 'Ben\nOkafor', teamId: 'uk-sales' });
  });

  it.each([
    ['an unknown column', 'name,email,team,capacity,colour\n', /unknown column "colour"/],
    ['a missing required column', 'name,email,capacity\n', /missing column team/],
    ['a column twice', 'name,email,team,teamId,capacity\n', /column "team" appears twice/],
    ['no header at all', '', /empty/],
    ['a row with more cells than the header', 'name,email,team,capacity\nA,a@x.example,t,1,extra\n', /not a readable CSV file/],
  ])('given %s, when parsed, then the whole file is refused with a reason', (_label, csv, reason) => {
    expect(() => parseRepsCsv(csv)).toThrow(RepsCsvError);
    expect(() => parseRepsCsv(csv)).toThrow(reason);
  });

  it('given fields the endpoint names, when shown for a CSV, then they read as the CSV columns', () => {
    expect(['teamId', 'territory.countries.1', 'workingHours', 'languages.0', 'capacity'].map(csvColumnOf)).toEqual([
      'team',
      'countries',
      'hours',
      'languages',
      'capacity',
    ]);
  });

  it('given more rows than one request takes, when chunked, then chunks keep the order and respect both the row and the byte limit', () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ line: i + 2, rep: { name: `rep ${i}`, note: 'x'.repeat(40) } }));

    expect(chunkRows(rows, 3).map((chunk) => chunk.map((row) => row.line))).toEqual([[2, 3, 4], [5, 6, 7], [8]]);
    expect(chunkRows(rows, 500, 150).map((chunk) => chunk.length)).toEqual([2, 2, 2, 1]);
  });
});
