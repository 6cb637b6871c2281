import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePlatforms, type FakePlatforms, type PlatformFailure } from '#infra/local/fake-platforms.ts';
import { toRecord } from '#infra/local/poller.ts';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { PlatformJobSchema, type PlatformJob } from '#shared/ingest/platforms/platform-job.ts';
import { signPlatformDelivery } from '#shared/ingest/signatures.ts';
import { derivedSourceSecret, derivedVerifyToken } from '#shared/ingest/source-secrets.ts';
import { lambdaContext, loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

/**
 * Ad platform leads end to end on the emulators: a signed notification through the ingest
 * handler becomes jobs on the real platform fetch queue; the leadgen handler, run with the SQS
 * event the queue delivers, fetches each from the fake platform APIs (infra/local/fake-platforms)
 * and stores it. Failures are reported as batch item failures; fauxqs redelivers them (the
 * backoff is scaled to nothing here) and moves a job to the DLQ after the queue's max receives.
 */

let stack: LocalStackForTests;
let platforms: FakePlatforms;
let ingest: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let leadgen: (event: SQSEvent) => Promise<SQSBatchResponse>;
let fetchQueue: { url: string; arn: string };
let fetchDlq: { url: string; arn: string };
const sqs = new SQSClient({ region: 'eu-west-1' });
const REGION = 'eu-west-1';

beforeAll(async () => {
  stack = await useLocalStack('leadgen');
  platforms = await startFakePlatforms({ leads: [] });
  // The functions read these at load: the fake platforms, a token per source, no real backoff.
  process.env.PLATFORM_API_BASE_URL = platforms.url;
  process.env.TIME_SCALE = '10000';
  writeFileSync(process.env.PLATFORM_TOKENS_SECRET!.slice('file:'.length), JSON.stringify({ fb: 'page-token-fb', li: 'member-token-li' }));
  leadgen = await stack.handler<SQSEvent, SQSBatchResponse>();
  // Ingest reads a subset of the leadgen function's variables, all set now.
  const module = await import('#functions/ingest/handler.ts');
  ingest = (event) => module.handler(event, lambdaContext('IngestFunction')) as Promise<APIGatewayProxyStructuredResultV2>;
  fetchQueue = stack.queue('PlatformFetchQueue');
  fetchDlq = stack.queue('PlatformFetchDlq');
});

afterAll(async () => {
  await platforms?.stop();
});

function webhook(source: string, init: { method?: string; body?: string; headers?: Record<string, string>; query?: Record<string, string> }): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('ingest/post-lead-json.json');
  const method = init.method ?? 'POST';
  const { origin: _origin, ...headers } = sample.headers;
  return {
    ...sample,
    routeKey: `${method} /sources/{sourceId}/leads`,
    rawPath: `/sources/${source}/leads`,
    rawQueryString: init.query ? new URLSearchParams(init.query).toString() : '',
    ...(init.query ? { queryStringParameters: init.query } : {}),
    pathParameters: { sourceId: source },
    headers: { ...headers, 'content-type': 'application/json', ...init.headers },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method, path: `/sources/${source}/leads` } },
    body: init.body ?? '',
    isBase64Encoded: false,
  };
}

const secretOf = (source: string) => derivedSourceSecret(stack.sourceSigningKey, source);
const signedNotification = (source: 'fb' | 'li', body: unknown) => {
  const raw = JSON.stringify(body);
  return webhook(source, { body: raw, headers: signPlatformDelivery(source === 'fb' ? 'facebook' : 'linkedin', raw, secretOf(source)) });
};
const facebookNotification = (...leadgenIds: string[]) => ({
  object: 'page',
  entry: [{ id: '104729385012345', time: 1772359200, changes: leadgenIds.map((id) => ({ field: 'leadgen', value: { leadgen_id: id, page_id: '104729385012345', form_id: '861234567890123', ad_id: '120210987654321098' } })) }],
});
/** A mobile number of its own per lead: the same phone would join the same person's lead. */
const phoneOf = (id: string) => `+49151${id.slice(-8)}`;
const graphLead = (id: string, tag: string) => ({
  id,
  created_time: '2026-03-01T09:59:55+0000',
  ad_id: '120210987654321098',
  form_id: '861234567890123',
  campaign_id: '120210987654300001',
  field_data: [
    { name: 'full_name', values: [`Jonas ${tag}`] },
    { name: 'email', values: [`jonas.${tag.toLowerCase()}.${id.slice(-6)}@example.de`] },
    { name: 'phone_number', values: [phoneOf(id)] },
    { name: 'heating_today', values: ['gas'] },
  ],
});
/** A leadgen id above 2^53, unique per test. */
const bigId = () => `93${String(Date.now()).slice(-10)}${String(Math.floor(Math.random() * 1e6)).padStart(7, '0')}`;

/** The jobs waiting on the fetch queue, as SQS delivers them (each receive counts). */
async function receiveJobs(count: number, tries = 10): Promise<Message[]> {
  const messages: Message[] = [];
  for (let tried = 0; messages.length < count && tried < tries; tried++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fetchQueue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 30 }),
    );
    messages.push(...Messages);
  }
  return messages;
}

const jobOf = (message: Message): PlatformJob => PlatformJobSchema.parse(JSON.parse(message.Body!));
const eventOf = (...messages: Message[]): SQSEvent => ({ Records: messages.map((message) => toRecord(message, fetchQueue.arn, REGION)) });
const intake = () => new IntakeStore(process.env.TABLE_NAME!);

/** Posts a notification announcing `id` and hands back its job, as the queue delivers it. */
async function queuedJob(id: string): Promise<Message> {
  const response = await ingest(signedNotification('fb', facebookNotification(id)));
  expect(response.statusCode).toBe(200);
  const [message] = (await receiveJobs(1)).filter((m) => jobOf(m).leadId === id);
  expect(message, `job of ${id}`).toBeDefined();
  return message!;
}

async function dlqHolds(leadId: string): Promise<boolean> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fetchDlq.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 1 }));
  return Messages.some((message) => jobOf(message).leadId === leadId);
}

describe('ad platform webhooks on the ingest handler', () => {
  it("given Meta's handshake with the source's verify token, when it subscribes, then the challenge is answered as text; a wrong token is 403", async () => {
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': derivedVerifyToken(stack.sourceSigningKey, 'fb'), 'hub.challenge': '1158201444' };

    const right = await ingest(webhook('fb', { method: 'GET', query }));
    const wrong = await ingest(webhook('fb', { method: 'GET', query: { ...query, 'hub.verify_token': 'guess' } }));

    expect(right).toMatchObject({ statusCode: 200, body: '1158201444', headers: expect.objectContaining({ 'content-type': 'text/plain; charset=utf-8' }) });
    expect(wrong.statusCode).toBe(403);
  });

  it("given LinkedIn's validation GET, then it gets the HMAC of its challengeCode with the client secret as JSON", async () => {
    const response = await ingest(webhook('li', { method: 'GET', query: { challengeCode: '890e4bb6-a9c0-4b5b-bf4a-0e4b7a3b6c11' } }));

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ challengeCode: '890e4bb6-a9c0-4b5b-bf4a-0e4b7a3b6c11', challengeResponse: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('given a notification without or with a wrong signature, then it is 401 naming the header, and nothing is queued', async () => {
    const body = JSON.stringify(facebookNotification(bigId()));

    const missing = await ingest(webhook('fb', { body }));
    const wrong = await ingest(webhook('fb', { body, headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } }));

    expect(missing.statusCode).toBe(401);
    expect(JSON.parse(missing.body!).message).toBe('Missing the x-hub-signature-256 header');
    expect(wrong.statusCode).toBe(401);
    expect(JSON.parse(wrong.body!).message).toMatch(/x-hub-signature-256 signature does not match/);
  });

  it('given a GET on a source that is not an ad platform, then it is 405', async () => {
    expect((await ingest(webhook('partner', { method: 'GET' }))).statusCode).toBe(405);
  });
});

describe('ad platform leads fetched by the leadgen handler', () => {
  it('given a notification of two leads, when ingest takes it and the leadgen handler runs with their jobs, then each is stored with its name, email and phone, and its ad and form', async () => {
    const [first, second] = [bigId(), bigId()];
    platforms.addLead('facebook', graphLead(first!, 'Erste'));
    platforms.addLead('facebook', graphLead(second!, 'Zweite'));

    const response = await ingest(signedNotification('fb', facebookNotification(first!, second!)));
    expect(response.statusCode).toBe(200);
    const messages = (await receiveJobs(2)).filter((m) => [first, second].includes(jobOf(m).leadId));
    expect(messages.map((m) => jobOf(m).leadId).sort()).toEqual([first, second].sort());

    const result = await leadgen(eventOf(...messages));

    expect(result.batchItemFailures).toEqual([]);
    for (const [id, tag] of [[first!, 'Erste'], [second!, 'Zweite']] as const) {
      const record = await intake().priorResponse('fb', `event:${id}`, new Date());
      const lead = await stack.leads.get(record!.leadId);
      expect(lead?.contact).toMatchObject({ firstName: 'Jonas', lastName: tag, email: `jonas.${tag.toLowerCase()}.${id.slice(-6)}@example.de`, phone: phoneOf(id) });
      expect(lead?.fields).toMatchObject({ ad_id: '120210987654321098', form_id: '861234567890123', campaign_id: '120210987654300001', heating_today: 'gas', page_id: '104729385012345' });
      expect(lead?.sourceId).toBe('fb');
    }
    // Fetched with the page token, the Graph version and the fields asked for.
    expect(platforms.requests.filter((r) => r.leadId === first)).toEqual([expect.objectContaining({ token: 'page-token-fb', version: 'v21.0', fields: expect.stringContaining('field_data') })]);
  });

  it('given a job already taken, when it is delivered again, then no second lead is made and the platform is not called again', async () => {
    const id = bigId();
    platforms.addLead('facebook', graphLead(id, 'Again'));
    const message = await queuedJob(id);
    expect((await leadgen(eventOf(message))).batchItemFailures).toEqual([]);
    const items = await stack.countItems();
    const calls = platforms.requests.length;

    const again = await leadgen(eventOf(message));

    expect(again.batchItemFailures).toEqual([]);
    expect(await stack.countItems()).toBe(items);
    expect(platforms.requests.length).toBe(calls);
  });

  it('given a LinkedIn notification, when its job is fetched, then the answers are named by the form and stored', async () => {
    const id = `${randomUUID()}-4`;
    platforms.addLead('linkedin', {
      id,
      formResponse: { answers: [
        { questionId: 1, answerDetails: { textQuestionAnswer: { answer: 'Miriam' } } },
        { questionId: 2, answerDetails: { textQuestionAnswer: { answer: 'Hoffmann' } } },
        { questionId: 3, answerDetails: { textQuestionAnswer: { answer: `miriam.${id.slice(0, 6)}@example.com` } } },
        { questionId: 4, answerDetails: { textQuestionAnswer: { answer: '+49 89 1234567' } } },
      ] },
      form: { id: 7234246, content: { questions: [
        { questionId: 1, name: 'First name', predefinedField: 'FIRST_NAME' },
        { questionId: 2, name: 'Last name', predefinedField: 'LAST_NAME' },
        { questionId: 3, name: 'Email', predefinedField: 'EMAIL' },
        { questionId: 4, name: 'Phone', predefinedField: 'PHONE_NUMBER' },
      ] } },
    });
    const response = await ingest(signedNotification('li', { type: 'LEAD_ACTION', leadGenFormResponse: `urn:li:leadGenFormResponse:${id}`, leadAction: 'CREATED', leadType: 'SPONSORED' }));
    expect(response.statusCode).toBe(200);
    const messages = (await receiveJobs(1)).filter((m) => jobOf(m).leadId === id);

    expect((await leadgen(eventOf(...messages))).batchItemFailures).toEqual([]);

    const record = await intake().priorResponse('li', `event:${id}`, new Date());
    const lead = await stack.leads.get(record!.leadId);
    expect(lead?.contact).toMatchObject({ firstName: 'Miriam', lastName: 'Hoffmann', email: `miriam.${id.slice(0, 6)}@example.com`, phone: '+49891234567' });
    expect(platforms.requests.filter((r) => r.leadId === id)).toEqual([expect.objectContaining({ token: 'member-token-li', version: '202601' })]);
  });

  it.each<[PlatformFailure, string]>([
    ['server-error', 'a 5xx'],
    ['hang', 'no answer within the timeout'],
  ])('given the Graph API fails once with %s (%s), when the job is fetched, then it is a batch item failure, and its redelivery stores the lead', async (failure) => {
    const id = bigId();
    platforms.addLead('facebook', graphLead(id, 'Retry'));
    const message = await queuedJob(id);
    platforms.failNext(1, failure);

    const failed = await leadgen(eventOf(message));

    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(await intake().priorResponse('fb', `event:${id}`, new Date())).toBeUndefined();
    const [redelivered] = (await receiveJobs(1)).filter((m) => jobOf(m).leadId === id);
    expect(redelivered?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect((await leadgen(eventOf(redelivered!))).batchItemFailures).toEqual([]);
    expect(await intake().priorResponse('fb', `event:${id}`, new Date())).toBeDefined();
  });

  it('given an expired page token (OAuthException 190), when the job keeps failing, then each try is a batch item failure and after the queue’s max receives the job is in the DLQ', async () => {
    const id = bigId();
    platforms.addLead('facebook', graphLead(id, 'Expired'));
    let message: Message | undefined = await queuedJob(id);
    platforms.failNext(6, 'token-expired');

    const receives: string[] = [];
    while (message) {
      receives.push(message.Attributes?.ApproximateReceiveCount ?? '?');
      expect((await leadgen(eventOf(message))).batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
      // Its backoff is scaled to nothing here: a job not back within a few receives is gone from the queue.
      [message] = (await receiveJobs(1, 3)).filter((m) => jobOf(m).leadId === id);
    }

    expect(receives).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(await dlqHolds(id)).toBe(true);
    expect(await intake().priorResponse('fb', `event:${id}`, new Date())).toBeUndefined();
  });
});
