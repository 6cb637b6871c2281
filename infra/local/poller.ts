import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_CREDENTIALS } from './emulators.ts';
import type { EventSourceMappingModel } from './template.ts';

/**
 * Plays Lambda's SQS event source mapping: long-polls the queue, gathers a batch within the
 * batching window, invokes the function, deletes what succeeded. Failed records are left alone,
 * so they reappear after the visibility timeout and fauxqs moves them to the DLQ after
 * maxReceiveCount, exactly the retry path they take on AWS.
 */

export interface PolledQueue {
  readonly mapping: EventSourceMappingModel;
  readonly queueUrl: string;
  readonly queueArn: string;
  /**
   * Execution environments its function may run at once. Lambda's pollers scale out while
   * messages wait, up to what the function's concurrency (and the mapping's MaximumConcurrency)
   * allows: that many batches are in flight at once here, from the start.
   */
  readonly functionConcurrency?: number;
}

export interface PollerOptions {
  readonly queues: readonly PolledQueue[];
  readonly invoke: (functionLogicalId: string, event: SQSEvent) => Promise<unknown>;
  readonly sqsEndpoint: string;
  readonly region: string;
  /** Batches in flight at once per mapping whose function's concurrency is not given; default 5, where Lambda starts. */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export interface Pollers {
  stop(): Promise<void>;
}

/** Lambda starts an SQS mapping with five concurrent batches. */
const DEFAULT_CONCURRENCY = 5;
/** Short long-polls keep shutdown quick; idle cost is one request per second per lane. */
const WAIT_TIME_SECONDS = 1;
const SHUTDOWN_GRACE_MS = 3_000;

export function startPollers(options: PollerOptions): Pollers {
  const client = new SQSClient({ endpoint: options.sqsEndpoint, region: options.region, credentials: LOCAL_CREDENTIALS });
  const abort = new AbortController();
  const log = options.log ?? (() => undefined);
  const lanes = options.queues.flatMap((queue) => {
    const count = Math.min(queue.functionConcurrency ?? options.concurrency ?? DEFAULT_CONCURRENCY, queue.mapping.maximumConcurrency ?? Infinity);
    return Array.from({ length: count }, () => pollLane(client, queue, options, abort.signal, log));
  });
  return {
    async stop() {
      abort.abort();
      // A batch still running keeps its messages invisible; they come back after the timeout.
      await Promise.race([Promise.allSettled(lanes), sleep(SHUTDOWN_GRACE_MS)]);
      client.destroy();
    },
  };
}

async function pollLane(client: SQSClient, queue: PolledQueue, options: PollerOptions, signal: AbortSignal, log: (line: string) => void): Promise<void> {
  const { mapping } = queue;
  while (!signal.aborted) {
    try {
      const messages = await collectBatch(client, queue, signal);
      if (messages.length === 0) continue;
      const records = messages.map((message) => toRecord(message, queue.queueArn, options.region));
      const failed = await invokeBatch(options, mapping, records, log);
      const done = messages.filter((message) => !failed.has(message.MessageId ?? ''));
      await deleteMessages(client, queue.queueUrl, done);
    } catch (error) {
      if (signal.aborted) return;
      log(`${mapping.functionLogicalId}: polling ${queue.queueUrl} failed: ${(error as Error).message}`);
      await sleep(1_000, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** Waits for a first message, then keeps receiving until the batch is full or the window closes. */
async function collectBatch(client: SQSClient, queue: PolledQueue, signal: AbortSignal): Promise<Message[]> {
  const { batchSize, maximumBatchingWindowInSeconds } = queue.mapping;
  const receive = async (max: number, waitTimeSeconds: number) => {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    return Messages ?? [];
  };
  const batch = await receive(batchSize, WAIT_TIME_SECONDS);
  if (batch.length === 0) return batch;
  const closes = Date.now() + maximumBatchingWindowInSeconds * 1000;
  while (batch.length < batchSize && !signal.aborted) {
    const remaining = closes - Date.now();
    if (remaining <= 0) break;
    const more = await receive(batchSize - batch.length, remaining >= 1000 ? 1 : 0);
    if (more.length === 0 && remaining < 1000) await sleep(Math.min(100, remaining));
    batch.push(...more);
  }
  return batch;
}

/** Message ids to keep on the queue: the reported failures, or all of them when the invoke failed. */
async function invokeBatch(options: PollerOptions, mapping: EventSourceMappingModel, records: SQSRecord[], log: (line: string) => void): Promise<Set<string>> {
  const all = new Set(records.map((record) => record.messageId));
  let response: unknown;
  try {
    response = await options.invoke(mapping.functionLogicalId, { Records: records });
  } catch (error) {
    log(`${mapping.functionLogicalId}: batch of ${records.length} failed, retried after the visibility timeout: ${(error as Error).name}: ${(error as Error).message}`);
    return all;
  }
  if (!mapping.reportBatchItemFailures) return new Set();
  const failed = reportedFailures(response, all);
  if (failed.size) log(`${mapping.functionLogicalId}: ${failed.size} of ${records.length} records failed, retried after the visibility timeout`);
  return failed;
}

/**
 * Lambda's rules: no response or no list is full success; an identifier that is missing, empty
 * or not in the batch makes the whole batch fail.
 */
export function reportedFailures(response: unknown, batch: ReadonlySet<string>): Set<string> {
  if (response === null || typeof response !== 'object' || !('batchItemFailures' in response)) return new Set();
  const list = response.batchItemFailures;
  if (list === null || list === undefined) return new Set();
  if (!Array.isArray(list)) return new Set(batch);
  const failed = new Set<string>();
  for (const item of list) {
    const id: unknown = item && typeof item === 'object' ? (item as Record<string, unknown>).itemIdentifier : undefined;
    if (typeof id !== 'string' || !batch.has(id)) return new Set(batch);
    failed.add(id);
  }
  return failed;
}

async function deleteMessages(client: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const entries = messages.slice(i, i + 10).map((message, j) => ({ Id: String(i + j), ReceiptHandle: message.ReceiptHandle! }));
    await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
    };
  }
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
