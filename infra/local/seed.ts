import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RepStore } from '#shared/adapters/rep-store.ts';
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

/** Returns how many reps were added (0 when all were there already). */
export async function seedDemoData(options: SeedOptions): Promise<number> {
  const { reps } = loadSeedFile(options.file);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: options.endpoint, region: options.region, credentials: LOCAL_CREDENTIALS }),
  );
  const store = new RepStore(options.tableName, client);
  let added = 0;
  try {
    for (const rep of reps) if (await store.add(rep)) added++;
  } finally {
    client.destroy();
  }
  return added;
}
