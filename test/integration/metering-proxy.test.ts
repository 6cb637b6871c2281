import { BatchGetItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import { startMeteringProxy, type MeteringProxy } from '../../bench/metering/metering-proxy.ts';

/**
 * The cost benchmark's proxy against the real DynamoDB Local and fauxqs: what it adds to each
 * request, what it reads from each answer, and that the caller's answer is the emulator's own.
 */

const endpoints = inject('emulatorEndpoints');
const table = `metering-${randomUUID().slice(0, 8)}`;
let proxy: MeteringProxy;
let db: DynamoDBClient;

beforeAll(async () => {
  const direct = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: 'eu-west-1', credentials: LOCAL_CREDENTIALS });
  await direct.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  direct.destroy();
  proxy = await startMeteringProxy({ target: endpoints.dynamodb, service: 'dynamodb', keepBodies: true });
  db = new DynamoDBClient({ endpoint: proxy.url, region: 'eu-west-1', credentials: LOCAL_CREDENTIALS, userAgentAppId: 'RouteFunction4D392DAD', maxAttempts: 1 });
});

afterAll(async () => {
  db?.destroy();
  await proxy?.stop();
});

describe('the metering proxy in front of DynamoDB Local', () => {
  it('given a client that asks for no capacity, when it writes two items in a transaction, then the proxy records the transaction\'s write units and who wrote', async () => {
    proxy.reset();

    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: table, Item: { pk: { S: 'a' } } } }, { Put: { TableName: table, Item: { pk: { S: 'b' } } } }],
      }),
    );

    expect(proxy.calls).toHaveLength(1);
    // Two items of under 1 KB: DynamoDB Local reports one unit each, AWS bills a transaction's two.
    expect(proxy.calls[0]).toMatchObject({ service: 'dynamodb', operation: 'TransactWriteItems', appId: 'RouteFunction4D392DAD', status: 200, writeUnits: 2, readUnits: 0 });
    expect(proxy.calls[0]).toMatchObject({ billedWriteUnits: 4, billedReadUnits: 0 });
    // The body kept is the caller's, without what the proxy added.
    expect(proxy.calls[0]!.body).not.toContain('ReturnConsumedCapacity');
  });

  it('given two stored items, when a client reads both in one BatchGetItem, then the read units of the batch are recorded and the client gets both items', async () => {
    proxy.reset();

    const answer = await db.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [{ pk: { S: 'a' } }, { pk: { S: 'b' } }] } } }));

    expect(answer.Responses?.[table]).toHaveLength(2);
    // Eventually consistent: half a unit each.
    expect(proxy.calls[0]).toMatchObject({ operation: 'BatchGetItem', readUnits: 1, writeUnits: 0, billedReadUnits: 1 });
  });

  it('given keys of no stored item, when a client reads them in one BatchGetItem, then DynamoDB Local reports nothing and the keys are billed at the minimum', async () => {
    proxy.reset();

    await db.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [{ pk: { S: 'none1' } }, { pk: { S: 'none2' } }] } } }));

    expect(proxy.calls[0]).toMatchObject({ operation: 'BatchGetItem', readUnits: 0, billedReadUnits: 1 });
  });

  it('given a strongly consistent GetItem, then it costs one read unit', async () => {
    proxy.reset();

    const answer = await db.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, ConsistentRead: true }));

    expect(answer.Item?.pk?.S).toBe('a');
    expect(proxy.calls[0]).toMatchObject({ operation: 'GetItem', readUnits: 1 });
  });

  it('given an existing item, when a conditional put of it is refused, then the refusal and its estimated units are recorded', async () => {
    proxy.reset();

    const refused = db.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)' }));

    await expect(refused).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(proxy.calls[0]).toMatchObject({ operation: 'PutItem', status: 400, errorCode: 'ConditionalCheckFailedException', writeUnits: 0, refusedWriteUnits: 1 });
  });
});

describe('the metering proxy in front of fauxqs', () => {
  it('given a queue with one message, when it is received twice, then one receive carried a message and the other was empty', async () => {
    const sqsProxy = await startMeteringProxy({ target: endpoints.sqs, service: 'sqs' });
    const sqs = new SQSClient({ endpoint: sqsProxy.url, region: 'eu-west-1', credentials: LOCAL_CREDENTIALS });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `metering-${randomUUID().slice(0, 8)}` }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"leadId":"l1"}' }));
      await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0, VisibilityTimeout: 30 }));
      await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));

      expect(sqsProxy.calls.map((call) => [call.operation, call.messages])).toEqual([
        ['CreateQueue', undefined],
        ['SendMessage', undefined],
        ['ReceiveMessage', 1],
        ['ReceiveMessage', 0],
      ]);
    } finally {
      sqs.destroy();
      await sqsProxy.stop();
    }
  });
});
