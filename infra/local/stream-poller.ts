import type { AttributeValue as EventAttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type _Record,
  type AttributeValue,
  type KeySchemaElement,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_CREDENTIALS } from './emulators.ts';
import { compileFilters, type EventPredicate } from './event-pattern.ts';
import { LOCAL_ACCOUNT_ID } from './intrinsics.ts';
import { functionArn, type StreamMappingModel } from './template.ts';

/**
 * Plays Lambda's event source mapping for a DynamoDB stream against DynamoDB Local's stream API:
 * shards are discovered with DescribeStream and read with GetRecords, a parent to its end before
 * its children; records are filtered (FilterCriteria), spread over ParallelizationFactor lanes by
 * partition key, batched, and handed to the function as the DynamoDBStreamEvent Lambda delivers.
 *
 * Failures follow what AWS documents for stream sources, in this order per batch:
 * - The function throws (or times out): with BisectBatchOnFunctionError a batch of two or more is
 *   split in half and each half is tried on its own, right away; splitting does not count as a
 *   retry ("Splitting a batch does not count towards the retry quota"). Otherwise, and for a
 *   single record, the batch is retried whole.
 * - With ReportBatchItemFailures the function can answer `batchItemFailures`: the lowest reported
 *   sequence number is the checkpoint, the records before it are done, it and those after it in
 *   the batch are retried (with bisect on, AWS "bisects at the returned sequence number", which
 *   is the same thing). An identifier that is empty or not in the batch fails the whole batch,
 *   which is then retried whole: a wrong answer is not an invocation error, so it is not bisected.
 * - Every retry counts against MaximumRetryAttempts (-1: no limit) and waits an exponential
 *   backoff first (AWS does not document its timing: 500 ms doubling up to 5 s by default). Each
 *   retried batch holds only the records being retried; it is not topped up with newer records.
 * - Before each invocation, records older than MaximumRecordAgeInSeconds are given up on.
 * - Given-up records go to the OnFailure queue as the JSON record Lambda writes for stream
 *   sources (DDBStreamBatchInfo, condition RetryAttemptsExhausted or RecordAgeExceeded), and the
 *   shard moves on.
 *
 * Checkpoints live in memory only: every start begins at StartingPosition again, so with a
 * persisted data directory TRIM_HORIZON replays what the stream still holds (as a new mapping
 * on AWS would). DynamoDB Local rounds ApproximateCreationDateTime down to the minute, so a
 * record's age is measured from when the poller first read it where that is earlier.
 */

export interface PolledStream {
  readonly mapping: StreamMappingModel;
  /** The table's stream ARN as provisioned (DynamoDB Local's `LatestStreamArn`). */
  readonly streamArn: string;
  /** URL of the provisioned OnFailure queue, when the mapping has one. */
  readonly onFailureQueueUrl?: string;
}

export interface StreamPollerOptions {
  readonly streams: readonly PolledStream[];
  readonly invoke: (functionLogicalId: string, event: DynamoDBStreamEvent) => Promise<unknown>;
  /** DynamoDB Local's endpoint, which serves the stream API too. */
  readonly dynamodbEndpoint: string;
  /** Needed when a stream has an OnFailure queue. */
  readonly sqsEndpoint?: string;
  readonly region: string;
  readonly accountId?: string;
  /** Wait before the first retry of a batch, doubled for each further retry up to `maxMs`. */
  readonly retryBackoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /**
   * How long a shard rests after a read that found nothing, as Lambda reads each shard about 4
   * times a second. Each further empty read doubles the rest, up to `idlePollIntervalMs`, and a
   * read that finds records brings it back; a `nudge()` cuts a rest longer than this one short.
   */
  readonly pollIntervalMs?: number;
  /** The longest rest of a shard that stays empty; default 1 s. */
  readonly idlePollIntervalMs?: number;
  /**
   * How often the stream is described to find new shards, when no shard has ended meanwhile
   * (a shard that ends has children, so its end describes the stream at once).
   */
  readonly shardDiscoveryIntervalMs?: number;
  /** The clock record ages are measured on; tests move it forward. */
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface StreamPollers {
  /**
   * Something may just have written to the tables (a function's invocation ended): a shard
   * resting longer than `pollIntervalMs` because it was empty reads again at the end of that
   * interval instead.
   */
  nudge(): void;
  stop(): Promise<void>;
}

export const DEFAULT_RETRY_BACKOFF = { baseMs: 500, maxMs: 5_000 } as const;
const DEFAULT_POLL_INTERVAL_MS = 250;
const DEFAULT_IDLE_POLL_INTERVAL_MS = 1_000;
const DEFAULT_SHARD_DISCOVERY_INTERVAL_MS = 10_000;
/** GetRecords' own maximum. */
const RECORDS_PER_READ = 1_000;
/** Reading pauses while this many records wait in a shard's lanes (a failing batch blocks its lane). */
const MAX_BUFFERED_PER_LANE = 1_000;
const ERROR_PAUSE_MS = 1_000;
/** An idle lane looks again this often even without a wake-up; a safety net, not the usual path. */
const IDLE_WAIT_MS = 1_000;
const SHUTDOWN_GRACE_MS = 2_500;

/** Delay before retry number `retry` (1 for the first). */
export function retryDelayMs(retry: number, baseMs: number = DEFAULT_RETRY_BACKOFF.baseMs, maxMs: number = DEFAULT_RETRY_BACKOFF.maxMs): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
}

export type BatchOutcome = { readonly kind: 'success' } | { readonly kind: 'partial'; readonly retryFrom: number };

/**
 * Reads a function's answer to a stream batch. Lambda's rules: no response, no list or an empty
 * list is full success; otherwise the records from the lowest reported sequence number on are
 * retried, and an identifier that is not a sequence number of the batch fails all of it.
 */
export function batchOutcome(response: unknown, sequenceNumbers: readonly string[], reportBatchItemFailures: boolean): BatchOutcome {
  const success = { kind: 'success' } as const;
  const all = { kind: 'partial', retryFrom: 0 } as const;
  if (!reportBatchItemFailures || response === null || typeof response !== 'object' || !('batchItemFailures' in response)) return success;
  const list = response.batchItemFailures;
  if (list === null || list === undefined) return success;
  if (!Array.isArray(list)) return all;
  let retryFrom = Infinity;
  for (const item of list) {
    const id: unknown = item && typeof item === 'object' ? (item as Record<string, unknown>).itemIdentifier : undefined;
    const index = typeof id === 'string' && id !== '' ? sequenceNumbers.indexOf(id) : -1;
    if (index < 0) return all;
    // The batch is in sequence order, so the lowest sequence number has the lowest index.
    retryFrom = Math.min(retryFrom, index);
  }
  return retryFrom === Infinity ? success : { kind: 'partial', retryFrom };
}

/** The lane (0..lanes-1) a partition key value is processed in; one key always gets the same lane. */
export function laneFor(partitionKey: unknown, lanes: number): number {
  if (lanes <= 1) return 0;
  return createHash('md5').update(JSON.stringify(partitionKey ?? null)).digest().readUInt32BE(0) % lanes;
}

/** A stream record as Lambda puts it in the event: epoch seconds, binary values in base64. */
export function toLambdaRecord(raw: _Record, streamArn: string, region: string): DynamoDBRecord {
  const data = raw.dynamodb ?? {};
  return {
    ...(raw.eventID !== undefined ? { eventID: raw.eventID } : {}),
    ...(raw.eventName !== undefined ? { eventName: raw.eventName } : {}),
    eventVersion: raw.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    // DynamoDB Local reports "ddblocal"; Lambda reports the function's region.
    awsRegion: region,
    dynamodb: {
      ...(data.ApproximateCreationDateTime ? { ApproximateCreationDateTime: data.ApproximateCreationDateTime.getTime() / 1000 } : {}),
      ...(data.Keys ? { Keys: toEventImage(data.Keys) } : {}),
      ...(data.NewImage ? { NewImage: toEventImage(data.NewImage) } : {}),
      ...(data.OldImage ? { OldImage: toEventImage(data.OldImage) } : {}),
      ...(data.SequenceNumber !== undefined ? { SequenceNumber: data.SequenceNumber } : {}),
      ...(data.SizeBytes !== undefined ? { SizeBytes: data.SizeBytes } : {}),
      ...(data.StreamViewType !== undefined ? { StreamViewType: data.StreamViewType } : {}),
    },
    eventSourceARN: streamArn,
    // TTL deletions carry the DynamoDB service as their identity.
    ...(raw.userIdentity ? { userIdentity: { type: raw.userIdentity.Type, principalId: raw.userIdentity.PrincipalId } } : {}),
  };
}

function toEventImage(image: Record<string, AttributeValue>): Record<string, EventAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toEventValue(value)]));
}

function toEventValue(value: AttributeValue): EventAttributeValue {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toEventValue) };
  if (value.M !== undefined) return { M: toEventImage(value.M) };
  // The SDK reads an empty map, `{"M": {}}` on the wire, as a value with no member at all.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new Error(`unknown attribute value type: ${Object.keys(value).join(', ')}`);
}

/** Resolves waiters on `notify`, on a timeout, or when the poller stops. */
class Wakeup {
  readonly #waiters = new Set<() => void>();
  /** How many times it was notified: a waiter that was busy meanwhile can tell it missed one. */
  notified = 0;
  notify(): void {
    this.notified++;
    for (const wake of [...this.#waiters]) wake();
  }
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, timeoutMs));
      this.#waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

interface Pending {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  /** When the change happened, as well as we can tell (see the module comment). */
  readonly createdAtMs: number;
}

interface Batch {
  readonly records: Pending[];
  readonly retries: number;
  /** Invocations these records have been part of so far. */
  readonly invocations: number;
  readonly lastFunctionError?: string;
}

interface Shared {
  readonly client: DynamoDBStreamsClient;
  readonly sqs: SQSClient | undefined;
  readonly options: StreamPollerOptions;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  readonly now: () => number;
  /** Wakes resting shards: see `StreamPollers.nudge`. */
  readonly activity: Wakeup;
}

export async function startStreamPollers(options: StreamPollerOptions): Promise<StreamPollers> {
  const clientConfig = { region: options.region, credentials: LOCAL_CREDENTIALS };
  const client = new DynamoDBStreamsClient({ ...clientConfig, endpoint: options.dynamodbEndpoint });
  const needsSqs = options.streams.some((stream) => stream.onFailureQueueUrl);
  if (needsSqs && !options.sqsEndpoint) throw new Error('an OnFailure queue needs sqsEndpoint');
  const sqs = needsSqs ? new SQSClient({ ...clientConfig, endpoint: options.sqsEndpoint }) : undefined;
  const abort = new AbortController();
  const destroy = () => {
    client.destroy();
    sqs?.destroy();
  };
  const shared: Shared = {
    client,
    sqs,
    options,
    signal: abort.signal,
    log: options.log ?? (() => undefined),
    now: options.now ?? Date.now,
    activity: new Wakeup(),
  };
  let runs: Promise<void>[];
  try {
    // Shards and LATEST positions are fixed before this resolves: "latest" means as of start.
    runs = (await Promise.all(options.streams.map((stream) => startStream(stream, shared)))).map((started) => started.run);
  } catch (error) {
    abort.abort();
    destroy();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    nudge: () => shared.activity.notify(),
    stop: () =>
      (stopping ??= (async () => {
        abort.abort();
        // An invocation still running is let finish briefly; its outcome is not acted on.
        await Promise.race([Promise.allSettled(runs), sleep(SHUTDOWN_GRACE_MS, undefined, { ref: false })]);
        destroy();
      })()),
  };
}

interface ShardState {
  readonly shard: Shard & { ShardId: string };
  status: 'waiting' | 'reading' | 'done';
  /** Where reading starts: StartingPosition for shards present at start, TRIM_HORIZON for later ones. */
  readonly position: ShardIteratorType;
  readonly initialIterator?: string;
}

/** Fixes the starting shards, then returns the stream's run: shard discovery until stopped. */
async function startStream(stream: PolledStream, shared: Shared): Promise<{ run: Promise<void> }> {
  const { client, signal, log, options } = shared;
  const { mapping, streamArn } = stream;
  const filter = compileFilters(mapping.filterPatterns, `${mapping.logicalId}.FilterCriteria`);
  const described = await describeStream(client, streamArn, signal);
  const hashKey = described.keySchema.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const shards = new Map<string, ShardState>();
  for (const shard of described.shards) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: mapping.startingPosition }),
    );
    shards.set(shard.ShardId, { shard, status: 'waiting', position: mapping.startingPosition, ...(ShardIterator ? { initialIterator: ShardIterator } : {}) });
  }

  const reading = new Set<Promise<void>>();
  const shardEnded = new Wakeup();
  const startReadyShards = () => {
    for (const state of shards.values()) {
      if (state.status !== 'waiting') continue;
      // A parent we never saw (trimmed before we started) does not hold its children back.
      const parent = state.shard.ParentShardId ? shards.get(state.shard.ParentShardId) : undefined;
      if (parent && parent.status !== 'done') continue;
      state.status = 'reading';
      const task = readShard(state, { stream, shared, filter, hashKey })
        .catch((error: unknown) => log(`${mapping.functionLogicalId}: shard ${state.shard.ShardId} stopped: ${(error as Error).message}`))
        .finally(() => {
          state.status = 'done';
          reading.delete(task);
          if (!signal.aborted) startReadyShards();
          shardEnded.notify();
        });
      reading.add(task);
    }
  };

  const run = (async () => {
    startReadyShards();
    const interval = options.shardDiscoveryIntervalMs ?? DEFAULT_SHARD_DISCOVERY_INTERVAL_MS;
    while (!signal.aborted) {
      await shardEnded.wait(interval, signal);
      if (signal.aborted) break;
      try {
        for (const shard of (await describeStream(client, streamArn, signal)).shards) {
          if (!shards.has(shard.ShardId)) shards.set(shard.ShardId, { shard, status: 'waiting', position: 'TRIM_HORIZON' });
        }
        startReadyShards();
      } catch (error) {
        if (!signal.aborted) log(`${mapping.functionLogicalId}: describing ${streamArn} failed: ${(error as Error).message}`);
      }
    }
    await Promise.allSettled([...reading]);
  })();
  return { run };
}

async function describeStream(
  client: DynamoDBStreamsClient,
  streamArn: string,
  signal: AbortSignal,
): Promise<{ keySchema: KeySchemaElement[]; shards: (Shard & { ShardId: string })[] }> {
  const shards: (Shard & { ShardId: string })[] = [];
  let keySchema: KeySchemaElement[] = [];
  let exclusiveStartShardId: string | undefined;
  do {
    const { StreamDescription } = await client.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }),
      { abortSignal: signal },
    );
    keySchema = StreamDescription?.KeySchema ?? keySchema;
    for (const shard of StreamDescription?.Shards ?? []) if (shard.ShardId) shards.push({ ...shard, ShardId: shard.ShardId });
    exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId);
  return { keySchema, shards };
}

interface ShardContext {
  readonly stream: PolledStream;
  readonly shared: Shared;
  readonly filter: EventPredicate;
  readonly hashKey: string | undefined;
}

/** Reads one shard to its end (or until stopped), feeding its lanes; resolves once they drained. */
async function readShard(state: ShardState, context: ShardContext): Promise<void> {
  const { stream, shared, filter, hashKey } = context;
  const { client, signal, log, options, now } = shared;
  const { mapping, streamArn } = stream;
  const shardId = state.shard.ShardId;
  const drained = new Wakeup();
  const lanes = Array.from({ length: mapping.parallelizationFactor }, () => ({ queue: [] as Pending[], closed: false, wakeup: new Wakeup() }));
  const laneRuns = lanes.map((lane) => runLane(lane, drained, shardId, context));
  const buffered = () => lanes.reduce((sum, lane) => sum + lane.queue.length, 0);
  const pollInterval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const idlePollInterval = Math.max(pollInterval, options.idlePollIntervalMs ?? DEFAULT_IDLE_POLL_INTERVAL_MS);
  let rest = pollInterval;

  let iterator = state.initialIterator;
  let position: ShardIteratorType = state.position;
  let lastSequence: string | undefined;
  try {
    while (!signal.aborted) {
      if (buffered() >= MAX_BUFFERED_PER_LANE * lanes.length) {
        await drained.wait(IDLE_WAIT_MS, signal);
        continue;
      }
      let page;
      const nudges = shared.activity.notified;
      try {
        iterator ??= (
          await client.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ...(lastSequence ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: lastSequence } : { ShardIteratorType: position }),
            }),
            { abortSignal: signal },
          )
        ).ShardIterator;
        if (!iterator) return;
        page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: RECORDS_PER_READ }), { abortSignal: signal });
      } catch (error) {
        if (signal.aborted) return;
        iterator = undefined;
        // An iterator lives 15 minutes; a fresh one continues after the last record read.
        if (error instanceof ExpiredIteratorException) continue;
        if (error instanceof ResourceNotFoundException) {
          log(`${mapping.functionLogicalId}: shard ${shardId} of ${streamArn} is gone, stopped reading it`);
          return;
        }
        if (error instanceof TrimmedDataAccessException) {
          // What we would have read next left the stream; carry on from the oldest record kept.
          lastSequence = undefined;
          position = 'TRIM_HORIZON';
        }
        log(`${mapping.functionLogicalId}: reading shard ${shardId} failed: ${(error as Error).name}: ${(error as Error).message}`);
        await sleep(ERROR_PAUSE_MS, undefined, { signal }).catch(() => undefined);
        continue;
      }
      const seenAt = now();
      for (const raw of page.Records ?? []) {
        const sequenceNumber = raw.dynamodb?.SequenceNumber ?? '';
        lastSequence = sequenceNumber || lastSequence;
        let record: DynamoDBRecord;
        try {
          record = toLambdaRecord(raw, streamArn, options.region);
        } catch (error) {
          // One unreadable record must not stall the shard behind it.
          log(`${mapping.functionLogicalId}: skipped record ${sequenceNumber} of shard ${shardId}: ${(error as Error).message}`);
          continue;
        }
        // Filtered out counts as processed: Lambda drops the record before batching.
        if (!filter(record)) continue;
        const createdMs = raw.dynamodb?.ApproximateCreationDateTime?.getTime();
        // DynamoDB Local floors the creation time to the minute: the change happened within the
        // minute after it, and no later than when we read it.
        const createdAtMs = createdMs === undefined ? seenAt : Math.min(seenAt, createdMs + 60_000);
        const lane = lanes[laneFor(hashKey ? record.dynamodb?.Keys?.[hashKey] : record.dynamodb?.Keys, lanes.length)]!;
        lane.queue.push({ record, sequenceNumber, createdAtMs });
        lane.wakeup.notify();
      }
      // A closed shard ends where GetRecords hands out no further iterator.
      if (!page.NextShardIterator) return;
      iterator = page.NextShardIterator;
      if (page.Records?.length) rest = pollInterval;
      else {
        // Never sooner than Lambda's own rhythm; longer while the shard stays empty, unless
        // nudged since this read began.
        await sleep(pollInterval, undefined, { signal }).catch(() => undefined);
        if (rest > pollInterval && shared.activity.notified === nudges) await shared.activity.wait(rest - pollInterval, signal);
        rest = Math.min(rest * 2, idlePollInterval);
      }
    }
  } finally {
    for (const lane of lanes) {
      lane.closed = true;
      lane.wakeup.notify();
    }
    await Promise.all(laneRuns);
  }
}

interface Lane {
  readonly queue: Pending[];
  closed: boolean;
  readonly wakeup: Wakeup;
}

/** Takes batches off one lane in order: the next batch waits until this one is done or given up. */
async function runLane(lane: Lane, drained: Wakeup, shardId: string, context: ShardContext): Promise<void> {
  const { signal } = context.shared;
  const { batchSize, maximumBatchingWindowInSeconds } = context.stream.mapping;
  while (!signal.aborted) {
    if (lane.queue.length === 0) {
      if (lane.closed) return;
      await lane.wakeup.wait(IDLE_WAIT_MS, signal);
      continue;
    }
    // The batching window opens with the first record waiting; a full batch or the shard's end closes it early.
    const closes = Date.now() + maximumBatchingWindowInSeconds * 1000;
    while (lane.queue.length < batchSize && !lane.closed && !signal.aborted && Date.now() < closes) {
      await lane.wakeup.wait(closes - Date.now(), signal);
    }
    if (signal.aborted) return;
    const records = lane.queue.splice(0, batchSize);
    drained.notify();
    await deliver(records, shardId, context);
  }
}

/** Invokes the function with a batch until it succeeds or is given up on, bisecting and retrying as configured. */
async function deliver(records: Pending[], shardId: string, context: ShardContext): Promise<void> {
  const { stream, shared } = context;
  const { signal, log, options, now } = shared;
  const { mapping } = stream;
  const name = mapping.functionLogicalId;
  const backoff = { ...DEFAULT_RETRY_BACKOFF, ...options.retryBackoff };
  const maxAgeMs = mapping.maximumRecordAgeInSeconds * 1000;
  const describe = (batch: readonly Pending[]) =>
    `${batch.length} record(s) ${batch[0]!.sequenceNumber}..${batch.at(-1)!.sequenceNumber} of shard ${shardId}`;
  // Halves of a bisected batch go to the front, so the shard's order is kept.
  const work: Batch[] = [{ records, retries: 0, invocations: 0 }];

  const retryOrGiveUp = async (batch: Batch, retried: Pending[], invocations: number, functionError: string | undefined) => {
    const base = { invocations, ...(functionError ? { lastFunctionError: functionError } : {}) };
    if (mapping.maximumRetryAttempts !== -1 && batch.retries >= mapping.maximumRetryAttempts) {
      await giveUp(retried, 'RetryAttemptsExhausted', base, shardId, context);
      return;
    }
    const retry = batch.retries + 1;
    const delay = retryDelayMs(retry, backoff.baseMs, backoff.maxMs);
    const limit = mapping.maximumRetryAttempts === -1 ? '' : ` of ${mapping.maximumRetryAttempts}`;
    log(`${name}: retry ${retry}${limit} of ${describe(retried)} in ${delay} ms`);
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    work.unshift({ records: retried, retries: retry, ...base });
  };

  while (work.length && !signal.aborted) {
    let batch = work.shift()!;
    if (maxAgeMs >= 0) {
      // Records are in sequence order, so the too-old ones lead the batch.
      const firstFresh = batch.records.findIndex((record) => now() - record.createdAtMs <= maxAgeMs);
      const cut = firstFresh === -1 ? batch.records.length : firstFresh;
      if (cut > 0) {
        await giveUp(batch.records.slice(0, cut), 'RecordAgeExceeded', batch, shardId, context);
        batch = { ...batch, records: batch.records.slice(cut) };
        if (batch.records.length === 0) continue;
      }
    }
    const invocations = batch.invocations + 1;
    let outcome: BatchOutcome;
    try {
      const response = await options.invoke(name, { Records: batch.records.map((pending) => pending.record) });
      outcome = batchOutcome(
        response,
        batch.records.map((pending) => pending.sequenceNumber),
        mapping.reportBatchItemFailures,
      );
    } catch (error) {
      if (signal.aborted) return;
      log(`${name}: ${describe(batch.records)} failed: ${(error as Error).name}: ${(error as Error).message}`);
      if (mapping.bisectBatchOnFunctionError && batch.records.length > 1) {
        const half = Math.ceil(batch.records.length / 2);
        const split = { retries: batch.retries, invocations, lastFunctionError: 'Unhandled' };
        work.unshift({ ...split, records: batch.records.slice(0, half) }, { ...split, records: batch.records.slice(half) });
        continue;
      }
      await retryOrGiveUp(batch, batch.records, invocations, 'Unhandled');
      continue;
    }
    if (signal.aborted || outcome.kind === 'success') continue;
    const retried = batch.records.slice(outcome.retryFrom);
    log(`${name}: ${retried.length} of ${batch.records.length} record(s) reported failed, from ${retried[0]!.sequenceNumber}`);
    await retryOrGiveUp(batch, retried, invocations, undefined);
  }
}

type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** Sends Lambda's failure record for records given up on to the OnFailure queue, then lets them go. */
async function giveUp(
  records: readonly Pending[],
  condition: FailureCondition,
  history: Pick<Batch, 'invocations' | 'lastFunctionError'>,
  shardId: string,
  context: ShardContext,
): Promise<void> {
  const { stream, shared } = context;
  const { sqs, log, options, now, signal } = shared;
  const { mapping, streamArn, onFailureQueueUrl } = stream;
  const first = records[0]!;
  const last = records.at(-1)!;
  const where = onFailureQueueUrl ? 'sent to the OnFailure queue' : 'discarded (no OnFailure destination)';
  log(`${mapping.functionLogicalId}: gave up on ${records.length} record(s) ${first.sequenceNumber}..${last.sequenceNumber} of shard ${shardId} (${condition}), ${where}`);
  if (!onFailureQueueUrl || !sqs || signal.aborted) return;
  const arrival = (pending: Pending) => {
    const seconds = pending.record.dynamodb?.ApproximateCreationDateTime;
    return new Date(seconds === undefined ? pending.createdAtMs : seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
  };
  const failure = {
    requestContext: {
      // The local runtime keeps no request ids; a fresh one stands in for the last invocation's.
      requestId: randomUUID(),
      functionArn: functionArn(options.region, mapping.functionLogicalId, options.accountId ?? LOCAL_ACCOUNT_ID),
      condition,
      approximateInvokeCount: history.invocations,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(history.lastFunctionError ? { functionError: history.lastFunctionError } : {}),
    },
    version: '1.0',
    timestamp: new Date(now()).toISOString(),
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      streamArn,
    },
  };
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: onFailureQueueUrl, MessageBody: JSON.stringify(failure) }));
  } catch (error) {
    log(`${mapping.functionLogicalId}: sending the failure record to ${onFailureQueueUrl} failed: ${(error as Error).message}`);
  }
}
