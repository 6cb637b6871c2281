import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, startEmulators, type EmulatorEndpoints, type Emulators } from './emulators.ts';
import { provision } from './provision.ts';
import {
  batchOutcome,
  laneFor,
  retryDelayMs,
  startStreamPollers,
  type StreamPollerOptions,
  type StreamPollers,
} from './stream-poller.ts';
import type { StackModel, StreamMappingModel } from './template.ts';

const REGION = 'eu-west-1';

describe('stream batch rules', () => {
  const batch = ['101', '102', '103', '104'];

  it('given no response, no list or an empty list, when read, then the batch succeeded', () => {
    expect(batchOutcome(undefined, batch, true)).toEqual({ kind: 'success' });
    expect(batchOutcome({ batchItemFailures: null }, batch, true)).toEqual({ kind: 'success' });
    expect(batchOutcome({ batchItemFailures: [] }, batch, true)).toEqual({ kind: 'success' });
  });

  it('given reported sequence numbers, when read, then the batch is retried from the lowest one', () => {
    expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: '104' }, { itemIdentifier: '102' }] }, batch, true)).toEqual({ kind: 'partial', retryFrom: 1 });
  });

  it('given an empty or unknown identifier, when read, then all of the batch is retried', () => {
    expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: '' }] }, batch, true)).toEqual({ kind: 'partial', retryFrom: 0 });
    expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: '999' }, { itemIdentifier: '103' }] }, batch, true)).toEqual({ kind: 'partial', retryFrom: 0 });
    expect(batchOutcome({ batchItemFailures: 'all' }, batch, true)).toEqual({ kind: 'partial', retryFrom: 0 });
  });

  it('given a mapping without ReportBatchItemFailures, when the function answers failures, then they are ignored as Lambda does', () => {
    expect(batchOutcome({ batchItemFailures: [{ itemIdentifier: '102' }] }, batch, false)).toEqual({ kind: 'success' });
  });

  it('given retries, when the backoff is computed, then it doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(retry))).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(retryDelayMs(3, 10, 25)).toBe(25);
  });
});

// Waits are generous for a busy machine; on an idle one each test takes well under a second.
const eventually = <T>(read: () => T) => expect.poll(read, { timeout: 5_000 });

describe('polling a table stream on DynamoDB Local', { timeout: 15_000 }, () => {
  let emulators: Emulators | undefined;
  let endpoints: EmulatorEndpoints;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  const running: StreamPollers[] = [];
  let stacks = 0;

  beforeAll(async () => {
    // The integration project's global setup provides the emulators; run alone, start our own.
    endpoints = inject('emulatorEndpoints') ?? (emulators = await startEmulators()).endpoints;
    const config = { region: REGION, credentials: LOCAL_CREDENTIALS };
    dynamodb = new DynamoDBClient({ ...config, endpoint: endpoints.dynamodb });
    sqs = new SQSClient({ ...config, endpoint: endpoints.sqs });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((pollers) => pollers.stop()));
  });
  afterAll(async () => {
    dynamodb?.destroy();
    sqs?.destroy();
    await emulators?.stop();
  });

  /** A table with a stream and an OnFailure queue, provisioned from a hand-written model as the template would give it. */
  async function streamOf(overrides: Partial<StreamMappingModel> = {}) {
    const mapping: StreamMappingModel = {
      logicalId: 'RelayStream',
      functionLogicalId: 'Relay',
      tableLogicalId: 'Effects',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      onFailureQueueLogicalId: 'RelayFailures',
      filterPatterns: [],
      ...overrides,
    };
    const model: StackModel = {
      stackName: 'Streams',
      region: REGION,
      tables: [
        {
          logicalId: 'Effects',
          keySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          attributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          globalSecondaryIndexes: [],
          localSecondaryIndexes: [],
          streamViewType: 'NEW_AND_OLD_IMAGES',
        },
      ],
      queues: [{ logicalId: 'RelayFailures', fifo: false, attributes: {} }],
      functions: [],
      routes: [],
      apis: [],
      eventSourceMappings: [],
      streamMappings: [mapping],
      schedules: [],
      stateMachines: [],
      secrets: [],
      configurationSets: [],
      notRunLocally: [],
    };
    const provisioned = await provision(model, endpoints, { prefix: `S${++stacks}-${randomUUID().slice(0, 8)}-` });
    const tableName = provisioned.tables.Effects!.name;
    const streamArn = provisioned.values.Effects!.attributes.StreamArn!;
    const failureQueueUrl = provisioned.queues.RelayFailures!.url;
    const received: unknown[] = [];
    return {
      tableName,
      streamArn,
      put: (pk: string, sk: string, extra: Record<string, object> = {}) =>
        dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, sk: { S: sk }, ...extra } })),
      putAll: (items: [string, string][]) =>
        dynamodb.send(
          new TransactWriteItemsCommand({ TransactItems: items.map(([pk, sk]) => ({ Put: { TableName: tableName, Item: { pk: { S: pk }, sk: { S: sk } } } })) }),
        ),
      start: async (invoke: StreamPollerOptions['invoke'], options: Partial<StreamPollerOptions> = {}) => {
        const pollers = await startStreamPollers({
          streams: [{ mapping, streamArn, onFailureQueueUrl: failureQueueUrl }],
          invoke,
          dynamodbEndpoint: endpoints.dynamodb,
          sqsEndpoint: endpoints.sqs,
          region: REGION,
          retryBackoff: { baseMs: 10, maxMs: 40 },
          pollIntervalMs: 50,
          ...options,
        });
        running.push(pollers);
        return pollers;
      },
      /** Every failure record the OnFailure queue got so far (parsed). */
      failureRecords: async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: failureQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        for (const message of Messages ?? []) received.push(JSON.parse(message.Body ?? 'null'));
        return received;
      },
    };
  }

  const keyOf = (record: DynamoDBRecord) => `${record.dynamodb?.Keys?.pk?.S}/${record.dynamodb?.Keys?.sk?.S}`;
  const keysOf = (event: DynamoDBStreamEvent) => event.Records.map(keyOf);
  /** Records the function saw, batch by batch. */
  const recorder = (answer: (event: DynamoDBStreamEvent, call: number) => unknown = () => undefined) => {
    const batches: DynamoDBStreamEvent[] = [];
    const invoke = async (_fn: string, event: DynamoDBStreamEvent) => {
      batches.push(event);
      return answer(event, batches.length);
    };
    return { batches, invoke, keys: () => batches.map(keysOf), records: () => batches.flatMap((event) => event.Records) };
  };
  const failing = (message: string) => Object.assign(new Error(message), { name: 'EffectFailed' });

  it('given a put, an update and a delete, when polled, then the function gets them in order as the records Lambda delivers', async () => {
    const stream = await streamOf();
    const seen = recorder();
    await stream.start(seen.invoke);
    await stream.put('LEAD#1', 'v0', {
      status: { S: 'RECEIVED' },
      raw: { B: new Uint8Array([1, 2]) },
      blobs: { BS: [new Uint8Array([255])] },
      tags: { L: [{ S: 'web' }, { N: '3' }] },
      scores: { NS: ['1', '2.5'] },
      meta: { M: {} },
      owner: { NULL: true },
      hot: { BOOL: false },
    });
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: stream.tableName,
        Key: { pk: { S: 'LEAD#1' }, sk: { S: 'v0' } },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'OFFERED' } },
      }),
    );
    await dynamodb.send(new DeleteItemCommand({ TableName: stream.tableName, Key: { pk: { S: 'LEAD#1' }, sk: { S: 'v0' } } }));

    await eventually(() => seen.records().length).toBe(3);
    const [insert, modify, remove] = seen.records();
    const keys = { pk: { S: 'LEAD#1' }, sk: { S: 'v0' } };
    // Attribute values stay DynamoDB JSON, binary in base64, as Lambda delivers them.
    const created = {
      pk: { S: 'LEAD#1' },
      sk: { S: 'v0' },
      status: { S: 'RECEIVED' },
      raw: { B: 'AQI=' },
      blobs: { BS: ['/w=='] },
      tags: { L: [{ S: 'web' }, { N: '3' }] },
      scores: { NS: ['1', '2.5'] },
      meta: { M: {} },
      owner: { NULL: true },
      hot: { BOOL: false },
    };
    const common = { eventID: expect.any(String), eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: REGION, eventSourceARN: stream.streamArn };
    const data = { ApproximateCreationDateTime: expect.any(Number), Keys: keys, SequenceNumber: expect.stringMatching(/^\d+$/), SizeBytes: expect.any(Number), StreamViewType: 'NEW_AND_OLD_IMAGES' };
    expect(insert).toEqual({ ...common, eventName: 'INSERT', dynamodb: { ...data, NewImage: created } });
    expect(modify).toEqual({ ...common, eventName: 'MODIFY', dynamodb: { ...data, OldImage: created, NewImage: { ...created, status: { S: 'OFFERED' } } } });
    expect(remove).toEqual({ ...common, eventName: 'REMOVE', dynamodb: { ...data, OldImage: { ...created, status: { S: 'OFFERED' } } } });
    const sequence = seen.records().map((record) => BigInt(record.dynamodb!.SequenceNumber!));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
    expect(Math.abs(insert!.dynamodb!.ApproximateCreationDateTime! * 1000 - Date.now())).toBeLessThan(120_000);
  });

  it('given the items of one TransactWriteItems, when polled, then every one of them is delivered', async () => {
    const stream = await streamOf();
    const seen = recorder();
    await stream.start(seen.invoke);
    await stream.putAll([
      ['LEAD#7', 'v1'],
      ['LEAD#7', 'EVENT#1'],
      ['EFFECT#7-email', 'EFFECT'],
    ]);
    await eventually(() => seen.records().map(keyOf).sort()).toEqual(['EFFECT#7-email/EFFECT', 'LEAD#7/EVENT#1', 'LEAD#7/v1']);
    expect(seen.records().every((record) => record.eventName === 'INSERT')).toBe(true);
  });

  it('given a filter on new effects, when other changes are written too, then only the matching records reach the function', async () => {
    const stream = await streamOf({ filterPatterns: ['{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"EFFECT#"}]}}}}'] });
    const seen = recorder();
    await stream.start(seen.invoke);
    await stream.put('LEAD#1', 'v1');
    await stream.put('EFFECT#1', 'EFFECT');
    await stream.put('EFFECT#1', 'EFFECT', { done: { BOOL: true } });
    await stream.put('EFFECT#2', 'EFFECT');
    // EFFECT#2 is the stream's last record: once it arrived, every earlier one was read and judged.
    await eventually(() => seen.records().map((record) => `${record.eventName} ${keyOf(record)}`)).toContain('INSERT EFFECT#2/EFFECT');
    expect(seen.records().map((record) => `${record.eventName} ${keyOf(record)}`)).toEqual(['INSERT EFFECT#1/EFFECT', 'INSERT EFFECT#2/EFFECT']);
  });

  it('given StartingPosition LATEST, when polled, then what was written before the start is skipped and what comes after is delivered', async () => {
    const stream = await streamOf({ startingPosition: 'LATEST' });
    await stream.put('LEAD#old', 'v1');
    const seen = recorder();
    await stream.start(seen.invoke);
    await stream.put('LEAD#new', 'v1');
    await eventually(() => seen.records().map(keyOf)).toContain('LEAD#new/v1');
    expect(seen.records().map(keyOf)).toEqual(['LEAD#new/v1']);
  });

  it('given a shard empty long enough to rest for seconds, when a record is written and the pollers are nudged, then it is delivered without waiting out the rest', async () => {
    const stream = await streamOf();
    const seen = recorder();
    // Rests of 200, 400, 800 … ms (each at least the base 200 ms): the one from about 6.2 s to
    // 12.6 s is under way at 6.5 s, so the record would wait about 6 s; nudged, it is read at once
    // (4 s leaves room for a busy machine).
    const pollers = await stream.start(seen.invoke, { pollIntervalMs: 200, idlePollIntervalMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    await stream.put('LEAD#after-rest', 'v1');
    pollers.nudge();
    await expect.poll(() => seen.records().map(keyOf), { timeout: 4_000 }).toEqual(['LEAD#after-rest/v1']);
  });

  it('given a batch whose function reports two records failed, when polled, then the batch is retried from the lower one and the records before it are done', async () => {
    const stream = await streamOf();
    await stream.putAll([1, 2, 3, 4, 5].map((n): [string, string] => [`EFFECT#${n}`, 'EFFECT']));
    const seen = recorder((event, call) =>
      call === 1 ? { batchItemFailures: [event.Records[3]!, event.Records[2]!].map((record) => ({ itemIdentifier: record.dynamodb!.SequenceNumber! })) } : { batchItemFailures: [] },
    );
    await stream.start(seen.invoke);
    await eventually(() => seen.batches.length).toBe(2);
    const [first, retried] = seen.keys();
    expect(first).toHaveLength(5);
    expect(retried).toEqual(first!.slice(2));
    // A later record goes through once the retry succeeded; nothing of the first batch comes again.
    await stream.put('EFFECT#6', 'EFFECT');
    await eventually(() => seen.keys().at(-1)).toEqual(['EFFECT#6/EFFECT']);
    expect(seen.batches).toHaveLength(3);
    expect(await stream.failureRecords()).toEqual([]);
  });

  it('given a poison record in a batch and bisect on, when the function throws, then the batch is halved down to the poison record, which alone goes to the failure queue', async () => {
    const stream = await streamOf({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 });
    // Written one by one before the start, so they are read as one batch in this order.
    for (const id of ['a', 'b', 'poison', 'c']) await stream.put(`EFFECT#${id}`, 'EFFECT');
    const [a, b, poison, c] = ['a', 'b', 'poison', 'c'].map((id) => `EFFECT#${id}/EFFECT`);
    const seen = recorder((event) => {
      if (keysOf(event).includes(poison!)) throw failing('cannot render the email');
      return undefined;
    });
    await stream.start(seen.invoke);

    await eventually(() => stream.failureRecords()).toHaveLength(1);
    await eventually(() => seen.keys().length).toBe(6);
    // Halves right away (a split is no retry), in shard order; alone, the poison record is retried
    // once (MaximumRetryAttempts 1) and given up on before the record after it goes through.
    expect(seen.keys()).toEqual([[a, b, poison, c], [a, b], [poison, c], [poison], [poison], [c]]);
    const poisonRecord = seen.records().find((record) => keyOf(record) === poison)!;
    expect(await stream.failureRecords()).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 }),
        DDBStreamBatchInfo: expect.objectContaining({
          batchSize: 1,
          startSequenceNumber: poisonRecord.dynamodb!.SequenceNumber,
          endSequenceNumber: poisonRecord.dynamodb!.SequenceNumber,
        }),
      }),
    ]);
  });

  it('given a record that keeps failing, when its retries are exhausted, then Lambda\'s failure record goes to the queue and later records are processed', async () => {
    const stream = await streamOf({ maximumRetryAttempts: 2 });
    const seen = recorder((event) => {
      if (keysOf(event).includes('EFFECT#bad/EFFECT')) throw failing('smtp down');
      return undefined;
    });
    await stream.start(seen.invoke);
    await stream.put('EFFECT#bad', 'EFFECT');
    await eventually(() => seen.batches.length).toBeGreaterThan(0);
    await stream.put('EFFECT#next', 'EFFECT');

    await eventually(() => seen.keys()).toEqual([['EFFECT#bad/EFFECT'], ['EFFECT#bad/EFFECT'], ['EFFECT#bad/EFFECT'], ['EFFECT#next/EFFECT']]);
    const bad = seen.records()[0]!.dynamodb!;
    const arrival = new Date(bad.ApproximateCreationDateTime! * 1000).toISOString().replace(/\.000Z$/, 'Z');
    await eventually(() => stream.failureRecords()).toHaveLength(1);
    expect((await stream.failureRecords())[0]).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: `arn:aws:lambda:${REGION}:000000000000:function:Relay`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: bad.SequenceNumber,
        endSequenceNumber: bad.SequenceNumber,
        approximateArrivalOfFirstRecord: arrival,
        approximateArrivalOfLastRecord: arrival,
        batchSize: 1,
        streamArn: stream.streamArn,
      },
    });
  });

  it('given a failing record that grows older than MaximumRecordAgeInSeconds, when it is due for a retry, then it is given up on as RecordAgeExceeded', async () => {
    const stream = await streamOf({ maximumRecordAgeInSeconds: 60 });
    let offsetMs = 0;
    const seen = recorder(() => {
      // The clock jumps two minutes while the first attempt fails.
      offsetMs = 120_000;
      throw failing('still failing');
    });
    await stream.start(seen.invoke, { now: () => Date.now() + offsetMs });
    await stream.put('EFFECT#old', 'EFFECT');
    await eventually(() => stream.failureRecords()).toHaveLength(1);
    expect(seen.batches).toHaveLength(1);
    expect((await stream.failureRecords())[0]).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 1 },
      responseContext: { functionError: 'Unhandled' },
      DDBStreamBatchInfo: { batchSize: 1 },
    });
  });

  it('given ParallelizationFactor 2, when one partition key\'s batch is slow, then another key\'s records go through meanwhile and each key keeps its order', async () => {
    // Two partition keys that hash to different lanes.
    const keyA = 'LEAD#a';
    const keyB = ['LEAD#b', 'LEAD#c', 'LEAD#d', 'LEAD#e', 'LEAD#f'].find((key) => laneFor({ S: key }, 2) !== laneFor({ S: keyA }, 2))!;
    const stream = await streamOf({ parallelizationFactor: 2, batchSize: 1 });
    await stream.putAll([
      [keyA, '1'],
      [keyB, '1'],
      [keyA, '2'],
      [keyB, '2'],
    ]);
    const timeline: string[] = [];
    let releaseA!: () => void;
    const bStarted = new Promise<void>((resolve) => (releaseA = resolve));
    await stream.start(async (_fn, event) => {
      const key = keysOf(event)[0]!;
      timeline.push(`start ${key}`);
      if (key.startsWith(keyB)) releaseA();
      // With one lane, B would wait behind A forever: A holds on until B has started.
      if (key === `${keyA}/1`) await Promise.race([bStarted, new Promise((_, reject) => setTimeout(() => reject(failing('lanes ran one after the other')), 5_000))]);
      timeline.push(`end ${key}`);
      return undefined;
    });

    await expect.poll(() => timeline.filter((line) => line.startsWith('end')).length, { timeout: 8_000 }).toBe(4);
    const at = (line: string) => timeline.indexOf(line);
    expect(at(`start ${keyB}/1`)).toBeLessThan(at(`end ${keyA}/1`));
    expect(at(`end ${keyA}/1`)).toBeLessThan(at(`start ${keyA}/2`));
    expect(at(`end ${keyB}/1`)).toBeLessThan(at(`start ${keyB}/2`));
    expect(timeline.filter((line) => line.startsWith('start'))).toHaveLength(4);
  });

  it('given an invocation that never returns, when stopped, then the poller stops within three seconds', async () => {
    const stream = await streamOf();
    let invoked = false;
    const pollers = await stream.start(async () => {
      invoked = true;
      return new Promise(() => undefined);
    });
    await stream.put('EFFECT#stuck', 'EFFECT');
    await eventually(() => invoked).toBe(true);
    const started = Date.now();
    await pollers.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
