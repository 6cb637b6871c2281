import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LOCAL_CREDENTIALS } from './emulators.ts';

/**
 * Demo reps, so the first lead posted locally finds someone to offer it to. Reps that already
 * exist (a persisted data directory) keep their state: counters and activity are not reset.
 */

export const DEMO_SEED_FILE = fileURLToPath(new URL('./demo-seed.json', import.meta.url));

const SeedFile = z.object({
  reps: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().min(1),
      email: z.email(),
      teamId: z.string().min(1),
      capacity: z.number().int().nonnegative(),
    }),
  ),
});
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
  let added = 0;
  try {
    for (const rep of reps) {
      try {
        await client.send(
          new PutCommand({
            TableName: options.tableName,
            Item: {
              pk: `REP#${rep.id}`,
              sk: 'PROFILE',
              type: 'rep',
              id: rep.id,
              name: rep.name,
              email: rep.email,
              teamId: rep.teamId,
              capacity: rep.capacity,
              openLeads: 0,
              active: true,
              // Never offered: sorts first in round-robin order.
              lastOfferedAt: '1970-01-01T00:00:00.000Z',
              gsi1pk: `TEAM#${rep.teamId}`,
              gsi1sk: `REP#${rep.id}`,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        added++;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
  return added;
}
