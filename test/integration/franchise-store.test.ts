import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { dynamoDocument } from '#shared/adapters/aws-clients.ts';
import { CHUNK_BYTES, FranchiseMapCorrupt, FranchiseStore, MAX_FRANCHISE_MAP_BYTES } from '#shared/adapters/franchise-store.ts';
import { FranchiseMapConflict, FranchiseMapTooLarge } from '#shared/domain/errors.ts';
import { useLocalStack } from './support.ts';

/**
 * The franchise map is one set of items per table (FRANCHISE#MAP…), so each test gets its own
 * table, made like the stack's (its key schema and billing, read from the table the stack
 * provisioned for this file) and dropped when the test ends.
 */
let dynamodb: DynamoDBClient;
let stackTable: string;

beforeAll(async () => {
  await useLocalStack('admin');
  stackTable = process.env.TABLE_NAME!;
  dynamodb = new DynamoDBClient({});
});

afterAll(() => dynamodb?.destroy());

async function freshTable(): Promise<string> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: stackTable }));
  const keys = new Set(Table!.KeySchema!.map((key) => key.AttributeName));
  const name = `${stackTable}-franchise-${randomUUID().slice(0, 8)}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: Table!.KeySchema,
      AttributeDefinitions: Table!.AttributeDefinitions!.filter((attribute) => keys.has(attribute.AttributeName)),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  onTestFinished(async () => void (await dynamodb.send(new DeleteTableCommand({ TableName: name }))));
  return name;
}

const allItems = async (table: string) => (await dynamoDocument.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
const partition = async (table: string, pk: string) =>
  (await dynamoDocument.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }))).Items ?? [];

const at = new Date('2026-03-02T09:30:00.000Z');

describe('FranchiseStore on DynamoDB Local', () => {
  it('given a published map, when read, then the same bytes come back at version 1 and the history names who changed it and how', async () => {
    const table = await freshTable();
    const store = new FranchiseStore(table);
    const data = new TextEncoder().encode('{"franchisees":[],"territories":[]}');

    const published = await store.publish({ data, summary: { franchisees: 0, territories: 0 }, changedBy: 'admin:ana', note: 'first import', expectedVersion: undefined, now: at });

    expect(published).toEqual({ version: 1 });
    expect(await store.current()).toEqual({ version: 1, changedAt: at.toISOString(), changedBy: 'admin:ana', data });
    expect(await store.version()).toBe(1);
    expect(await store.history()).toEqual([
      { version: 1, changedAt: at.toISOString(), changedBy: 'admin:ana', note: 'first import', summary: { franchisees: 0, territories: 0 } },
    ]);
    expect(await allItems(table)).toEqual(
      expect.arrayContaining([
        { pk: 'FRANCHISE#MAP', sk: 'CURRENT', type: 'franchise-map-pointer', version: 1, changedAt: at.toISOString(), changedBy: 'admin:ana' },
        expect.objectContaining({ pk: 'FRANCHISE#MAP', sk: 'VERSION#00000001', type: 'franchise-map-version', chunks: 1, bytes: data.byteLength }),
        { pk: 'FRANCHISE#MAP#00000001', sk: 'CHUNK#0000', type: 'franchise-map-chunk', data },
      ]),
    );
  });

  it('given about 1 MB of random bytes, when published and read, then they come back exactly from several chunks, and the reads report their units', async () => {
    const table = await freshTable();
    const store = new FranchiseStore(table);
    const data = new Uint8Array(randomBytes(1_000_003));

    await store.publish({ data, summary: {}, changedBy: 'admin:ana', expectedVersion: undefined });

    expect(await partition(table, 'FRANCHISE#MAP#00000001')).toHaveLength(Math.ceil(data.byteLength / CHUNK_BYTES));
    const current = await store.current();
    expect(Buffer.from(current!.data).equals(data)).toBe(true);
    const currentUnits = store.lastReadUnits;
    await store.version();
    // A consistent read of 1 MB is about 250 units; the pointer alone a fraction of one.
    expect(currentUnits).toBeGreaterThan(200);
    expect(store.lastReadUnits).toBeGreaterThan(0);
    expect(store.lastReadUnits).toBeLessThanOrEqual(1);
  });

  it('given version 1, when a change is published from it, then it is version 2, version 1 still reads as it was, and the history lists both newest first', async () => {
    const table = await freshTable();
    const store = new FranchiseStore(table);
    const first = new Uint8Array(randomBytes(400_000));
    const second = new Uint8Array(randomBytes(10_000));
    await store.publish({ data: first, summary: { territories: 3 }, changedBy: 'admin:ana', expectedVersion: undefined, now: at });

    const published = await store.publish({
      data: second,
      summary: { territories: 4, moves: 1 },
      changedBy: 'admin:bo',
      note: 'Bavaria to Munich-Nord',
      expectedVersion: 1,
      now: new Date(at.getTime() + 60_000),
    });

    expect(published).toEqual({ version: 2 });
    expect(Buffer.from((await store.current())!.data).equals(second)).toBe(true);
    expect(await store.read(1)).toEqual({ version: 1, changedAt: at.toISOString(), changedBy: 'admin:ana', data: first });
    expect(await store.read(3)).toBeUndefined();
    expect((await store.history()).map(({ version, changedBy, summary }) => ({ version, changedBy, summary }))).toEqual([
      { version: 2, changedBy: 'admin:bo', summary: { territories: 4, moves: 1 } },
      { version: 1, changedBy: 'admin:ana', summary: { territories: 3 } },
    ]);
    expect((await store.history(1)).map((change) => change.version)).toEqual([2]);
  });

  it('given two changes published at once from the same version, then exactly one wins, the other is told of the conflict, and nothing of the loser is stored', async () => {
    const table = await freshTable();
    const store = new FranchiseStore(table);
    await store.publish({ data: new Uint8Array(randomBytes(1_000)), summary: {}, changedBy: 'admin:ana', expectedVersion: undefined });
    // Of different chunk counts, so a chunk left by the loser would show.
    const changes = [
      { data: new Uint8Array(randomBytes(700_000)), changedBy: 'admin:bo' },
      { data: new Uint8Array(randomBytes(100_000)), changedBy: 'admin:cy' },
    ];

    const outcomes = await Promise.allSettled(changes.map(({ data, changedBy }) => store.publish({ data, summary: { by: changedBy }, changedBy, expectedVersion: 1 })));

    const won = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toEqual([{ status: 'fulfilled', value: { version: 2 } }]);
    expect(lost?.reason).toBeInstanceOf(FranchiseMapConflict);
    expect(lost?.reason).toMatchObject({ currentVersion: 2, message: expect.stringContaining('now version 2') });
    const winner = changes[won]!;
    expect(await partition(table, 'FRANCHISE#MAP#00000002')).toHaveLength(Math.ceil(winner.data.byteLength / CHUNK_BYTES));
    expect(await partition(table, 'FRANCHISE#MAP#00000003')).toEqual([]);
    expect(await partition(table, 'FRANCHISE#MAP')).toEqual([
      expect.objectContaining({ sk: 'CURRENT', version: 2, changedBy: winner.changedBy }),
      expect.objectContaining({ sk: 'VERSION#00000001' }),
      expect.objectContaining({ sk: 'VERSION#00000002', changedBy: winner.changedBy, summary: { by: winner.changedBy } }),
    ]);
    expect(Buffer.from((await store.read(2))!.data).equals(winner.data)).toBe(true);
  });

  it('given a map over what one transaction holds, when published, then it is refused before anything is written; one at the limit is stored', async () => {
    const table = await freshTable();
    const store = new FranchiseStore(table);

    await expect(store.publish({ data: new Uint8Array(MAX_FRANCHISE_MAP_BYTES + 1), summary: {}, changedBy: 'admin:ana', expectedVersion: undefined })).rejects.toThrow(
      FranchiseMapTooLarge,
    );
    await expect(store.publish({ data: new Uint8Array(1), summary: { blob: 'x'.repeat(70_000) }, changedBy: 'admin:ana', expectedVersion: undefined })).rejects.toThrow(
      FranchiseMapTooLarge,
    );
    expect(await allItems(table)).toEqual([]);

    const atLimit = new Uint8Array(randomBytes(MAX_FRANCHISE_MAP_BYTES));
    await store.publish({ data: atLimit, summary: { blob: 'x'.repeat(60_000) }, changedBy: 'admin:ana', note: 'n'.repeat(4_000), expectedVersion: undefined });
    expect(Buffer.from((await store.current())!.data).equals(atLimit)).toBe(true);
  });

  it('given a chunk overwritten behind the store, when the map is read, then it fails with a checksum error instead of returning other bytes', async () => {
    const table = await freshTable();
    const store = new FranchiseStore(table);
    const data = new Uint8Array(randomBytes(2 * CHUNK_BYTES + 5));
    await store.publish({ data, summary: {}, changedBy: 'admin:ana', expectedVersion: undefined });
    const key = { pk: 'FRANCHISE#MAP#00000001', sk: 'CHUNK#0001' };
    const { Item } = await dynamoDocument.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const tampered = new Uint8Array(Item!.data as Uint8Array);
    tampered[17] = tampered[17]! ^ 0xff;
    await dynamoDocument.send(new PutCommand({ TableName: table, Item: { ...Item, data: tampered } }));

    await expect(store.current()).rejects.toThrow(FranchiseMapCorrupt);
    await expect(store.read(1)).rejects.toThrow(/version 1 is corrupt: its SHA-256 is [0-9a-f]{64}/);
  });
});
