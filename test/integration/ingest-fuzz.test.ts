import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signDelivery } from '#shared/ingest/signatures.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { deliveryOf } from '#shared/ingest/http-responses.ts';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

/**
 * Property-based fuzzing of the webhook against DynamoDB Local and fauxqs: whatever arrives
 * (random JSON, form bodies, unicode, wrong content types and charsets, invalid UTF-8, oversized
 * bodies, odd headers), the answer is never a 5xx, and a refused post stores nothing.
 */

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await useLocalStack('ingest');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
});

/** Every source of test/integration/stack.json, so each preset's reader gets random input too. */
const sources = [undefined, 'form', 'open-form', 'partner', 'zap', 'p-unbounce', 'p-typeform', 'p-webflow', 'p-hubspot', 'p-wordpress', 'p-google-ads', 'p-gravityforms', 'p-jotform'] as const;
const tokenSources = new Set(['zap', 'p-unbounce', 'p-typeform', 'p-webflow', 'p-hubspot', 'p-wordpress', 'p-google-ads', 'p-gravityforms', 'p-jotform']);

const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const fieldValue = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('+49 30 1234567', '030 123', 'Germany', 'DEU', 'xx', 'on', 'a@b.co', 'Ä@ö.de', '<script>alert(1)</script>', ' '),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(text, text, { maxKeys: 3 }),
);
const leadish = fc.record(
  {
    firstName: fieldValue,
    name: fieldValue,
    email: fc.oneof(fc.emailAddress(), fieldValue),
    phone: fieldValue,
    country: fieldValue,
    consent: fieldValue,
    message: fc.oneof(text, fc.string({ minLength: 4_000, maxLength: 6_000 })),
    _gotcha: fc.oneof(fc.constant(''), text),
  },
  { requiredKeys: [] },
);
/** Shapes close to the presets' own, with random leaves, so their readers go deep. */
const senderShaped = fc.oneof(
  fc.record({ event_id: text, form_response: fc.record({ answers: fc.array(fc.record({ type: fc.constantFrom('email', 'phone_number', 'text', 'choice', 'boolean'), field: fc.record({ id: text, ref: text }), email: fieldValue, text: fieldValue, phone_number: fieldValue, choice: fieldValue, boolean: fieldValue }, { requiredKeys: [] }), { maxLength: 4 }), hidden: fc.dictionary(text, fieldValue) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
  fc.record({ triggerType: fc.constant('form_submission'), payload: fc.record({ id: text, data: fc.dictionary(text, fieldValue) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
  fc.record({ submittedAt: fc.oneof(fc.integer(), text), values: fc.array(fc.record({ name: text, value: fieldValue }), { maxLength: 4 }), properties: fc.dictionary(text, fc.oneof(fieldValue, fc.record({ value: fieldValue }))) }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom('data.json', 'page_url', 'page_id', 'fields[email][value]', 'fields[email][type]', 'form[name]', 'your-email', 'your-name', 'meta[page_url][value]'), fc.oneof(text, fc.json())),
);
const formBody = fc.dictionary(text, fc.oneof(text, fc.constantFrom('a@b.co', '+44 20 7946 0000'))).map((fields) => new URLSearchParams(fields).toString());

interface Fuzzed {
  readonly source: (typeof sources)[number];
  readonly contentType: string;
  readonly body: string;
  readonly base64: boolean;
  /** How a base64 body was encoded: random byte strings as latin1, text as UTF-8, as a browser sends it. */
  readonly bytes?: 'latin1' | 'utf8';
  readonly headers: Record<string, string>;
}

/** Addresses as people type them (fc.emailAddress() also makes RFC-valid oddities the webhook rightly refuses). */
const everydayEmail = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,12}([._+-][a-z0-9]{1,8}){0,2}$/), fc.domain())
  .map(([local, domain]) => `${local}@${domain}`.toLowerCase());

/** Posts that should mostly get through: a person with random unicode text and extra fields. */
const plausible: fc.Arbitrary<Fuzzed> = fc.record({
  source: fc.constantFrom(undefined, 'open-form', 'partner', 'zap'),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
  body: fc
    .record({
      firstName: text,
      email: everydayEmail,
      message: text,
      country: fc.constantFrom('DE', 'Germany', 'gb', 'Österreich', 'Suisse'),
      extra: fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), text, { maxKeys: 5 }),
    })
    .map(({ extra, ...lead }) => JSON.stringify({ ...extra, ...lead })),
  base64: fc.boolean(),
  bytes: fc.constant('utf8'),
  headers: fc.record({ 'idempotency-key': fc.uuid() }, { requiredKeys: [] }),
});

const anything: fc.Arbitrary<Fuzzed> = fc.record({
  source: fc.constantFrom(...sources),
  contentType: fc.oneof(
    fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', 'application/vnd.api+json'),
    fc.constantFrom('text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', '', 'APPLICATION/JSON', 'application/x-www-form-urlencoded; charset="UTF-8"'),
    text,
  ),
  body: fc.oneof(
    { weight: 3, arbitrary: fc.oneof(leadish, senderShaped).map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: formBody },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')) },
    { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 80_000 }).map((size) => JSON.stringify({ email: 'big@example.com', message: 'x'.repeat(size) })) },
  ),
  base64: fc.boolean(),
  headers: fc.record(
    {
      'idempotency-key': fc.oneof(fc.uuid(), text),
      origin: fc.constantFrom('https://www.example.com', 'https://evil.example', 'null'),
      'sec-fetch-mode': fc.constantFrom('navigate', 'cors'),
      accept: fc.constantFrom('text/html', 'application/json', '*/*'),
      referer: fc.oneof(text, fc.webUrl()),
    },
    { requiredKeys: [] },
  ),
});

function eventFor(input: Fuzzed, index: number): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('ingest/post-lead-json.json');
  const { origin: _origin, ...sampleHeaders } = sample.headers;
  const path = input.source ? `/sources/${input.source}/leads` : '/leads';
  const event: APIGatewayProxyEventV2 = {
    ...sample,
    routeKey: `POST ${input.source ? '/sources/{sourceId}/leads' : '/leads'}`,
    rawPath: path,
    ...(input.source ? { pathParameters: { sourceId: input.source } } : {}),
    headers: { ...sampleHeaders, ...input.headers, 'content-type': input.contentType },
    // A fresh address per post: the rate limit is tested on its own, here it would hide the rest.
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, path, sourceIp: `10.9.${index >> 8 & 255}.${index & 255}` } },
    body: input.base64 ? Buffer.from(input.body, input.bytes ?? 'latin1').toString('base64') : input.body,
    isBase64Encoded: input.base64,
  };
  if (input.source && tokenSources.has(input.source)) event.headers['x-lead-router-token'] = derivedSourceSecret(stack.sourceSigningKey, input.source);
  if (input.source === 'partner') {
    const rawBody = input.base64 ? Buffer.from(input.body, input.bytes ?? 'latin1').toString('utf8') : input.body;
    Object.assign(event.headers, signDelivery('lead-router', { method: 'POST', url: deliveryOf(event).url, rawBody }, derivedSourceSecret(stack.sourceSigningKey, 'partner'), new Date()));
  }
  return event;
}

describe('webhook fuzzing (fast-check) on DynamoDB Local', () => {
  it('given random bodies, content types, encodings, sizes and headers on every source, when posted, then no answer is a 5xx and a refused post stores nothing', async () => {
    const statuses = new Map<number, number>();
    let index = 0;
    // The table's item count after the last post: one count per post, not two, since every count
    // scans a table that grows with each accepted lead.
    let stored = await stack.countItems();
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: anything }, { weight: 1, arbitrary: plausible }), async (input) => {
        const response = await handler(eventFor(input, index++));
        statuses.set(response.statusCode!, (statuses.get(response.statusCode!) ?? 0) + 1);
        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.statusCode).toBeLessThan(500);
        const now = await stack.countItems();
        if (response.statusCode! >= 400) expect(now).toBe(stored);
        stored = now;
      }),
      { numRuns: 400 },
    );
    // The run reached the stores as well as every kind of refusal, or it proved little.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([202, 400, 403, 413, 415, 422]));
    // Four hundred posts, each with a count of the table: a minute and more on a busy machine.
  }, 180_000);
});
