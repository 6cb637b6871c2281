import { gunzipSync } from 'node:zlib';
import * as z from '../zod.ts';
import { FranchiseMapConflict, InvalidLead, MalformedRequest, PayloadTooLarge, type FieldProblem } from '../domain/errors.ts';
import { decodeFranchiseMap, encodeFranchiseMap } from '../franchise/franchise-codec.ts';
import { describeDiff, diffFranchiseMaps } from '../franchise/franchise-diff.ts';
import type { FranchiseMap } from '../franchise/franchise-map.ts';
import { franchiseesTakingTeamIds } from '../franchise/franchise-teams.ts';
import { parseTerritoriesCsv, toTerritoriesCsv } from '../franchise/territories-csv.ts';
import type { RoutingConfig } from '../routing/config-schema.ts';
import type { FranchiseStore } from '../adapters/franchise-store.ts';

/**
 * A franchise admin's view of the franchisees and their territories on a running stack: the
 * current ones as CSV, every earlier version with who changed it and when, and an import that
 * checks a whole file, shows what moves from whom to whom, and (unless it is a dry run) makes it
 * the next version in one write. The routers pick a new version up within seconds; leads already
 * placed stay with the franchisee that has them.
 */

export interface ManageTerritoriesDeps {
  readonly store: Pick<FranchiseStore, 'current' | 'publish' | 'history'>;
  /** The stack config's own routing: its teams' ids are not a franchisee's to take. */
  readonly config: RoutingConfig;
  readonly now: () => Date;
}

/** A spreadsheet's worth, unpacked: far more than 100,000 rows. */
const MAX_CSV_BYTES = 64 * 1024 * 1024;

const ImportBody = z
  .strictObject({
    /** The file as text, for small files and curl. */
    csv: z.optional(z.string()),
    /** The file gzipped and base64-encoded, as the CLI sends it. */
    csvGzip: z.optional(z.base64()),
    /** Check and show the changes, store nothing. */
    dryRun: z._default(z.boolean(), false),
    /** The version the changes were computed against (0: none yet); another import since is a conflict. */
    expectedVersion: z.optional(z.number().check(z.int(), z.minimum(0))),
    changedBy: z._default(z.string().check(z.trim(), z.minLength(1), z.maxLength(200)), 'admin API'),
    note: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))),
  })
  .check(z.refine((body) => (body.csv === undefined) !== (body.csvGzip === undefined), { message: 'send the file as "csv" or as "csvGzip", one of them' }));

export interface TerritoriesImport {
  readonly dryRun: boolean;
  /** The version now in force: the new one, or for a dry run the one compared against (0: none). */
  readonly version: number;
  readonly previousVersion: number;
  readonly franchisees: number;
  readonly territories: number;
  readonly moved: number;
  readonly added: number;
  readonly removed: number;
  readonly franchiseesAdded: number;
  readonly franchiseesRemoved: number;
  readonly franchiseesChanged: number;
  /** What changes, line by line, as `--dry-run` prints it. */
  readonly changes: readonly string[];
}

export async function exportTerritories(deps: Pick<ManageTerritoriesDeps, 'store'>): Promise<{ version: number; changedAt?: string; changedBy?: string; csv: string }> {
  const current = await deps.store.current();
  if (!current) return { version: 0, csv: toTerritoriesCsv({ franchisees: [], territories: [] }) };
  return { version: current.version, changedAt: current.changedAt, changedBy: current.changedBy, csv: toTerritoriesCsv(decodeFranchiseMap(current.data)) };
}

export async function territoriesHistory(deps: Pick<ManageTerritoriesDeps, 'store'>, limit = 20) {
  return { versions: await deps.store.history(limit) };
}

export async function importTerritories(body: unknown, deps: ManageTerritoriesDeps): Promise<TerritoriesImport> {
  const parsed = ImportBody.safeParse(body);
  if (!parsed.success) {
    throw new InvalidLead(parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message })), 'Invalid territories import');
  }
  const request = parsed.data;
  const map = checked(csvText(request), deps.config);
  const current = await deps.store.current();
  const before = current ? decodeFranchiseMap(current.data) : undefined;
  const currentVersion = current?.version ?? 0;
  if (request.expectedVersion !== undefined && request.expectedVersion !== currentVersion) {
    throw new FranchiseMapConflict(currentVersion);
  }
  const diff = diffFranchiseMaps(before, map);
  const summary = {
    franchisees: map.franchisees.length,
    territories: map.territories.length,
    moved: diff.moved.length,
    added: diff.added.length,
    removed: diff.removed.length,
    franchiseesAdded: diff.franchisees.added.length,
    franchiseesRemoved: diff.franchisees.removed.length,
    franchiseesChanged: diff.franchisees.changed.length,
  };
  const report = { previousVersion: currentVersion, ...summary, changes: describeDiff(diff) };
  if (request.dryRun) return { dryRun: true, version: currentVersion, ...report };
  const { version } = await deps.store.publish({
    data: encodeFranchiseMap(map),
    summary,
    changedBy: request.changedBy,
    ...(request.note ? { note: request.note } : {}),
    expectedVersion: current?.version,
    now: deps.now(),
  });
  return { dryRun: false, version, ...report };
}

function csvText(request: z.infer<typeof ImportBody>): string {
  if (request.csv !== undefined) return request.csv;
  let bytes: Buffer;
  try {
    bytes = gunzipSync(Buffer.from(request.csvGzip!, 'base64'), { maxOutputLength: MAX_CSV_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLarge(`The territories file is over ${MAX_CSV_BYTES / 1024 / 1024} MB unpacked`);
    throw new MalformedRequest('"csvGzip" is not a gzipped file', { cause: error });
  }
  return bytes.toString('utf8');
}

/** The file's rows, checked, and none of its franchisees taking the id of a team of the stack config. */
function checked(text: string, config: RoutingConfig): FranchiseMap {
  const parsed = parseTerritoriesCsv(text);
  if ('errors' in parsed) {
    throw new InvalidLead(
      parsed.errors.map((error): FieldProblem => ({ field: `row ${error.line}${error.column ? ` ${error.column}` : ''}`, message: error.message })),
      'Invalid territories',
    );
  }
  const clashes = franchiseesTakingTeamIds(parsed.map, config);
  if (clashes.length > 0) {
    throw new InvalidLead(
      clashes.map((franchisee) => ({ field: `franchisee ${franchisee.id}`, message: `"${franchisee.id}" is a team of the stack config; give the franchisee another id` })),
      'Invalid territories',
    );
  }
  return parsed.map;
}
