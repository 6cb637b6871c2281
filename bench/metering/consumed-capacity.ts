import { z } from 'zod';

/**
 * DynamoDB's consumed capacity as a proxy sees it on the wire: which operations accept
 * `ReturnConsumedCapacity`, the request with `TOTAL` asked for, and the read and write units of
 * the answer. Pure functions of the JSON bodies (awsJson1_0), so they are tested without an emulator.
 */

/** Operations whose request takes `ReturnConsumedCapacity` (DynamoDB API reference, 2012-08-10). */
const WITH_CAPACITY = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);

/** Operations whose units are read units when the answer does not say which kind it consumed. */
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/** A write whose failure still costs units on AWS (a failed condition is charged as a write). */
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export function acceptsConsumedCapacity(operation: string): boolean {
  return WITH_CAPACITY.has(operation);
}

const JsonObject = z.record(z.string(), z.unknown());

/**
 * The request body with `ReturnConsumedCapacity: TOTAL`, for an operation that accepts it and a
 * body that is a JSON object; anything else is returned as it came. A caller's own `INDEXES`
 * is kept: it includes the total.
 */
export function withConsumedCapacity(operation: string, body: string): string {
  if (!acceptsConsumedCapacity(operation)) return body;
  const parsed = parseObject(body);
  if (!parsed) return body;
  if (parsed.ReturnConsumedCapacity === 'INDEXES' || parsed.ReturnConsumedCapacity === 'TOTAL') return body;
  return JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'TOTAL' });
}

const Capacity = z.looseObject({
  TableName: z.string().optional(),
  CapacityUnits: z.number().optional(),
  ReadCapacityUnits: z.number().optional(),
  WriteCapacityUnits: z.number().optional(),
});
const Answer = z.looseObject({ ConsumedCapacity: z.union([Capacity, z.array(Capacity)]).optional() });

export interface ConsumedUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Units by table name, as the answer gives them (a transaction or batch names each table). */
  readonly byTable: Readonly<Record<string, { readonly readUnits: number; readonly writeUnits: number }>>;
  /** Whether the answer carried a ConsumedCapacity at all. */
  readonly reported: boolean;
}

const NONE: ConsumedUnits = { readUnits: 0, writeUnits: 0, byTable: {}, reported: false };

/**
 * The units an answer reports: a single-table request answers with one ConsumedCapacity, a batch
 * or transaction with one per table. Where an entry splits its units into read and write (AWS
 * does for transactions and batches that read and write), those are taken; otherwise its
 * CapacityUnits count as reads for a read operation and as writes for anything else.
 */
export function consumedUnits(operation: string, answerBody: string): ConsumedUnits {
  const parsed = parseObject(answerBody);
  const answer = parsed ? Answer.safeParse(parsed) : undefined;
  const consumed = answer?.success ? answer.data.ConsumedCapacity : undefined;
  if (consumed === undefined) return NONE;
  const byTable: Record<string, { readUnits: number; writeUnits: number }> = {};
  let readUnits = 0;
  let writeUnits = 0;
  for (const entry of [consumed].flat()) {
    const split = entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined;
    const read = split ? (entry.ReadCapacityUnits ?? 0) : READS.has(operation) ? (entry.CapacityUnits ?? 0) : 0;
    const write = split ? (entry.WriteCapacityUnits ?? 0) : READS.has(operation) ? 0 : (entry.CapacityUnits ?? 0);
    readUnits += read;
    writeUnits += write;
    const table = (byTable[entry.TableName ?? '(unnamed)'] ??= { readUnits: 0, writeUnits: 0 });
    table.readUnits += read;
    table.writeUnits += write;
  }
  return { readUnits, writeUnits, byTable, reported: true };
}

/**
 * What a refused write still costs on AWS, which answers a failed condition or a cancelled
 * transaction without a ConsumedCapacity: at least one unit per item written (two in a
 * transaction), as for the smallest item. Reads and other operations: 0. An estimate, and a low
 * one for items over 1 KB.
 */
export function refusedWriteUnits(operation: string, requestBody: string): number {
  if (!WRITES.has(operation)) return 0;
  const parsed = parseObject(requestBody);
  if (operation === 'TransactWriteItems') return 2 * (Array.isArray(parsed?.TransactItems) ? parsed.TransactItems.length : 1);
  if (operation === 'BatchWriteItem') {
    const items = parsed && typeof parsed.RequestItems === 'object' && parsed.RequestItems !== null ? Object.values(parsed.RequestItems) : [];
    return items.reduce<number>((sum, requests) => sum + (Array.isArray(requests) ? requests.length : 0), 0);
  }
  return 1;
}

/** Operations DynamoDB bills at the transactional rate: two units for each one of a standard request. */
const TRANSACTIONAL = new Set(['TransactWriteItems', 'TransactGetItems', 'ExecuteTransaction']);

/**
 * The units AWS bills for what an answer reported, given the request:
 * - DynamoDB Local reports a transaction's items at the standard rate (a transaction of two small
 *   items answers 2 units); AWS bills transactional reads and writes at twice that.
 * - DynamoDB Local reports 0 units for the keys of a BatchGetItem it finds no item for (a GetItem
 *   that misses is 0.5 or 1); AWS bills each key as a read of at least the minimum, so a batch
 *   costs at least half a unit a key (one, strongly consistent).
 * Both checked against DynamoDB Local in test/integration/metering-proxy.test.ts.
 */
export function billedUnits(operation: string, units: Pick<ConsumedUnits, 'readUnits' | 'writeUnits'>, requestBody = ''): { readUnits: number; writeUnits: number } {
  const factor = TRANSACTIONAL.has(operation) ? 2 : 1;
  const readUnits = operation === 'BatchGetItem' ? Math.max(units.readUnits, batchGetMinimum(requestBody)) : units.readUnits;
  return { readUnits: readUnits * factor, writeUnits: units.writeUnits * factor };
}

const BatchGet = z.looseObject({
  RequestItems: z.record(z.string(), z.looseObject({ Keys: z.array(z.unknown()), ConsistentRead: z.boolean().optional() })),
});

function batchGetMinimum(requestBody: string): number {
  const parsed = parseObject(requestBody);
  const request = parsed ? BatchGet.safeParse(parsed) : undefined;
  if (!request?.success) return 0;
  return Object.values(request.data.RequestItems).reduce((total, table) => total + table.Keys.length * (table.ConsistentRead ? 1 : 0.5), 0);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const result = JsonObject.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
