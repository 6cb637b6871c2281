import { parse } from 'csv-parse/sync';
import * as z from '../zod.ts';

/**
 * Reps as a spreadsheet exports them, for `npm run admin -- import-reps <file.csv>`. The header
 * row names the columns (any order, any case; `teamId` for `team` and `hours` spelt
 * `workingHours` are fine too); cells holding several values separate them with `;` or `|`.
 * An empty cell leaves the field out, so its default applies. Only the mapping to the JSON of
 * `POST /admin/reps` happens here; the endpoint validates, so the rules live in one place.
 */
export const REPS_CSV_COLUMNS = {
  id: 'rep id (letters, digits, . _ -); empty: derived from the email',
  name: 'full name (required)',
  email: 'sign-in and offer address, unique per rep (required)',
  team: "team id from the stack config's routing.teams (required)",
  role: 'rep (default) or manager',
  active: "yes/no (default yes): the rep's own availability switch, theirs to change in the portal",
  disabled: 'yes/no (default no): switched off by an admin: no leads, no portal, no links',
  capacity: 'most open leads at once (required; 0 for a manager who takes none)',
  maxCapacity: 'most open leads the rep may set in the portal (default 100)',
  dailyCap: 'most new leads per local day',
  weeklyCap: 'most new leads per ISO week',
  weight: 'share in weighted round robin (default 1)',
  products: 'products handled, e.g. solar;battery (empty: all)',
  languages: 'ISO 639-1 codes, e.g. de;en (empty: all)',
  countries: 'territory: ISO country codes, e.g. DE;AT (empty: anywhere)',
  regions: 'territory: regions within those countries',
  postalPrefixes: 'territory: postal code prefixes, e.g. 10;12',
  timeZone: 'IANA zone such as Europe/Berlin (default UTC)',
  hours: 'working hours, e.g. mon-fri 09:00-17:30; sat 10:00-14:00 (empty: always)',
  outOfOfficeUntil: 'ISO date-time the rep is away until',
} as const;
export type RepsCsvColumn = keyof typeof REPS_CSV_COLUMNS;

const REQUIRED_COLUMNS: readonly RepsCsvColumn[] = ['name', 'email', 'team', 'capacity'];
const LIST_COLUMNS = new Set<RepsCsvColumn>(['products', 'languages', 'countries', 'regions', 'postalPrefixes']);
const NUMBER_COLUMNS = new Set<RepsCsvColumn>(['capacity', 'maxCapacity', 'dailyCap', 'weeklyCap', 'weight']);
const YES_NO_COLUMNS = new Set<RepsCsvColumn>(['active', 'disabled']);
const TERRITORY_COLUMNS = ['countries', 'regions', 'postalPrefixes'] as const;

/** Header spellings, compared without case, spaces, dashes or underscores. */
const normalizeHeader = (header: string) => header.toLowerCase().replace(/[\s_-]+/g, '');
const columnByHeader = new Map<string, RepsCsvColumn>([
  ...Object.keys(REPS_CSV_COLUMNS).map((column) => [normalizeHeader(column), column as RepsCsvColumn] as const),
  ['teamid', 'team'],
  ['workinghours', 'hours'],
  ['postalcodes', 'postalPrefixes'],
]);

/** A file the importer cannot read at all: no header, an unknown column, a broken row. */
export class RepsCsvError extends Error {
  override name = 'RepsCsvError';
}

/** One rep row: its line in the file (where the row starts) and the JSON the endpoint takes. */
export interface RepsCsvRow {
  readonly line: number;
  readonly rep: Record<string, unknown>;
}

const ParsedRecords = z.array(z.object({ record: z.array(z.string()), info: z.object({ lines: z.number() }) }));

export function parseRepsCsv(text: string): RepsCsvRow[] {
  let records: z.infer<typeof ParsedRecords>;
  try {
    // With `info`, csv-parse returns { record, info } pairs, which its typings do not express.
    records = ParsedRecords.parse(parse(text, { bom: true, info: true, skip_empty_lines: true, skip_records_with_empty_values: true }));
  } catch (error) {
    throw new RepsCsvError(`not a readable CSV file: ${(error as Error).message}`, { cause: error });
  }
  const [header, ...rows] = records;
  if (!header) throw new RepsCsvError(`the file is empty; the first row names the columns: ${Object.keys(REPS_CSV_COLUMNS).join(',')}`);
  const columns = header.record.map((name) => {
    const column = columnByHeader.get(normalizeHeader(name));
    if (!column) throw new RepsCsvError(`line ${header.info.lines}: unknown column "${name.trim()}"; the columns are ${Object.keys(REPS_CSV_COLUMNS).join(', ')}`);
    return column;
  });
  const twice = columns.find((column, i) => columns.indexOf(column) !== i);
  if (twice) throw new RepsCsvError(`line ${header.info.lines}: column "${twice}" appears twice`);
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new RepsCsvError(`line ${header.info.lines}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

  return rows.map(({ record, info }) => ({
    // csv-parse counts the line a record ends on; a quoted cell may span lines.
    line: info.lines - record.reduce((newlines, cell) => newlines + (cell.match(/\n/g)?.length ?? 0), 0),
    rep: csvRowToRep(Object.fromEntries(columns.map((column, i) => [column, record[i] ?? '']))),
  }));
}

/**
 * One row's cells as the endpoint's JSON. Values that do not look like what the column wants
 * (a capacity of "five") are passed on as text, so the endpoint names the field and the problem.
 */
export function csvRowToRep(cells: Partial<Record<RepsCsvColumn, string>>): Record<string, unknown> {
  const rep: Record<string, unknown> = {};
  const territory: Record<string, string[]> = {};
  for (const [column, raw] of Object.entries(cells) as [RepsCsvColumn, string][]) {
    const cell = raw.trim();
    if (cell === '') continue;
    if (LIST_COLUMNS.has(column)) {
      const values = splitList(cell);
      if ((TERRITORY_COLUMNS as readonly string[]).includes(column)) territory[column] = values;
      else rep[column] = values;
    } else if (NUMBER_COLUMNS.has(column)) rep[column] = /^[+-]?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
    else if (YES_NO_COLUMNS.has(column)) rep[column] = yesNo(cell) ?? cell;
    else if (column === 'team') rep.teamId = cell;
    else if (column === 'hours') rep.workingHours = cell;
    else rep[column] = cell;
  }
  if (Object.keys(territory).length > 0) rep.territory = territory;
  return rep;
}

/** The CSV column a field named in the endpoint's answer came from (`territory.countries.1` -> `countries`). */
export function csvColumnOf(field: string): string {
  const [first = field, second] = field.split('.');
  if (first === 'territory' && second) return second;
  if (first === 'teamId') return 'team';
  if (first === 'workingHours') return 'hours';
  return first;
}

/**
 * Splits rows into requests of at most `maxRows` reps and about `maxBytes` of JSON each (the
 * API reads bodies up to 64 KB), keeping the order.
 */
export function chunkRows<T extends { rep: unknown }>(rows: readonly T[], maxRows = 500, maxBytes = 60_000): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row.rep)) + 1;
    if (current.length > 0 && (current.length >= maxRows || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const splitList = (cell: string) =>
  cell
    .split(/[;|]/)
    .map((value) => value.trim())
    .filter(Boolean);

function yesNo(cell: string): boolean | undefined {
  const value = cell.toLowerCase();
  if (['yes', 'y', 'true', '1'].includes(value)) return true;
  if (['no', 'n', 'false', '0'].includes(value)) return false;
  return undefined;
}
