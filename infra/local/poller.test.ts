import type { SQSEvent } from 'aws-lambda';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { describe, expect, it, vi } from 'vitest';
import { reportedFailures, startPollers, toRecord, type Pollers } from './poller.ts';
import { provision } from './provision.ts';
import type { StackModel } from './template.ts';

describe('reading partial batch responses', () => {
  const batch = new Set(['m1', 'm2', 'm3']);

  it('given no response, an empty list or a null list, when read, then nothing failed', () => {
    expect(reportedFailures(undefined, batch)).toEqual(new Set());
    expect(reportedFailures({ batchItemFailures: [] }, batch)).toEqual(new Set());
    expect(reportedFailures({ batchItemFailures: null }, batch)).toEqual(new Set());
  });

  it('given reported identifiers, when read, then exactly those failed', () => {
    expect(reportedFailures({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, batch)).toEqual(new Set(['m2']));
  });

  it('given an empty or unknown identifier, when read, then the whole batch failed as Lambda decides', () => {
    expect(reportedFailures({ batchItemFailures: [{ itemIdentifier: '' }] }, batch)).toEqual(batch);
    expect(reportedFailures({ batchItemFailures: [{ itemIdentifier: 'other' }] }, batch)).toEqual(batch);
    expect(reportedFailures({ batchItemFailures: [{ id: 'm1' }] }, batch)).toEqual(batch);
  });
});

describe('building SQS event records', () => {
  it('given a received message, when converted, then it has the shape Lambda delivers', () => {
    const record = toRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'rh',
        Body: '{"leadId":"l1"}',
        MD5OfBody: 'md5',
        Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1', ApproximateFirstReceiveTimestamp: '2', SenderId: 'AID' },
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'lead' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } },
      },
      'arn:aws:sqs:eu-west-1:000000000000:Q',
      'eu-west-1',
    );
    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'rh',
      body: '{"leadId":"l1"}',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1', ApproximateFirstReceiveTimestamp: '2', SenderId: 'AID' },
      messageAttributes: {
        kind: { dataType: 'String', stringValue: 'lead', stringListValues: [], binaryListValues: [] },
        blob: { dataType: 'Binary', binaryValue: Buffer.from('hi').toString('base64'), stringListValues: [], binaryListValues: [] },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:Q',
      awsRegion: 'eu-west-1',
    });
  });
});

describe('polling a queue on fauxqs', () => {
  it('given a record the function reports as failed, when polled, then the others are deleted and it is redriven to the DLQ after maxReceiveCount', async () => {
    const fauxqs = await startFauxqs({ port: 0, logger: false });
    const model: StackModel = {
      stackName: 'Poll',
      region: 'eu-west-1',
      tables: [],
      queues: [
        { logicalId: 'JobsDlq', fifo: false, attributes: {} },
        { logicalId: 'Jobs', fifo: false, attributes: { VisibilityTimeout: '1' }, deadLetter: { queueLogicalId: 'JobsDlq', maxReceiveCount: 2 } },
      ],
      functions: [],
      routes: [],
      apis: [],
      eventSourceMappings: [
        { logicalId: 'Esm', functionLogicalId: 'Worker', queueLogicalId: 'Jobs', batchSize: 10, maximumBatchingWindowInSeconds: 0, reportBatchItemFailures: true },
      ],
      streamMappings: [],
      schedules: [],
      stateMachines: [],
      secrets: [],
      configurationSets: [],
      notRunLocally: [],
    };
    const endpoint = `http://127.0.0.1:${fauxqs.port}`;
    const sqs = new SQSClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const seen: SQSEvent[] = [];
    let pollers: Pollers | undefined;
    try {
      const { queues } = await provision(model, { dynamodb: 'http://127.0.0.1:9', sqs: endpoint });
      const jobs = queues.Jobs!;
      for (const body of ['ok-1', 'poison', 'ok-2']) await sqs.send(new SendMessageCommand({ QueueUrl: jobs.url, MessageBody: body }));
      pollers = startPollers({
        queues: [{ mapping: model.eventSourceMappings[0]!, queueUrl: jobs.url, queueArn: jobs.arn }],
        sqsEndpoint: endpoint,
        region: 'eu-west-1',
        concurrency: 1,
        invoke: async (_fn, event) => {
          seen.push(event);
          return { batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({ itemIdentifier: r.messageId })) };
        },
      });

      // The look that finds the message is the one checked: once received, it is hidden from the next.
      const dead = await vi.waitFor(
        async () => {
          const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.JobsDlq!.url, WaitTimeSeconds: 1 }));
          if (Messages.length === 0) throw new Error('nothing in the DLQ yet');
          return Messages.map((message) => message.Body ?? '');
        },
        { timeout: 15_000, interval: 50 },
      );
      expect(dead).toEqual(['poison']);
      const bodies = seen.flatMap((event) => event.Records.map((record) => record.body));
      expect(bodies.filter((body) => body.startsWith('ok')).sort()).toEqual(['ok-1', 'ok-2']);
      expect(bodies.filter((body) => body === 'poison')).toHaveLength(2);
      const retried = seen.flatMap((event) => event.Records).filter((record) => record.body === 'poison')[1];
      expect(retried).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: jobs.arn, awsRegion: 'eu-west-1', attributes: { ApproximateReceiveCount: '2' } });
    } finally {
      await pollers?.stop();
      sqs.destroy();
      await fauxqs.stop();
    }
  }, 30_000);
});

describe('scaling out like an SQS event source mapping', () => {
  it('given a function that may run 2 environments, when 5 messages wait, then 2 batches are in flight and the other messages stay on the queue until one ends', async () => {
    const fauxqs = await startFauxqs({ port: 0, logger: false });
    const endpoint = `http://127.0.0.1:${fauxqs.port}`;
    const sqs = new SQSClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mapping = { logicalId: 'Esm', functionLogicalId: 'Worker', queueLogicalId: 'Jobs', batchSize: 1, maximumBatchingWindowInSeconds: 0, reportBatchItemFailures: true };
    const model: StackModel = {
      stackName: 'Scale',
      region: 'eu-west-1',
      tables: [],
      queues: [{ logicalId: 'Jobs', fifo: false, attributes: { VisibilityTimeout: '60' } }],
      functions: [],
      routes: [],
      apis: [],
      eventSourceMappings: [mapping],
      streamMappings: [],
      schedules: [],
      stateMachines: [],
      secrets: [],
      configurationSets: [],
      notRunLocally: [],
    };
    let inFlight = 0;
    let mostInFlight = 0;
    const handled: string[] = [];
    const release = Promise.withResolvers<void>();
    let pollers: Pollers | undefined;
    try {
      const { queues } = await provision(model, { dynamodb: 'http://127.0.0.1:9', sqs: endpoint });
      const jobs = queues.Jobs!;
      pollers = startPollers({
        queues: [{ mapping, queueUrl: jobs.url, queueArn: jobs.arn, functionConcurrency: 2 }],
        sqsEndpoint: endpoint,
        region: 'eu-west-1',
        invoke: async (_fn, event) => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          await release.promise;
          handled.push(...event.Records.map((record) => record.body));
          inFlight--;
          return { batchItemFailures: [] };
        },
      });
      for (let n = 0; n < 5; n++) await sqs.send(new SendMessageCommand({ QueueUrl: jobs.url, MessageBody: `job-${n}` }));

      await expect.poll(() => inFlight, { timeout: 15_000 }).toBe(2);
      const visible = async () =>
        Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: jobs.url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages);
      await expect.poll(visible, { timeout: 15_000 }).toBe(3);
      release.resolve();
      await expect.poll(() => handled.length, { timeout: 15_000 }).toBe(5);
      expect(mostInFlight).toBe(2);
    } finally {
      release.resolve();
      await pollers?.stop();
      sqs.destroy();
      await fauxqs.stop();
    }
  }, 40_000);
});
