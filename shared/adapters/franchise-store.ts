import { TransactionCanceledException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { transactWithRetries } from './conditional-update.ts';
import { FranchiseMapConflict, FranchiseMapTooLarge } from '../domain/errors.ts';
import { dynamoDocument } from './aws-clients.ts';
import {
  franchiseChunkKey,
  franchiseChunkPartition,
  franchiseChunkPrefix,
  franchisePointerKey,
  franchiseVersionKey,
  franchiseVersionPartition,
  franchiseVersionPrefix,
} from './table-items.ts';

/**
 * The franchise map (franchisees and territories, changed by an admin on a running stack) as
 * immutable versions in the single table, each written whole in ONE transaction with the pointer
 * that makes it current:
 *
 *   pk                        sk                  attributes
 *   FRANCHISE#MAP             CURRENT             version, changedAt, changedBy
 *   FRANCHISE#MAP             VERSION#00000007    version, changedAt, changedBy, note?, summary, chunks, bytes, sha256
 *   FRANCHISE#MAP#00000007    CHUNK#0000 …        data (at most 300,000 bytes each)
 *
 * A version is never changed or deleted (no TTL): every change keeps who made it, when, why, and
 * the map it replaced. The bytes are opaque here (the franchise map codec makes and reads them).
 */

/** Bytes per chunk item: well under DynamoDB's 400 KB per item, keys and attribute names included. */
export const CHUNK_BYTES = 300_000;
/**
 * The most bytes a map may have: 12 chunks. A transaction holds at most 100 items and 4 MB in
 * all; 3.6 MB of chunks, the version item (its summary and note at most `MAX_SUMMARY_BYTES`) and
 * the pointer stay under that with room for keys and attribute names.
 */
export const MAX_FRANCHISE_MAP_BYTES = 12 * CHUNK_BYTES;
/** The most a version's summary and note may take, as JSON. */
export const MAX_SUMMARY_BYTES = 64 * 1024;
/** Versions are 8 digits in their keys. */
const MAX_VERSION = 99_999_999;

export interface PublishRequest {
  /** The encoded map (opaque here). */
  readonly data: Uint8Array;
  /** A small JSON object kept with the version: counts, moves. */
  readonly summary: Record<string, unknown>;
  /** Who made the change (an admin's name or key label). */
  readonly changedBy: string;
  readonly note?: string;
  /** The version the change was made from; undefined when no map was published yet. */
  readonly expectedVersion: number | undefined;
  readonly now?: Date;
}

export interface FranchiseMapVersion {
  readonly version: number;
  readonly changedAt: string;
  readonly changedBy: string;
  readonly data: Uint8Array;
}

export interface FranchiseMapChange {
  readonly version: number;
  readonly changedAt: string;
  readonly changedBy: string;
  readonly note?: string;
  readonly summary: Record<string, unknown>;
}

/** The stored bytes of a version are not what its version item says they were (count, size or SHA-256). */
export class FranchiseMapCorrupt extends Error {
  override name = 'FranchiseMapCorrupt';
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Read units of a response (0 when the endpoint reports none). */
const unitsOf = (consumed: ConsumedCapacity | undefined) => consumed?.CapacityUnits ?? 0;

/**
 * The reads of the franchise map: the current version (whole, or its number alone) and any
 * earlier one. What every function that routes by the map holds; publishing and the history
 * are `FranchiseStore`'s, the admin's.
 */
export class FranchiseMapReader {
  protected readonly table: string;
  protected readonly db: DynamoDBDocumentClient;
  #lastReadUnits = 0;

  constructor(tableName: string, db: DynamoDBDocumentClient = dynamoDocument) {
    this.table = tableName;
    this.db = db;
  }

  /**
   * Read capacity units the last read that finished (`version`, `current`, `read`, `history`)
   * consumed, as DynamoDB reported them: 0.5 for an eventually consistent read of the pointer,
   * 1 per 4 KB read consistently. For a benchmark; with reads running at once, it is whichever
   * finished last.
   */
  get lastReadUnits(): number {
    return this.#lastReadUnits;
  }

  protected noteReadUnits(units: number): void {
    this.#lastReadUnits = units;
  }

  /** The current map, read consistently (the pointer, then that version whole and checked), or undefined when none was published. */
  async current(): Promise<FranchiseMapVersion | undefined> {
    const units = { total: 0 };
    try {
      const { Item, ConsumedCapacity } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: franchisePointerKey, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
      );
      units.total += unitsOf(ConsumedCapacity);
      if (!Item) return undefined;
      const version = Item.version as number;
      const found = await this.#readVersion(version, units);
      if (!found) throw new FranchiseMapCorrupt(`the franchise map's pointer names version ${version}, which is not stored`);
      return found;
    } finally {
      this.noteReadUnits(units.total);
    }
  }

  /**
   * The current version's number alone: one small GetItem, for a cache to learn cheaply whether
   * the map changed. Eventually consistent (half the read units): a change shows here within
   * about a second, which a cache that checks every few seconds cannot tell from its own
   * interval, and what it then loads (`current`) is read consistently, never older than this.
   */
  async version(): Promise<number | undefined> {
    return this.pointerVersion(false);
  }

  /** A version as it was published (every version is kept), checked; undefined when there is no such version. */
  async read(version: number): Promise<FranchiseMapVersion | undefined> {
    const units = { total: 0 };
    try {
      return await this.#readVersion(version, units);
    } finally {
      this.noteReadUnits(units.total);
    }
  }

  protected async pointerVersion(consistent: boolean): Promise<number | undefined> {
    const { Item, ConsumedCapacity } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: franchisePointerKey,
        ProjectionExpression: '#version',
        ExpressionAttributeNames: { '#version': 'version' },
        ConsistentRead: consistent,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.noteReadUnits(unitsOf(ConsumedCapacity));
    return Item?.version as number | undefined;
  }

  /** A version's item and its chunks (all pages), read consistently, concatenated in order and checked against the item. */
  async #readVersion(version: number, units: { total: number }): Promise<FranchiseMapVersion | undefined> {
    const chunkQuery: QueryCommandInput = {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': franchiseChunkPartition(version), ':prefix': franchiseChunkPrefix },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    };
    const readChunks = async () => {
      const chunks: { sk: string; data: Uint8Array }[] = [];
      for await (const page of paginateQuery({ client: this.db }, chunkQuery)) {
        units.total += unitsOf(page.ConsumedCapacity);
        for (const item of page.Items ?? []) chunks.push({ sk: item.sk as string, data: item.data as Uint8Array });
      }
      return chunks;
    };
    const [{ Item, ConsumedCapacity }, chunks] = await Promise.all([
      this.db.send(new GetCommand({ TableName: this.table, Key: franchiseVersionKey(version), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })),
      readChunks(),
    ]);
    units.total += unitsOf(ConsumedCapacity);
    if (!Item) return undefined;

    const corrupt = (what: string) => new FranchiseMapCorrupt(`franchise map version ${version} is corrupt: ${what}; publish it again from an export`);
    const expected = Array.from({ length: Item.chunks as number }, (_, index) => franchiseChunkKey(version, index).sk);
    if (chunks.length !== expected.length || chunks.some((chunk, index) => chunk.sk !== expected[index])) {
      throw corrupt(`${chunks.length} chunks stored, ${expected.length} expected`);
    }
    const data = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.data.byteLength, 0));
    let offset = 0;
    for (const chunk of chunks) {
      data.set(chunk.data, offset);
      offset += chunk.data.byteLength;
    }
    if (data.byteLength !== Item.bytes) throw corrupt(`${data.byteLength} bytes stored, ${Item.bytes as number} expected`);
    const digest = sha256(data);
    if (digest !== Item.sha256) throw corrupt(`its SHA-256 is ${digest}, ${Item.sha256 as string} expected`);
    return {
      version,
      changedAt: Item.changedAt as string,
      changedBy: Item.changedBy as string,
      data,
    };
  }
}

/** The franchise map's versions as the admin changes them: reads, publishing the next version, and the history of changes. */
export class FranchiseStore extends FranchiseMapReader {
  /**
   * Stores `data` as the next version and makes it current, in ONE transaction: the version item
   * and every chunk only if they do not exist, the pointer only if it is still at
   * `expectedVersion` (or absent, when undefined). Too large a map is refused before anything is
   * written (`FranchiseMapTooLarge`); a change made meanwhile by someone else fails it whole
   * (`FranchiseMapConflict`, naming the version the map is at now).
   */
  async publish(request: PublishRequest): Promise<{ version: number }> {
    const { data, summary, changedBy, note, expectedVersion } = request;
    if (expectedVersion !== undefined && (!Number.isInteger(expectedVersion) || expectedVersion < 1)) {
      throw new RangeError(`expectedVersion must be a positive integer or undefined, not ${expectedVersion}`);
    }
    const version = (expectedVersion ?? 0) + 1;
    if (version > MAX_VERSION) throw new RangeError(`the franchise map cannot have more than ${MAX_VERSION} versions`);
    if (data.byteLength > MAX_FRANCHISE_MAP_BYTES) {
      throw new FranchiseMapTooLarge(
        `the franchise map is ${data.byteLength} bytes encoded; at most ${MAX_FRANCHISE_MAP_BYTES} can be stored (fewer territories, or split the franchise)`,
      );
    }
    const summaryBytes = Buffer.byteLength(JSON.stringify({ summary, note }));
    if (summaryBytes > MAX_SUMMARY_BYTES) {
      throw new FranchiseMapTooLarge(`the change's summary and note are ${summaryBytes} bytes as JSON; at most ${MAX_SUMMARY_BYTES}`);
    }

    const changedAt = (request.now ?? new Date()).toISOString();
    const chunks = Math.ceil(data.byteLength / CHUNK_BYTES);
    const notExists = 'attribute_not_exists(pk)';
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Put: {
          TableName: this.table,
          Item: { ...franchisePointerKey, type: 'franchise-map-pointer', version, changedAt, changedBy },
          ...(expectedVersion === undefined
            ? { ConditionExpression: notExists }
            : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } }),
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: {
            ...franchiseVersionKey(version),
            type: 'franchise-map-version',
            version,
            changedAt,
            changedBy,
            ...(note === undefined ? {} : { note }),
            summary,
            chunks,
            bytes: data.byteLength,
            sha256: sha256(data),
          },
          ConditionExpression: notExists,
        },
      },
      ...Array.from({ length: chunks }, (_, index) => ({
        Put: {
          TableName: this.table,
          Item: { ...franchiseChunkKey(version, index), type: 'franchise-map-chunk', data: data.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES) },
          ConditionExpression: notExists,
        },
      })),
    ];

    try {
      // Another transaction holding one of the items (a publish racing this one) is tried again,
      // and the condition decides which came first.
      await transactWithRetries(this.db, new TransactWriteCommand({ TransactItems: items }));
      return { version };
    } catch (error) {
      // The pointer moved, or this version exists already: another change came first.
      if (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        throw new FranchiseMapConflict(await this.pointerVersion(true), { cause: error });
      }
      throw error;
    }
  }

  /** The latest changes, newest first: who, when, why, and the summary each was published with. */
  async history(limit = 20): Promise<FranchiseMapChange[]> {
    const units = { total: 0 };
    const changes: FranchiseMapChange[] = [];
    try {
      if (limit < 1) return changes;
      const pages = paginateQuery(
        { client: this.db, pageSize: limit },
        {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': franchiseVersionPartition, ':prefix': franchiseVersionPrefix },
          ProjectionExpression: '#version, changedAt, changedBy, note, summary',
          ExpressionAttributeNames: { '#version': 'version' },
          ScanIndexForward: false,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        },
      );
      for await (const page of pages) {
        units.total += unitsOf(page.ConsumedCapacity);
        for (const item of page.Items ?? []) {
          changes.push({
            version: item.version as number,
            changedAt: item.changedAt as string,
            changedBy: item.changedBy as string,
            ...(item.note === undefined ? {} : { note: item.note as string }),
            summary: (item.summary ?? {}) as Record<string, unknown>,
          });
          if (changes.length >= limit) return changes;
        }
      }
      return changes;
    } finally {
      this.noteReadUnits(units.total);
    }
  }
}
