import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startLocalStack, type LocalStack } from '#infra/local/start.ts';

/**
 * `npm start -- --data-dir <dir>` keeps tables, queues and signing keys across restarts, and the
 * demo seed does not reset reps that already exist.
 */
describe('a local stack with a data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lead-router-e2e-'));
  const secretsDir = join(dataDir, 'secrets');
  let running: LocalStack | undefined;

  afterAll(async () => {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (lines: string[]) => {
    running = await startLocalStack({ dataDir, port: 0, sesPort: 0, log: (line) => lines.push(line) });
    return running;
  };

  const tableText = async (stack: LocalStack) => {
    const client = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      return JSON.stringify((await client.send(new ScanCommand({ TableName: stack.tableName }))).Items);
    } finally {
      client.destroy();
    }
  };

  it('given a lead posted before a restart, when the stack starts again on the same directory, then the lead, reps and keys are still there', async () => {
    const firstLines: string[] = [];
    const first = await start(firstLines);
    const response = await fetch(`${first.apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'persist@example.com', firstName: 'Per', product: 'solar', country: 'DE', postalCode: '20095', phone: '+49 40 123456' }),
    });
    expect(response.status).toBe(202);
    const { leadId } = z.object({ leadId: z.string() }).parse(await response.json());
    const signingKey = readFileSync(signingKeyFile(), 'utf8');
    await first.stop();
    expect(firstLines).toContainEqual(expect.stringMatching(/^seeded \d+ demo reps$/));

    const secondLines: string[] = [];
    const second = await start(secondLines);
    expect(await tableText(second)).toContain(leadId);
    expect(secondLines.filter((line) => line.startsWith('seeded'))).toEqual([]);
    expect(readFileSync(signingKeyFile(), 'utf8')).toBe(signingKey);
    expect(signingKey).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  /** The link signing key's file; secret files are named by the secret's logical id. */
  function signingKeyFile(): string {
    const files = readdirSync(secretsDir).filter((file) => file.startsWith('LinkSigningKey'));
    expect(files).toHaveLength(1);
    return join(secretsDir, files[0]!);
  }
});
