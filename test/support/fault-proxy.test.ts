import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import { LOCAL_CREDENTIALS, startEmulators, type EmulatorEndpoints, type Emulators } from '#infra/local/emulators.ts';
import { LOCAL_ACCOUNT_ID } from '#infra/local/intrinsics.ts';
import { startStepFunctions, type StepFunctionsServer } from '#infra/local/stepfunctions.ts';
import { readInbox } from '../e2e/inbox.ts';
import { startFaultProxy, type FaultProxy, type FaultService } from './fault-proxy.ts';

/**
 * The proxy in front of each emulator, driven by the real SDK clients: the error shapes must
 * become the SDK's real exceptions, retried as on AWS, and what passes must reach the emulator.
 */

const region = 'eu-west-1';
const machineName = 'FaultProxyTest';
const stateMachineArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:stateMachine:${machineName}`;

/** The SDK settings a test varies; everything else is each client's default (3 attempts, DynamoDB's 4). */
interface ClientSettings {
  readonly maxAttempts?: number;
  readonly requestHandler?: { readonly requestTimeout: number; readonly throwOnRequestTimeout: true };
  /** Added to the user agent of every request as `app/<id>`, as AWS_SDK_UA_APP_ID does. */
  readonly userAgentAppId?: string;
}

/** Gives up on a silent server after 500 ms; without throwOnRequestTimeout the SDK only warns. */
const impatient: ClientSettings = { requestHandler: { requestTimeout: 500, throwOnRequestTimeout: true } };

let endpoints: EmulatorEndpoints;
let emulators: Emulators | undefined;
let stepFunctions: StepFunctionsServer | undefined;
let tableName: string;
let dynamodb: DynamoDBClient;
let sqs: SQSClient;
let sfn: SFNClient;

beforeAll(async () => {
  // The integration project's global setup provides the emulators; run alone, start our own.
  endpoints = inject('emulatorEndpoints') ?? (emulators = await startEmulators()).endpoints;
  stepFunctions = await startStepFunctions({
    stateMachines: [
      {
        logicalId: machineName,
        name: machineName,
        arn: stateMachineArn,
        definition: { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
        tasks: {},
      },
    ],
    region,
    port: 0,
    invoke: async (id) => {
      throw new Error(`${id} is not bound`);
    },
  });
  dynamodb = new DynamoDBClient({ region, credentials: LOCAL_CREDENTIALS, endpoint: endpoints.dynamodb });
  sqs = new SQSClient({ region, credentials: LOCAL_CREDENTIALS, endpoint: endpoints.sqs });
  sfn = new SFNClient({ region, credentials: LOCAL_CREDENTIALS, endpoint: stepFunctions.endpoint });
  tableName = `fault-proxy-${randomUUID().slice(0, 8)}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
});

afterAll(async () => {
  for (const client of [dynamodb, sqs, sfn]) client?.destroy();
  await stepFunctions?.stop();
  await emulators?.stop();
});

const targetOf = (service: FaultService): string => (service === 'sfn' ? stepFunctions!.endpoint : endpoints[service]);

/** Each test its own proxy, so the concurrent tests' faults and call logs stay apart. */
async function proxyFor(service: FaultService, { onTestFinished }: TestContext): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: targetOf(service), service });
  onTestFinished(() => proxy.stop());
  return proxy;
}

/** The queue each marker's SQS message goes to, created directly on fauxqs (not through the proxy). */
const queueUrls = new Map<string, string>();
async function queueFor(marker: string): Promise<string> {
  const known = queueUrls.get(marker);
  if (known) return known;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `fault-proxy-${marker}` }));
  // As infra/local/provision.ts does: fauxqs names its queues `sqs.<region>.localhost`, which
  // need not resolve; it finds a queue by path on any host.
  const url = new URL(new URL(QueueUrl!).pathname, endpoints.sqs).href;
  queueUrls.set(marker, url);
  return url;
}

/** One representative call of `service` through `endpoint`, carrying `marker`. */
async function send(service: FaultService, endpoint: string, marker: string, settings: ClientSettings = {}): Promise<{ attempts?: number }> {
  const config = { region, credentials: LOCAL_CREDENTIALS, endpoint, ...settings };
  switch (service) {
    case 'dynamodb':
      return withClient(new DynamoDBClient(config), (client) =>
        client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: `LEAD#${marker}` } } })),
      );
    case 'sqs': {
      const QueueUrl = await queueFor(marker);
      return withClient(new SQSClient(config), (client) => client.send(new SendMessageCommand({ QueueUrl, MessageBody: `{"leadId":"${marker}"}` })));
    }
    case 'ses':
      return withClient(new SESClient(config), (client) =>
        client.send(
          new SendEmailCommand({
            Source: 'leads@example.com',
            Destination: { ToAddresses: [`${marker}@example.com`] },
            Message: { Subject: { Data: `New lead: ${marker}` }, Body: { Text: { Data: `Call ${marker} back & soon` } } },
          }),
        ),
      );
    case 'sfn':
      return withClient(new SFNClient(config), (client) => client.send(new StartExecutionCommand({ stateMachineArn, name: marker, input: '{}' })));
  }
}

async function withClient<C extends { destroy(): void }>(client: C, call: (client: C) => Promise<{ $metadata: { attempts?: number } }>) {
  try {
    return (await call(client)).$metadata;
  } finally {
    client.destroy();
  }
}

/** Whether the call carrying `marker` reached the emulator, asked of the emulator itself. */
async function arrived(service: FaultService, marker: string): Promise<boolean> {
  switch (service) {
    case 'dynamodb': {
      const found = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `LEAD#${marker}` } } }));
      return found.Item !== undefined;
    }
    case 'sqs': {
      const QueueUrl = await queueFor(marker);
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Attributes?.ApproximateNumberOfMessages === '1';
    }
    case 'ses':
      return (await readInbox(endpoints.ses)).some((email) => email.destination.to.includes(`${marker}@example.com`));
    case 'sfn': {
      const executionArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:execution:${machineName}:${marker}`;
      return sfn.send(new DescribeExecutionCommand({ executionArn })).then(
        () => true,
        (error: Error) => (error.name === 'ExecutionDoesNotExist' ? false : Promise.reject(error)),
      );
    }
  }
}

interface SdkError {
  readonly name: string;
  readonly $fault?: string;
  readonly $retryable?: unknown;
  readonly code?: string;
  readonly $metadata: { readonly httpStatusCode?: number; readonly attempts?: number };
}

async function failure(promise: Promise<unknown>): Promise<SdkError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as SdkError,
  );
  if (outcome === undefined) throw new Error('expected the call to fail');
  return outcome;
}

const marker = () => randomUUID();

/** Per service: the call `send` makes, the SDK's default attempts, and what it raises per fault. */
const services: Record<FaultService, { operation: string; maxAttempts: number; throttle: SdkFailure; 'server-error': SdkFailure }> = {
  dynamodb: {
    operation: 'PutItem',
    maxAttempts: 4,
    throttle: { name: 'ProvisionedThroughputExceededException', status: 400 },
    'server-error': { name: 'InternalServerError', status: 500 },
  },
  sqs: {
    operation: 'SendMessage',
    maxAttempts: 3,
    throttle: { name: 'RequestThrottled', status: 403 },
    'server-error': { name: 'InternalFailure', status: 500 },
  },
  ses: {
    operation: 'SendEmail',
    maxAttempts: 3,
    throttle: { name: 'Throttling', status: 400 },
    'server-error': { name: 'InternalFailure', status: 500 },
  },
  sfn: {
    operation: 'StartExecution',
    maxAttempts: 3,
    throttle: { name: 'ThrottlingException', status: 400 },
    'server-error': { name: 'InternalFailure', status: 500 },
  },
};
interface SdkFailure {
  readonly name: string;
  readonly status: number;
}

// Throttled calls back off 1 s, 2 s, 4 s at most between attempts (this SDK's base for
// throttling): one suite, so the services' slow tests overlap.
describe.concurrent('a fault proxy in front of each service', () => {
  for (const service of Object.keys(services) as FaultService[]) {
    const { operation, maxAttempts } = services[service];

    for (const kind of ['throttle', 'server-error'] as const) {
      const { name, status } = services[service][kind];

      it(`given a ${kind} on the next ${operation}, when the SDK sends it without retries, then it raises ${name} with status ${status}`, async (context) => {
        const { expect } = context;
        const proxy = await proxyFor(service, context);
        proxy.fail({ kind });

        const error = await failure(send(service, proxy.url, marker(), { maxAttempts: 1 }));

        expect(error).toMatchObject({ name, $fault: status < 500 ? 'client' : 'server', $metadata: { httpStatusCode: status, attempts: 1 } });
        // None of these is modelled as retryable: the SDK retries them by name or status, as below.
        expect(error.$retryable).toBeUndefined();
        expect(proxy.calls).toMatchObject([{ operation, attempts: 1, failed: kind, failedAttempts: 1 }]);
      });

      it(`given a ${kind} on the next ${operation}, when the SDK sends it with its default retries, then every attempt fails, ${name} reaches the caller and the next call reaches the emulator`, async (context) => {
        const { expect } = context;
        const proxy = await proxyFor(service, context);
        proxy.fail({ kind });
        const [failed, passed] = [marker(), marker()];

        const error = await failure(send(service, proxy.url, failed));
        await send(service, proxy.url, passed);

        // A 4xx retried to the last attempt is one the SDK classified as throttling.
        expect(error).toMatchObject({ name, $metadata: { httpStatusCode: status, attempts: maxAttempts } });
        expect(proxy.calls).toMatchObject([
          { operation, attempts: maxAttempts, maxAttempts, failed: kind, failedAttempts: maxAttempts },
          { operation, attempts: 1, failed: undefined },
        ]);
        expect(await arrived(service, failed)).toBe(false);
        expect(await arrived(service, passed)).toBe(true);
      });
    }

    it(`given a timeout on the next ${operation}, when a client with a 500 ms request timeout sends it, then each attempt times out and the SDK gives up with a TimeoutError`, async (context) => {
      const { expect } = context;
      const proxy = await proxyFor(service, context);
      proxy.fail({ kind: 'timeout' });
      const lead = marker();

      const error = await failure(send(service, proxy.url, lead, impatient));

      expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: maxAttempts } });
      expect(proxy.calls).toMatchObject([{ operation, attempts: maxAttempts, failed: 'timeout', failedAttempts: maxAttempts }]);
      expect(await arrived(service, lead)).toBe(false);
    });
  }
});

describe('choosing the call that fails', () => {
  it('given a fault on the 2nd PutItem, when a GetItem and three PutItems go through, then only the second PutItem fails', async (context) => {
    const proxy = await proxyFor('dynamodb', context);
    proxy.fail({ operation: 'PutItem', nth: 2, kind: 'server-error' });
    const [first, second, third] = [marker(), marker(), marker()];

    await withClient(new DynamoDBClient({ region, credentials: LOCAL_CREDENTIALS, endpoint: proxy.url }), (client) =>
      client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `LEAD#${first}` } } })),
    );
    await send('dynamodb', proxy.url, first);
    const error = await failure(send('dynamodb', proxy.url, second));
    await send('dynamodb', proxy.url, third);

    expect(error.name).toBe('InternalServerError');
    expect(proxy.calls.map((call) => [call.operation, call.failed])).toEqual([
      ['GetItem', undefined],
      ['PutItem', undefined],
      ['PutItem', 'server-error'],
      ['PutItem', undefined],
    ]);
    expect([await arrived('dynamodb', first), await arrived('dynamodb', second), await arrived('dynamodb', third)]).toEqual([true, false, true]);
  });

  it('given a fault matching one lead for 2 times, when that lead is written three times among others, then its first two writes fail and everything else passes', async (context) => {
    const proxy = await proxyFor('dynamodb', context);
    const [target, other] = [marker(), marker()];
    proxy.fail({ match: new RegExp(`LEAD#${target}`, 'g'), times: 2, kind: 'throttle' });

    const outcomes = [];
    for (const lead of [other, target, target, other, target]) {
      outcomes.push(await send('dynamodb', proxy.url, lead, { maxAttempts: 1 }).then(() => 'ok', (error: Error) => error.name));
    }

    expect(outcomes).toEqual(['ok', 'ProvisionedThroughputExceededException', 'ProvisionedThroughputExceededException', 'ok', 'ok']);
    expect(await arrived('dynamodb', target)).toBe(true);
  });

  it('given a fault matching words of an email body, when SES receives that email URL-encoded among others, then the decoded body is matched and only that email fails', async (context) => {
    const proxy = await proxyFor('ses', context);
    const [target, other] = [`ada-${marker()}`, `bob-${marker()}`];
    proxy.fail({ operation: 'SendEmail', match: `Call ${target} back & soon`, kind: 'server-error' });

    await send('ses', proxy.url, other);
    const error = await failure(send('ses', proxy.url, target));

    expect(error.name).toBe('InternalFailure');
    expect(proxy.calls.map((call) => call.failed)).toEqual([undefined, 'server-error']);
    expect(proxy.calls[1]!.body).toContain(`Message.Body.Text.Data=Call ${target} back & soon`);
    expect([await arrived('ses', other), await arrived('ses', target)]).toEqual([true, false]);
  });

  it('given a fault on first attempts only, when the SDK sends the call with its default retries, then the retry absorbs it and the item is stored', async (context) => {
    const proxy = await proxyFor('dynamodb', context);
    proxy.fail({ kind: 'server-error', attempts: 'first' });
    const lead = marker();

    const metadata = await send('dynamodb', proxy.url, lead);

    expect(metadata.attempts).toBe(2);
    expect(proxy.calls).toMatchObject([{ operation: 'PutItem', attempts: 2, failed: 'server-error', failedAttempts: 1 }]);
    expect(await arrived('dynamodb', lead)).toBe(true);
  });

  it('given a nonsense position, when the fault is armed, then it is refused instead of never firing', async (context) => {
    const proxy = await proxyFor('dynamodb', context);

    expect(() => proxy.fail({ nth: 0, kind: 'throttle' })).toThrow(RangeError);
    expect(() => proxy.fail({ times: 0, kind: 'throttle' })).toThrow(RangeError);
  });
});

describe('an outage', () => {
  it('given SES out for a second, when emails are sent during it and after, then every call fails during it and calls pass again afterwards', async (context) => {
    const proxy = await proxyFor('ses', context);
    const [during, alsoDuring, after] = [marker(), marker(), marker()];

    proxy.outage(1_000);
    const errors = [
      await failure(send('ses', proxy.url, during, { maxAttempts: 1 })),
      await failure(send('ses', proxy.url, alsoDuring, { maxAttempts: 1 })),
    ];
    const passes = () => send('ses', proxy.url, after, { maxAttempts: 1 }).then(() => true, () => false);
    await expect.poll(passes, { timeout: 3_000, interval: 100 }).toBe(true);

    expect(errors.map((error) => error.name)).toEqual(['InternalFailure', 'InternalFailure']);
    expect([await arrived('ses', during), await arrived('ses', alsoDuring), await arrived('ses', after)]).toEqual([false, false, true]);
  });
});

describe('forwarding', () => {
  it('given a long poll through the proxy, when a message lands on the queue mid-poll, then the emulator\'s answer comes back through the proxy', async (context) => {
    const proxy = await proxyFor('sqs', context);
    const queueUrl = await queueFor(marker());
    const client = new SQSClient({ region, credentials: LOCAL_CREDENTIALS, endpoint: proxy.url });
    context.onTestFinished(() => client.destroy());

    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    await expect.poll(() => proxy.calls.length).toBe(1);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'while you waited' }));

    expect((await polling).Messages?.map((message) => message.Body)).toEqual(['while you waited']);
    expect(proxy.calls).toMatchObject([{ operation: 'ReceiveMessage', failed: undefined }]);
  });

  it('given a request no SDK sent, when it goes through the proxy, then it is forwarded and logged as a call of its own by method and path', async (context) => {
    const proxy = await proxyFor('ses', context);
    const lead = marker();
    await send('ses', endpoints.ses, lead);

    const inbox = await readInbox(proxy.url);

    expect(inbox.some((email) => email.destination.to.includes(`${lead}@example.com`))).toBe(true);
    expect(proxy.calls).toMatchObject([{ operation: 'GET /store', invocationId: undefined, attempts: 1 }]);
  });

  it('given clients that name their function in the user agent and one that names none, when they call through the proxy, then each call is logged with its app id and handed to the watcher once, retries included', async (context) => {
    const seen: { operation: string; appId: string | undefined; body: string }[] = [];
    const proxy = await startFaultProxy({ target: endpoints.dynamodb, service: 'dynamodb', onCall: (call, body) => seen.push({ operation: call.operation, appId: call.appId, body }) });
    context.onTestFinished(() => proxy.stop());
    proxy.fail({ kind: 'server-error', attempts: 'first' });
    const [ingest, route, nobody] = [marker(), marker(), marker()];

    await send('dynamodb', proxy.url, ingest, { userAgentAppId: 'IngestFunction4B2F2EB2' });
    await send('dynamodb', proxy.url, route, { userAgentAppId: 'RouteFunction4D392DAD' });
    await send('dynamodb', proxy.url, nobody);

    expect(proxy.calls).toMatchObject([
      { operation: 'PutItem', appId: 'IngestFunction4B2F2EB2', attempts: 2 },
      { operation: 'PutItem', appId: 'RouteFunction4D392DAD', attempts: 1 },
      { operation: 'PutItem', appId: undefined, attempts: 1 },
    ]);
    expect(seen).toEqual([
      { operation: 'PutItem', appId: 'IngestFunction4B2F2EB2', body: expect.stringContaining(`LEAD#${ingest}`) },
      { operation: 'PutItem', appId: 'RouteFunction4D392DAD', body: expect.stringContaining(`LEAD#${route}`) },
      { operation: 'PutItem', appId: undefined, body: expect.stringContaining(`LEAD#${nobody}`) },
    ]);
  });

  it('given armed faults, an outage and a log, when the proxy is reset, then calls pass again and the log starts afresh', async (context) => {
    const proxy = await proxyFor('dynamodb', context);
    proxy.fail({ kind: 'throttle', times: Infinity });
    proxy.outage(60_000);
    await failure(send('dynamodb', proxy.url, marker(), { maxAttempts: 1 }));
    const lead = marker();

    proxy.reset();
    await send('dynamodb', proxy.url, lead, { maxAttempts: 1 });

    expect(proxy.calls).toMatchObject([{ operation: 'PutItem', failed: undefined }]);
    expect(await arrived('dynamodb', lead)).toBe(true);
  });
});

describe('pointing clients at the proxy', () => {
  it('given an SQS client configured by AWS_ENDPOINT_URL_SQS alone, when it sends to a queue, then only a queue URL on the proxy goes through the proxy', async (context) => {
    const proxy = await proxyFor('sqs', context);
    const lead = marker();
    const queueUrl = await queueFor(lead);
    const warnings: string[] = [];
    const previous = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = proxy.url;
    const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message: string) => warnings.push(message) };
    const client = new SQSClient({ region, credentials: LOCAL_CREDENTIALS, logger });
    try {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'around the proxy' }));
      await client.send(new SendMessageCommand({ QueueUrl: proxy.via(queueUrl), MessageBody: 'through the proxy' }));
    } finally {
      client.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
      else process.env.AWS_ENDPOINT_URL_SQS = previous;
    }

    expect(proxy.calls.map((call) => call.body)).toEqual([expect.stringContaining('through the proxy')]);
    expect(warnings).toEqual([expect.stringContaining('using QueueUrl host as endpoint')]);
  });

  it('given a call hanging on a timeout fault and a client with no timeout, when the proxy stops, then the call is released and the proxy holds no server open', async () => {
    const servers = () => process.getActiveResourcesInfo().filter((type) => type === 'TCPServerWrap').length;
    const before = servers();
    const proxy = await startFaultProxy({ target: endpoints.dynamodb, service: 'dynamodb' });
    proxy.fail({ kind: 'timeout' });

    const hanging = failure(send('dynamodb', proxy.url, marker(), { maxAttempts: 1 }));
    await expect.poll(() => proxy.calls.length).toBe(1);
    await proxy.stop();

    // The SDK names a reset socket a TimeoutError too; the code tells it from a client timeout.
    expect(await hanging).toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET' });
    expect(servers()).toBe(before);
    // Nothing listens on its port any more: the connection is refused.
    await expect(fetch(proxy.url)).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });
});

