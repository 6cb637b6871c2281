import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FranchiseStore } from '#shared/adapters/franchise-store.ts';
import { AdminRepStore } from '#shared/adapters/admin-rep-store.ts';
import { loadStackConfig } from '#shared/config/stack-config.ts';
import { territoriesFileOf } from '#shared/config/territories-file.ts';
import { encodeFranchiseMap } from '#shared/franchise/franchise-codec.ts';
import { RepProfileSchema } from '#shared/routing/eligibility.ts';
import { LOCAL_CREDENTIALS } from './emulators.ts';

/**
 * Demo reps, so the first lead posted locally finds someone to offer it to. Reps that already
 * exist (a persisted data directory) keep their state: counters and activity are not reset.
 */

export const DEMO_SEED_FILE = fileURLToPath(new URL('./demo-seed.json', import.meta.url));

const SeedFile = z.object({ reps: z.array(RepProfileSchema) });
export type SeedFile = z.infer<typeof SeedFile>;

export interface SeedOptions {
  readonly tableName: string;
  readonly endpoint: string;
  readonly region: string;
  readonly file?: string;
}

export function loadSeedFile(file = DEMO_SEED_FILE): SeedFile {
  const result = SeedFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!result.success) throw new Error(`${file}: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** A client of the local DynamoDB for the length of `use`. */
async function withLocalDynamoDb<T>(options: { readonly endpoint: string; readonly region: string }, use: (db: DynamoDBDocumentClient) => Promise<T>): Promise<T> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: options.endpoint, region: options.region, credentials: LOCAL_CREDENTIALS }));
  try {
    return await use(db);
  } finally {
    db.destroy();
  }
}

/** Returns how many reps were added (0 when all were there already). */
export async function seedDemoData(options: SeedOptions): Promise<number> {
  const { reps } = loadSeedFile(options.file);
  return withLocalDynamoDb(options, async (db) => {
    const store = new AdminRepStore(options.tableName, db);
    let added = 0;
    for (const rep of reps) if (await store.add(rep)) added++;
    return added;
  });
}

export interface TerritoriesOptions {
  readonly configFile: string;
  readonly tableName: string;
  readonly endpoint: string;
  readonly region: string;
}

/**
 * The franchisees and territories the stack config names (`routing.territoriesFile`), loaded as
 * the table's first franchise map version, as a deploy does. A table that holds a map already
 * keeps it: what `territories import` changed on a running stack stays. Returns the number of
 * territory rows loaded, or undefined when nothing was.
 */
export async function loadTerritories(options: TerritoriesOptions): Promise<number | undefined> {
  const file = territoriesFileOf(options.configFile, loadStackConfig(options.configFile));
  if (!file) return undefined;
  return withLocalDynamoDb(options, async (db) => {
    const store = new FranchiseStore(options.tableName, db);
    if ((await store.version()) !== undefined) return undefined;
    await store.publish({
      data: encodeFranchiseMap(file.map),
      summary: { franchisees: file.map.franchisees.length, territories: file.map.territories.length },
      changedBy: 'stack config',
      note: `from ${basename(file.path)}`,
      expectedVersion: undefined,
    });
    return file.map.territories.length;
  });
}
