import { parse } from 'csv-parse/sync';
import * as z from '../zod.ts';
import { normalizePostal } from '../routing/lead-facts.ts';
import type { Franchisee, FranchiseMap, TerritoryArea, TerritoryRow } from './franchise-map.ts';
import { areaKey, areaValue, describeArea, KIND_ORDER } from './territory-area.ts';

/**
 * Franchise territories as a franchise admin keeps them in a spreadsheet: one territory per row,
 * the franchisee's name and manager on its first row (repeated or left empty on the others). The header row names the
 * columns, in any order and spelling of case, spaces, dashes and underscores.
 *
 * The whole file is checked before anything is used, and every problem is reported with the row
 * it is on, so an admin fixes a file in one pass instead of one error per import attempt.
 */
export const TERRITORIES_CSV_COLUMNS = {
  franchisee: 'franchisee id: its team id, lowercase letters, digits and dashes, at most 40 (required)',
  name: "the franchisee's name (required on its first row; its later rows repeat it or leave it empty)",
  managerEmail: "the franchisee manager's address (required on its first row; its later rows repeat it or leave it empty)",
  country: 'two-letter ISO country code, e.g. US (required)',
  region: 'a region of that country, e.g. Texas',
  postalPrefix: 'a postal code prefix in that country, e.g. 787; neither region nor prefix: the whole country',
} as const;
export type TerritoriesCsvColumn = keyof typeof TERRITORIES_CSV_COLUMNS;

const COLUMNS = Object.keys(TERRITORIES_CSV_COLUMNS) as TerritoriesCsvColumn[];
const REQUIRED_COLUMNS: readonly TerritoriesCsvColumn[] = ['franchisee', 'name', 'managerEmail', 'country'];

/** Header spellings, compared without case, spaces, dashes or underscores. */
const normalizeHeader = (header: string) => header.toLowerCase().replace(/[\s_-]+/g, '');
const columnByHeader = new Map<string, TerritoriesCsvColumn>(COLUMNS.map((column) => [normalizeHeader(column), column]));

/** One problem in the file. `line` is where the row starts (the header is line 1), as a spreadsheet numbers rows. */
export interface TerritoryRowError {
  readonly line: number;
  readonly column?: string;
  /** A whole sentence, row included: `row 7: postal prefix "787" in US is already franchisee "austin-solar" (row 3)`. */
  readonly message: string;
}

/** Enough to fix a file in one pass without burying the first problems under thousands alike. */
export const MAX_REPORTED_ERRORS = 100;

const FRANCHISEE_ID = /^[a-z0-9-]{1,40}$/;
const COUNTRY = /^[A-Za-z]{2}$/;
const POSTAL_PREFIX = /^[A-Za-z0-9 -]{1,20}$/;
const Email = z.email();

type Cells = Readonly<Record<TerritoriesCsvColumn, string>>;

/** Where each franchisee was first seen, to check its later rows against and to name in errors. */
interface FirstRow {
  readonly franchisee: Franchisee;
  readonly line: number;
}

interface Claim {
  readonly franchisee: string;
  readonly line: number;
}

interface RawRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

export function parseTerritoriesCsv(text: string): { map: FranchiseMap } | { errors: TerritoryRowError[] } {
  const read = readRecords(text);
  if ('errors' in read) return read;
  const [header, ...rows] = read.records;
  if (!header) return { errors: [{ line: 1, message: `row 1: the file is empty; the first row names the columns: ${COLUMNS.join(',')}` }] };
  const columns = readHeader(header.record, startLine(header.record, header.info.lines));
  if ('errors' in columns) return columns;

  const errors = new ErrorList();
  const firstRows = new Map<string, FirstRow>();
  const claims = new Map<string, Claim>();
  const territories: TerritoryRow[] = [];
  for (const { record, info } of rows) {
    const line = startLine(record, info.lines);
    if (record.length > columns.order.length) {
      errors.add({ line, message: `row ${line}: ${record.length} cells, but the header names ${columns.order.length} columns` });
    }
    const cells = cellsOf(record, columns.order);
    const id = checkFranchisee(cells, line, firstRows, errors);
    const area = checkArea(cells, line, errors);
    if (id === undefined || area === undefined) continue;
    const key = areaKey(area);
    const claim = claims.get(key);
    if (claim === undefined) {
      claims.set(key, { franchisee: id, line });
      territories.push({ franchisee: id, area });
    } else if (claim.franchisee !== id) {
      errors.add({ line, column: columnOf(area), message: `row ${line}: ${describeArea(area)} is already franchisee "${claim.franchisee}" (row ${claim.line})` });
    }
  }
  if (errors.count > 0) return { errors: errors.list() };
  return { map: { franchisees: [...firstRows.values()].map((first) => first.franchisee), territories } };
}

function readRecords(text: string): { records: RawRecord[] } | { errors: TerritoryRowError[] } {
  try {
    // Line ends are made plain first: csv-parse counts a CRLF inside a quoted cell as two lines,
    // which would shift every later row's line number.
    const records = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
    }) as unknown as RawRecord[];
    // With `info`, csv-parse returns { record, info } pairs, which its typings do not express.
    return { records };
  } catch (error) {
    const line = typeof (error as { lines?: unknown }).lines === 'number' ? (error as { lines: number }).lines : 1;
    return { errors: [{ line, message: `row ${line}: not a readable CSV file: ${(error as Error).message}` }] };
  }
}

/** csv-parse counts the line a record ends on; a quoted cell may span lines. */
function startLine(record: readonly string[], endLine: number): number {
  let newlines = 0;
  for (const cell of record) {
    for (let at = cell.indexOf('\n'); at >= 0; at = cell.indexOf('\n', at + 1)) newlines++;
  }
  return endLine - newlines;
}

function readHeader(names: readonly string[], line: number): { order: TerritoriesCsvColumn[] } | { errors: TerritoryRowError[] } {
  const order = names.map((name) => columnByHeader.get(normalizeHeader(name)));
  const errors: TerritoryRowError[] = [];
  const unknown = names.flatMap((name, i) => (order[i] !== undefined ? [] : name.trim() === '' ? [`${i + 1} (no header)`] : [`"${name.trim()}"`]));
  if (unknown.length > 0) {
    errors.push({ line, message: `row ${line}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the columns are ${COLUMNS.join(', ')}` });
  }
  const twice = [...new Set(order.filter((column, i) => column !== undefined && order.indexOf(column) !== i))];
  for (const column of twice) errors.push({ line, column, message: `row ${line}: column "${column}" appears twice` });
  const missing = REQUIRED_COLUMNS.filter((column) => !order.includes(column));
  if (missing.length > 0) errors.push({ line, message: `row ${line}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` });
  return errors.length > 0 ? { errors } : { order: order as TerritoriesCsvColumn[] };
}

function cellsOf(record: readonly string[], order: readonly TerritoriesCsvColumn[]): Cells {
  const cells: Record<TerritoriesCsvColumn, string> = { franchisee: '', name: '', managerEmail: '', country: '', region: '', postalPrefix: '' };
  for (let i = 0; i < order.length; i++) cells[order[i]!] = (record[i] ?? '').trim();
  return cells;
}

/**
 * The row's franchisee id, if valid. Its name and manager come from its first row; later rows
 * repeat them or leave them empty, so a franchisee has one name however many areas it holds.
 */
function checkFranchisee(cells: Cells, line: number, firstRows: Map<string, FirstRow>, errors: ErrorList): string | undefined {
  const id = cells.franchisee;
  const managerEmail = cells.managerEmail.toLowerCase();
  const idProblem = id === '' ? 'is required' : FRANCHISEE_ID.test(id) ? undefined : `"${id}" is not a team id: lowercase letters, digits and dashes, at most 40`;
  if (idProblem !== undefined) errors.add({ line, column: 'franchisee', message: `row ${line}: franchisee ${idProblem}` });
  const first = idProblem === undefined ? firstRows.get(id) : undefined;
  if (first === undefined) {
    checkName(cells.name, line, errors);
    checkEmail(managerEmail, line, errors);
    if (idProblem === undefined) firstRows.set(id, { franchisee: { id, name: cells.name, managerEmail }, line });
  } else {
    for (const [column, value] of [['name', cells.name], ['managerEmail', managerEmail]] as const) {
      const earlier = first.franchisee[column];
      if (value === '' || value === earlier) continue;
      errors.add({ line, column, message: `row ${line}: franchisee "${id}" has ${column} "${earlier}" on row ${first.line}, here "${value}"; its later rows repeat it or leave it empty` });
    }
  }
  return idProblem === undefined ? id : undefined;
}

function checkName(name: string, line: number, errors: ErrorList): void {
  if (name === '') errors.add({ line, column: 'name', message: `row ${line}: name is required` });
  else if (name.length > 80) errors.add({ line, column: 'name', message: `row ${line}: name is ${name.length} characters, at most 80` });
}

function checkEmail(email: string, line: number, errors: ErrorList): void {
  if (email === '') errors.add({ line, column: 'managerEmail', message: `row ${line}: managerEmail is required` });
  else if (!Email.safeParse(email).success) errors.add({ line, column: 'managerEmail', message: `row ${line}: managerEmail "${email}" is not an email address` });
}

/** The one area a row claims: its postal prefix, else its region, else its whole country. */
function checkArea(cells: Cells, line: number, errors: ErrorList): TerritoryArea | undefined {
  const before = errors.count;
  const country = cells.country.toUpperCase();
  if (country === '') errors.add({ line, column: 'country', message: `row ${line}: country is required` });
  else if (!COUNTRY.test(country)) errors.add({ line, column: 'country', message: `row ${line}: country "${cells.country}" is not a two-letter ISO country code such as US` });
  const { region, postalPrefix } = cells;
  if (region !== '' && postalPrefix !== '') {
    errors.add({ line, message: `row ${line}: both region and postalPrefix are set; a row claims one area: a postal prefix, a region, or with neither the whole country` });
    return undefined;
  }
  let area: TerritoryArea = { kind: 'country', country };
  if (postalPrefix !== '') {
    const prefix = normalizePostal(postalPrefix);
    if (!POSTAL_PREFIX.test(postalPrefix) || prefix === '') {
      errors.add({ line, column: 'postalPrefix', message: `row ${line}: postalPrefix "${postalPrefix}" is not a postal prefix: letters, digits, spaces and dashes, at most 20` });
    }
    area = { kind: 'postal', country, prefix };
  } else if (region !== '') {
    if (region.length > 200) errors.add({ line, column: 'region', message: `row ${line}: region is ${region.length} characters, at most 200` });
    area = { kind: 'region', country, region };
  }
  return errors.count === before ? area : undefined;
}

const columnOf = (area: TerritoryArea): TerritoriesCsvColumn => (area.kind === 'postal' ? 'postalPrefix' : area.kind === 'region' ? 'region' : 'country');

/** Keeps the first errors in full and counts the rest. */
class ErrorList {
  private readonly kept: TerritoryRowError[] = [];
  private firstDropped: TerritoryRowError | undefined;
  count = 0;

  add(error: TerritoryRowError): void {
    this.count++;
    if (this.kept.length < MAX_REPORTED_ERRORS) this.kept.push(error);
    else this.firstDropped ??= error;
  }

  list(): TerritoryRowError[] {
    const dropped = this.count - this.kept.length;
    if (this.firstDropped === undefined) return [...this.kept];
    return [...this.kept, { line: this.firstDropped.line, message: `… and ${dropped} more` }];
  }
}

/**
 * The map as a file: one row per territory, the franchisee's name and manager on its first, ordered by franchisee, country, kind
 * (whole country, region, postal prefix) and value, so two exports of the same map are the same
 * file. `parseTerritoriesCsv` reads back the same map, for a map as an import gives it (names
 * trimmed, addresses lower case, prefixes normalized); a franchisee without territories has no row.
 */
export function toTerritoriesCsv(map: FranchiseMap): string {
  const byId = new Map(map.franchisees.map((franchisee) => [franchisee.id, franchisee]));
  const rows = [...map.territories].sort(compareRows);
  const lines = [COLUMNS.join(',')];
  let previous: string | undefined;
  for (const { franchisee: id, area } of rows) {
    const franchisee = byId.get(id);
    if (franchisee === undefined) throw new Error(`territory ${describeArea(area)} names franchisee "${id}", which the map does not list`);
    const first = id !== previous;
    previous = id;
    const cells: Cells = {
      franchisee: id,
      name: first ? franchisee.name : '',
      managerEmail: first ? franchisee.managerEmail : '',
      country: area.country,
      region: area.kind === 'region' ? area.region : '',
      postalPrefix: area.kind === 'postal' ? area.prefix : '',
    };
    lines.push(COLUMNS.map((column) => csvField(cells[column])).join(','));
  }
  return `${lines.join('\n')}\n`;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareRows(a: TerritoryRow, b: TerritoryRow): number {
  return (
    compare(a.franchisee, b.franchisee) ||
    compare(a.area.country, b.area.country) ||
    KIND_ORDER[a.area.kind] - KIND_ORDER[b.area.kind] ||
    compare(areaValue(a.area), areaValue(b.area))
  );
}

/** RFC 4180: quoted only when it holds a comma, a quote or a line break; quotes doubled. */
const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
