import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FranchiseMap } from '../franchise/franchise-map.ts';
import { franchiseesTakingTeamIds } from '../franchise/franchise-teams.ts';
import { parseTerritoriesCsv } from '../franchise/territories-csv.ts';
import { StackConfigError, type StackConfig } from './stack-config.ts';

export interface TerritoriesFile {
  readonly path: string;
  readonly csv: string;
  readonly map: FranchiseMap;
}

const checkedFiles = new Map<string, { readonly mtimeMs: number; readonly file: TerritoriesFile }>();

/**
 * The franchisees and territories a stack config names (`routing.territoriesFile`, next to the
 * config), checked row by row: synth fails on a bad file with its rows' problems, before anything
 * reaches AWS, and the local runtime loads it into the table it starts. Undefined when the
 * config names none. A file read once is not parsed again until it changes.
 */
export function territoriesFileOf(configFile: string, config: StackConfig): TerritoriesFile | undefined {
  const name = config.routing.territoriesFile;
  if (name === undefined) return undefined;
  const path = join(dirname(configFile), name);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch (error) {
    throw new StackConfigError(`${configFile}: routing.territoriesFile: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const known = checkedFiles.get(path);
  if (known?.mtimeMs === mtimeMs) return known.file;
  const csv = readFileSync(path, 'utf8');
  const parsed = parseTerritoriesCsv(csv);
  if ('errors' in parsed) {
    throw new StackConfigError(
      `Invalid territories file\n${parsed.errors.map((error) => `${path}: row ${error.line}${error.column ? ` ${error.column}` : ''}: ${error.message}`).join('\n')}`,
    );
  }
  const [clash] = franchiseesTakingTeamIds(parsed.map, config.routing);
  if (clash) throw new StackConfigError(`${path}: franchisee "${clash.id}" has the id of a team of ${configFile}; give it another id`);
  const file = { path, csv, map: parsed.map };
  checkedFiles.set(path, { mtimeMs, file });
  return file;
}
