import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { RoutingSettingsSchema } from '#shared/config/stack-config.ts';
import { Outbox } from '#shared/adapters/outbox.ts';
import { signDelivery } from '#shared/ingest/signatures.ts';
import { IntakeSchema } from '#shared/ingest/source-config.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { deliveryOf } from '#shared/ingest/http-responses.ts';
import { SourceDirectory } from '#shared/ingest/source-directory.ts';
import { receiveLead, sourceFor } from '#shared/use-cases/receive-lead.ts';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await useLocalStack('ingest');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
});

const withBody = (body: string, contentType = 'application/json'): APIGatewayProxyEventV2 => {
  const event = loadEvent<APIGatewayProxyEventV2>('ingest/post-lead-json.json');
  return { ...event, body, headers: { ...event.headers, 'content-type': contentType } };
};

describe('ingest handler on DynamoDB Local and fauxqs', () => {
  it('given the sample JSON post, when handled, then the lead is stored RECEIVED, normalized, and its id queued for routing', async () => {
    const response = await handler(loadEvent('ingest/post-lead-json.json'));

    expect(response.statusCode).toBe(202);
    const { leadId } = JSON.parse(response.body ?? '{}') as { leadId: string };
    const lead = await stack.leads.get(leadId);
    expect(lead).toMatchObject({
      status: 'RECEIVED',
      attempt: 0,
      teamId: 'inbox',
      contact: { firstName: 'Dana', email: 'dana.fox@example.com', country: 'DE', postalCode: '10115' },
      fields: { utm_campaign: 'spring' },
    });
    expect(await stack.history(leadId)).toEqual([expect.objectContaining({ kind: 'received', to: 'RECEIVED' })]);
    expect(await stack.drainRoutingQueue()).toContainEqual({ leadId });
  });

  it('given the sample plain form post (base64, as API Gateway delivers it), when handled, then the browser gets a thank-you page and its fields are stored', async () => {
    await stack.drainRoutingQueue();
    const response = await handler(loadEvent('ingest/post-lead-form.json'));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<h1>Thank you</h1>');
    const [{ leadId }] = (await stack.drainRoutingQueue()) as [{ leadId: string }];
    expect(await stack.leads.get(leadId)).toMatchObject({
      contact: { firstName: 'Sam', company: 'Lee & Sons', message: 'Please call after 3pm', country: 'GB' },
      fields: { interest: 'erp, payroll' },
    });
  });

  it.each([
    ['a form post', 'application/x-www-form-urlencoded', 'email=proto.form%40example.com&constructor=x&toString=y&__proto__=z'],
    ['a JSON post', 'application/json', '{"email":"proto.json@example.com","constructor":"x","toString":"y","__proto__":"z"}'],
  ])("given %s with fields named like Object's own properties, when handled, then 202 and the stored lead keeps exactly those fields", async (_label, contentType, body) => {
    await stack.drainRoutingQueue();
    const response = await handler(withBody(body, contentType));

    expect(response.statusCode).toBe(202);
    const { leadId } = JSON.parse(response.body ?? '{}') as { leadId: string };
    const lead = await stack.leads.get(leadId);
    expect(lead?.contact.email).toMatch(/^proto\.(form|json)@example\.com$/);
    // DynamoDB keeps no order of a map's keys.
    expect(Object.entries(lead!.fields).sort()).toEqual([
      ['__proto__', 'z'],
      ['constructor', 'x'],
      ['toString', 'y'],
    ]);
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId }]);
  });

  it.each([
    ['invalid fields', withBody('{"email":"nope","country":"Atlantis"}'), 422, /Invalid lead/],
    ['malformed JSON', withBody('{"email":'), 400, /not valid JSON/],
    ['an unsupported content type', withBody('email=a@b.co', 'text/plain'), 415, /must be application\/json/],
    ['an oversized body', withBody(JSON.stringify({ email: 'a@b.co', message: 'x'.repeat(70_000) })), 413, /limit is/],
  ])('given %s, when handled, then it answers %i with the reason, and nothing is stored or queued', async (_label, event, status, reason) => {
    const before = await stack.countItems();

    const response = await handler(event);

    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body ?? '{}').message).toMatch(reason);
    expect(await stack.countItems()).toBe(before);
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given invalid fields, when handled, then the body names each bad field and why', async () => {
    const response = await handler(withBody('{"email":"nope","country":"Atlantis","phone":"12"}'));

    expect(JSON.parse(response.body ?? '{}')).toEqual({
      message: 'Invalid lead',
      errors: [
        { field: 'email', message: 'must be a valid email address' },
        { field: 'country', message: 'must be an ISO 3166 country code such as DE, or a country name' },
        { field: 'phone', message: 'must be a phone number valid in DE, or one with its +country code' },
      ],
    });
  });
});


interface PostOptions {
  readonly source?: string;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  readonly sourceIp?: string;
  readonly method?: string;
  readonly query?: Record<string, string>;
}

/** Each post from its own address unless a test says otherwise, so rate limits only bite where tested. */
const randomIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/** An API Gateway event for the webhook of `source` (or `POST /leads`), shaped like the sample. */
function post({ source, body, contentType = 'application/json', headers = {}, sourceIp = randomIp(), method = 'POST', query }: PostOptions): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('ingest/post-lead-json.json');
  const path = source ? `/sources/${source}/leads` : '/leads';
  const { origin: _origin, ...sampleHeaders } = sample.headers;
  return {
    ...sample,
    routeKey: `${method} ${source ? '/sources/{sourceId}/leads' : '/leads'}`,
    rawPath: path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    ...(query ? { queryStringParameters: query } : {}),
    ...(source ? { pathParameters: { sourceId: source } } : {}),
    headers: { ...sampleHeaders, 'content-type': contentType, ...headers },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method, path, sourceIp } },
    body,
    isBase64Encoded: false,
  };
}

const person = (tag: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ firstName: 'Kim', lastName: tag, email: `kim.${tag.toLowerCase()}.${randomUUID().slice(0, 8)}@example.com`, ...extra });
const leadIdOf = (response: APIGatewayProxyStructuredResultV2) => (JSON.parse(response.body ?? '{}') as { leadId: string }).leadId;

function signed(source: string, body: string, at = new Date()): APIGatewayProxyEventV2 {
  const event = post({ source, body });
  const url = deliveryOf(event).url;
  const headers = signDelivery('lead-router', { method: 'POST', url, rawBody: body }, derivedSourceSecret(stack.sourceSigningKey, source), at);
  return { ...event, headers: { ...event.headers, ...headers } };
}

describe('public sources: browser forms', () => {
  it('given a preflight from an allowed page, when handled, then CORS allows POST with the idempotency header; another page gets 403', async () => {
    const allowed = await handler(post({ source: 'form', method: 'OPTIONS', body: '', headers: { origin: 'https://www.example.com', 'access-control-request-method': 'POST' } }));
    const other = await handler(post({ source: 'form', method: 'OPTIONS', body: '', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }));

    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'https://www.example.com',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, idempotency-key',
    });
    expect(other.statusCode).toBe(403);
    expect(other.headers?.['access-control-allow-origin']).toBeUndefined();
  });

  it('given a script on an allowed page, when it posts JSON, then 202 carries CORS headers and the mapping and defaults apply', async () => {
    const response = await handler(
      post({ source: 'form', body: JSON.stringify({ firstName: 'Ines', 'your-email': 'Ines@Example.com', phone: '030 7654321' }), headers: { origin: 'https://www.example.com' }, sourceIp: '198.51.100.1' }),
    );

    expect(response.statusCode).toBe(202);
    expect(response.headers?.['access-control-allow-origin']).toBe('https://www.example.com');
    const lead = await stack.leads.get(leadIdOf(response));
    expect(lead).toMatchObject({ sourceId: 'form', contact: { firstName: 'Ines', email: 'ines@example.com', phone: '+49307654321', source: 'website' } });
  });

  it('given a plain HTML form post (browser navigation), when handled, then it redirects 303 to the thank-you page', async () => {
    await stack.drainRoutingQueue();
    const response = await handler(
      post({
        source: 'form',
        body: `firstName=Jo&your-email=jo.${randomUUID().slice(0, 6)}%40example.com&consent=on&_gotcha=`,
        contentType: 'application/x-www-form-urlencoded',
        headers: { origin: 'https://www.example.com', 'sec-fetch-mode': 'navigate', accept: 'text/html' },
        sourceIp: '198.51.100.2',
      }),
    );

    expect(response.statusCode).toBe(303);
    expect(response.headers?.location).toBe('https://www.example.com/thanks');
    const [message] = (await stack.drainRoutingQueue()) as { leadId: string }[];
    expect(await stack.leads.get(message!.leadId)).toMatchObject({ consent: true, contact: { firstName: 'Jo' } });
  });

  it('given a plain form post with a bad email, when handled, then the browser gets a 422 page naming the field and a link back', async () => {
    const response = await handler(
      post({
        source: 'form',
        body: 'firstName=Jo&your-email=not-an-email',
        contentType: 'application/x-www-form-urlencoded',
        headers: { origin: 'https://www.example.com', 'sec-fetch-mode': 'navigate', referer: 'https://www.example.com/offer' },
        sourceIp: '198.51.100.3',
      }),
    );

    expect(response.statusCode).toBe(422);
    expect(response.headers?.['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('must be a valid email address');
    expect(response.body).toContain('href="https://www.example.com/offer"');
  });

  it('given a page the source does not allow, when it posts, then 403 and nothing is stored or queued', async () => {
    await stack.drainRoutingQueue();
    const before = await stack.countItems();

    const response = await handler(post({ source: 'form', body: person('Evil'), headers: { origin: 'https://evil.example' }, sourceIp: '198.51.100.4' }));

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? '{}').message).toMatch(/https:\/\/evil.example may not post/);
    expect(await stack.countItems()).toBe(before);
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given a bot that fills the honeypot, when it posts, then it is thanked like a person and nothing is stored or queued', async () => {
    await stack.drainRoutingQueue();
    const before = await stack.countItems();

    const response = await handler(post({ source: 'form', body: person('Bot', { _gotcha: 'http://spam.example' }), sourceIp: '198.51.100.5' }));

    expect(response.statusCode).toBe(202);
    expect(leadIdOf(response)).toMatch(/^[0-9a-f-]{36}$/);
    expect(await stack.leads.get(leadIdOf(response))).toBeUndefined();
    expect(await stack.countItems()).toBe(before);
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given 12 parallel posts from one address to a source allowing 5 a minute, when handled, then exactly 5 are taken and the rest get 429 with Retry-After', async () => {
    await stack.drainRoutingQueue();
    const ip = `198.51.100.${100 + Math.floor(Math.random() * 100)}`;

    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => handler(post({ source: 'form', body: person(`Rate${i}`), sourceIp: ip }))));

    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const limited = responses.find((r) => r.statusCode === 429)!;
    expect(Number(limited.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(limited.body ?? '{}').message).toMatch(/More than 5 posts a minute/);
    expect(await stack.drainRoutingQueue()).toHaveLength(5);
    // Another address is not held back by this one.
    expect((await handler(post({ source: 'form', body: person('Other'), sourceIp: '192.0.2.77' }))).statusCode).toBe(202);
  });

  it('given an unknown source, when posted to, then 404 names it', async () => {
    const response = await handler(post({ source: 'nope', body: person('X') }));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '{}').message).toBe('No lead source "nope" in this stack');
  });
});

describe('signed and token sources: servers', () => {
  it('given a partner post signed with the source secret, when handled, then 202 and the lead carries the source defaults', async () => {
    const response = await handler(signed('partner', person('Signed')));

    expect(response.statusCode).toBe(202);
    expect(await stack.leads.get(leadIdOf(response))).toMatchObject({ sourceId: 'partner', contact: { source: 'partner' } });
  });

  it.each([
    ['no signature', (event: APIGatewayProxyEventV2) => post({ source: 'partner', body: event.body! })],
    ['a tampered body', (event: APIGatewayProxyEventV2) => ({ ...event, body: event.body!.replace('Kim', 'Eve') })],
    ['a signature from 10 minutes ago (replay)', () => signed('partner', person('Old'), new Date(Date.now() - 10 * 60_000))],
    ['a browser origin', (event: APIGatewayProxyEventV2) => ({ ...event, headers: { ...event.headers, origin: 'https://www.example.com' } })],
  ])('given %s, when posted to a signed source, then it is refused with 401/403 and nothing is stored or queued', async (_label, make) => {
    await stack.drainRoutingQueue();
    const before = await stack.countItems();

    const response = await handler(make(signed('partner', person('Tampered'))));

    expect([401, 403]).toContain(response.statusCode);
    expect(JSON.parse(response.body ?? '{}').message).toBeTruthy();
    expect(await stack.countItems()).toBe(before);
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given a token source, when posted with its token in the header or the query, then 202; with a wrong token, 401', async () => {
    const token = derivedSourceSecret(stack.sourceSigningKey, 'zap');

    const inHeader = await handler(post({ source: 'zap', body: person('Zap1'), headers: { 'x-lead-router-token': token } }));
    const inQuery = await handler(post({ source: 'zap', body: person('Zap2'), query: { token } }));
    const wrong = await handler(post({ source: 'zap', body: person('Zap3'), headers: { 'x-lead-router-token': `${token}x` } }));

    expect([inHeader.statusCode, inQuery.statusCode, wrong.statusCode]).toEqual([202, 202, 401]);
    expect(JSON.parse(wrong.body ?? '{}').message).toBe('Wrong token for the source "zap"');
  });
});

interface SenderSample {
  readonly contentType: string;
  readonly body: unknown;
}

/** A Google Ads lead as the form's webhook posts it, with `key` where Google puts the form's Key. */
function googleLead(key: Record<string, string>, email = `g.${randomUUID().slice(0, 8)}@example.com`) {
  const sample = loadEvent<SenderSample>('sources/google-ads-test-lead.json');
  const { google_key: _key, ...body } = sample.body as Record<string, unknown>;
  const columns = [
    { column_name: 'Full Name', string_value: 'Gina Ads', column_id: 'FULL_NAME' },
    { column_name: 'User Email', string_value: email, column_id: 'EMAIL' },
  ];
  return JSON.stringify({ ...body, lead_id: randomUUID(), user_column_data: columns, ...key });
}

describe('Google Ads lead forms: the key in the body', () => {
  const key = () => derivedSourceSecret(stack.sourceSigningKey, 'p-google-ads');

  it.each([['google_key'], ['Google_key']])("given a test lead with the source's secret as %s, when posted, then 202 and the lead is stored marked as a test, with its click id", async (name) => {
    const response = await handler(post({ source: 'p-google-ads', body: googleLead({ [name]: key() }) }));

    expect(response.statusCode, response.body).toBe(202);
    const lead = await stack.leads.get(leadIdOf(response));
    expect(lead).toMatchObject({ sourceId: 'p-google-ads', contact: { firstName: 'Gina', lastName: 'Ads', source: 'google-ads' }, fields: { test: 'true', gclid: expect.stringMatching(/^TeSter-123-/) } });
    expect(Object.values(lead!.fields)).not.toContain(key());
  });

  it.each([
    ['a wrong key', { google_key: 'test' }, /^Wrong token in the body's google_key .* for the source "p-google-ads"$/],
    ['no key', {}, /^The source "p-google-ads" needs its token in the body's google_key .*, or in the X-Lead-Router-Token header or the token query parameter$/],
    ['a wrong key beside a wrong header token', { google_key: 'test' }, /^Wrong token for the source "p-google-ads"$/],
  ])('given %s, when posted, then 401 names the problem and nothing is stored or queued', async (label, given, message) => {
    await stack.drainRoutingQueue();
    const before = await stack.countItems();
    const headers: Record<string, string> = label.includes('header') ? { 'x-lead-router-token': 'not-the-secret' } : {};

    const response = await handler(post({ source: 'p-google-ads', body: googleLead(given), headers }));

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? '{}').message).toMatch(message);
    expect(await stack.countItems()).toBe(before);
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given the same lead_id delivered twice (Google retries), when posted, then the second gets the first answer and no second lead', async () => {
    const body = googleLead({ google_key: key() });

    const first = await handler(post({ source: 'p-google-ads', body }));
    const again = await handler(post({ source: 'p-google-ads', body }));

    expect([first.statusCode, again.statusCode]).toEqual([202, 202]);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(leadIdOf(again)).toBe(leadIdOf(first));
  });
});

describe('multipart senders (JotForm)', () => {
  const token = () => derivedSourceSecret(stack.sourceSigningKey, 'p-jotform');
  /** JotForm's sample as another submission of another person, so neither idempotency nor dedupe joins it to another test's. */
  const jotformBody = (email: string, phone: string, extraPart = '') => {
    const sample = loadEvent<SenderSample>('sources/jotform.json');
    const boundary = /boundary=(\S+)/.exec(sample.contentType)![1]!;
    const body = (sample.body as string).replaceAll('miriam.koch@example.de', email).replaceAll('(030) 5550 1762', phone)
      // A submission of its own: JotForm's submissionID is the idempotency key.
      .replace('6012345678901234567', String(Date.now()) + String(Math.floor(Math.random() * 1e6)));
    return { contentType: sample.contentType, body: body.replace(`--${boundary}--`, `${extraPart}--${boundary}--`), boundary };
  };

  it('given JotForm\'s multipart post (base64, as API Gateway delivers it) with the token in the URL, when handled, then 202 and rawRequest\'s answers are the lead', async () => {
    const email = `miriam.${randomUUID().slice(0, 8)}@example.de`;
    const { contentType, body } = jotformBody(email, '(030) 5550 1999');

    const response = await handler({ ...post({ source: 'p-jotform', body: '', contentType, query: { token: token() } }), body: Buffer.from(body).toString('base64'), isBase64Encoded: true });

    expect(response.statusCode, response.body).toBe(202);
    expect(await stack.leads.get(leadIdOf(response))).toMatchObject({
      contact: { firstName: 'Miriam', lastName: 'Koch', email, phone: '+493055501999', city: 'Berlin', postalCode: '10119', country: 'DE' },
      fields: { address: 'Torstraße 12', form_id: '240601234567890' },
    });
  });

  it('given a multipart post with a file part, when handled, then the lead is stored from its text parts and the file is not kept', async () => {
    const email = `file.${randomUUID().slice(0, 8)}@example.de`;
    const { boundary } = jotformBody(email, '(030) 5550 1998');
    const file = `--${boundary}\r\nContent-Disposition: form-data; name="q9_upload"; filename="roof.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG-bytes\r\n`;
    const { contentType, body } = jotformBody(email, '(030) 5550 1998', file);

    const response = await handler(post({ source: 'p-jotform', body, contentType, query: { token: token() } }));

    expect(response.statusCode, response.body).toBe(202);
    const lead = await stack.leads.get(leadIdOf(response));
    expect(lead?.contact.email).toBe(email);
    expect(JSON.stringify(lead)).not.toMatch(/roof\.png|PNG-bytes|q9_upload/);
  });

  it('given a multipart post whose parts do not follow its boundary, when handled, then 400 says so and nothing is stored', async () => {
    const before = await stack.countItems();

    const response = await handler(post({ source: 'p-jotform', body: 'formID=1&rawRequest=%7B%7D', contentType: 'multipart/form-data; boundary=abc', query: { token: token() } }));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '{}').message).toMatch(/not valid multipart\/form-data/);
    expect(await stack.countItems()).toBe(before);
  });
});

describe('Gravity Forms entries', () => {
  it("given the Webhooks Add-On's entry with the token header, when handled, then the mapped ids and the Name's inputs are the lead", async () => {
    const email = `tobias.${randomUUID().slice(0, 8)}@example.de`;
    const sample = loadEvent<SenderSample>('sources/gravityforms.json');
    const body = JSON.stringify({ ...(sample.body as object), id: randomUUID(), '2': email, '3': '040 5550 1999' });

    const response = await handler(post({ source: 'p-gravityforms', body, headers: { 'x-lead-router-token': derivedSourceSecret(stack.sourceSigningKey, 'p-gravityforms') } }));

    expect(response.statusCode, response.body).toBe(202);
    expect(await stack.leads.get(leadIdOf(response))).toMatchObject({
      contact: { firstName: 'Tobias', lastName: 'Neumann', email, phone: '+494055501999' },
      fields: { form_id: '4', utm_source: 'google', pageUrl: expect.stringContaining('waermepumpe-angebot') },
    });
  });
});

describe('sources added by the admin after deployment', () => {
  it('given a token source added with a secret set by the admin, when posted to, then the set secret opens it and the derived one does not', async () => {
    const store = new IntakeStore(process.env.TABLE_NAME!);
    const id = `added-${randomUUID().slice(0, 8)}`;
    await store.addSource(IntakeSchema.parse({ sources: [{ id, auth: 'token', defaults: { source: 'partner' } }] }).sources[0]!, new Date());
    await store.setSourceSecret(id, 'a-secret-the-sender-chose-1234', new Date());

    const withSet = await handler(post({ source: id, body: person('Added'), headers: { 'x-lead-router-token': 'a-secret-the-sender-chose-1234' } }));
    const withDerived = await handler(post({ source: id, body: person('Added2'), headers: { 'x-lead-router-token': derivedSourceSecret(stack.sourceSigningKey, id) } }));

    expect(withSet.statusCode).toBe(202);
    expect(await stack.leads.get(leadIdOf(withSet))).toMatchObject({ sourceId: id, contact: { source: 'partner' } });
    expect(withDerived.statusCode).toBe(401);
  });
});

describe('idempotency and duplicates', () => {
  it('given the same Idempotency-Key twice, when posted, then the first answer comes back and only one lead exists', async () => {
    await stack.drainRoutingQueue();
    const key = randomUUID();
    const body = person('Twice');

    const first = await handler(post({ body, headers: { 'idempotency-key': key } }));
    const second = await handler(post({ body, headers: { 'idempotency-key': key } }));

    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.headers?.['idempotent-replayed']).toBe('true');
    expect(leadIdOf(second)).toBe(leadIdOf(first));
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId: leadIdOf(first) }]);
  });

  it('given one Idempotency-Key with a different body, when posted, then 422 says the key was used for another lead', async () => {
    const key = randomUUID();
    await handler(post({ body: person('KeyA'), headers: { 'idempotency-key': key } }));

    const response = await handler(post({ body: person('KeyB'), headers: { 'idempotency-key': key } }));

    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body ?? '{}').message).toMatch(/already used for a different lead/);
  });

  it('given 10 concurrent posts with one Idempotency-Key, when handled, then all get the same lead id and exactly one lead is stored and queued', async () => {
    await stack.drainRoutingQueue();
    const key = randomUUID();
    const body = person('Concurrent');
    const before = await stack.countItems();

    const responses = await Promise.all(Array.from({ length: 10 }, () => handler(post({ body, headers: { 'idempotency-key': key } }))));

    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(202));
    expect(new Set(responses.map(leadIdOf)).size).toBe(1);
    // The lead, its received event, its routing (an outbox record), the idempotency record and the email pointer.
    expect((await stack.countItems()) - before).toBe(5);
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId: leadIdOf(responses[0]!) }]);
  });

  it('given the same person posting again through an authenticated source within the window, when handled, then the post joins their lead, fills in the new phone, and is in its history', async () => {
    await stack.drainRoutingQueue();
    const email = `returning.${randomUUID().slice(0, 8)}@example.com`;
    const first = await handler(signed('partner', JSON.stringify({ firstName: 'Ron', email, message: 'first' })));

    const again = await handler(signed('partner', JSON.stringify({ firstName: 'Ron', email: email.toUpperCase(), phone: '+49 170 1234567', message: 'Please call me today' })));

    expect(again.statusCode).toBe(202);
    expect(JSON.parse(again.body ?? '{}')).toEqual({ leadId: leadIdOf(first), status: 'joined' });
    const lead = await stack.leads.get(leadIdOf(first));
    expect(lead).toMatchObject({ resubmissions: 1, contact: { email, phone: '+491701234567', message: 'first' } });
    const resubmitted = (await stack.history(leadIdOf(first))).find((e) => e.kind === 'resubmitted');
    expect(resubmitted?.detail).toMatchObject({ contact: { message: 'Please call me today' } });
    const messages = (await stack.drainRoutingQueue()) as Record<string, string>[];
    expect(messages).toEqual([{ leadId: leadIdOf(first) }, { leadId: leadIdOf(first), resubmittedAt: resubmitted!.at }]);
  });

  it('given an open lead, when a public form posts its email with a phone the lead lacks, then the answer is a new lead’s, the lead keeps its contact, the post is in its history, and a replay gets the same answer', async () => {
    await stack.drainRoutingQueue();
    const email = `someone.${randomUUID().slice(0, 8)}@example.com`;
    const original = await handler(post({ body: JSON.stringify({ firstName: 'Rita', email, message: 'first' }) }));
    const newcomer = await handler(post({ body: person('Newcomer') }));
    const key = randomUUID();
    const body = JSON.stringify({ firstName: 'Mallory', email, phone: '+49 170 1234567', message: 'Call me on this number' });

    const probe = await handler(post({ body, headers: { 'idempotency-key': key } }));
    const replay = await handler(post({ body, headers: { 'idempotency-key': key } }));

    // Exactly what a new person's post gets: nothing tells the poster this address asked before.
    expect(probe.statusCode).toBe(newcomer.statusCode);
    expect(probe.headers).toEqual(newcomer.headers);
    expect(Object.keys(JSON.parse(probe.body ?? '{}')).sort()).toEqual(Object.keys(JSON.parse(newcomer.body ?? '{}')).sort());
    expect(JSON.parse(probe.body ?? '{}')).toEqual({ leadId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'received' });
    expect(leadIdOf(probe)).not.toBe(leadIdOf(original));
    expect(replay.statusCode).toBe(202);
    expect(replay.headers?.['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(probe.body);
    // The lead is as it was, but for the resubmission it counts and keeps in its history.
    const lead = await stack.leads.get(leadIdOf(original));
    expect(lead?.contact).toEqual({ firstName: 'Rita', email, message: 'first' });
    expect(lead).toMatchObject({ resubmissions: 1 });
    const resubmitted = (await stack.history(leadIdOf(original))).filter((e) => e.kind === 'resubmitted');
    expect(resubmitted).toHaveLength(1);
    expect(resubmitted[0]!.detail).toMatchObject({ contact: { firstName: 'Mallory', phone: '+491701234567', message: 'Call me on this number' } });
    expect(await stack.leads.get(leadIdOf(probe))).toBeUndefined();
    expect(await stack.drainRoutingQueue()).toContainEqual({ leadId: leadIdOf(original), resubmittedAt: resubmitted[0]!.at });
  });

  it('given a cold lead handed to marketing, when the same person writes again on a public form and now scores warm, then the lead goes back to routing for sales, its contact untouched, and the answer is a new lead’s', async () => {
    await stack.drainRoutingQueue();
    const email = `cold.${randomUUID().slice(0, 8)}@example.com`;
    const leadId = leadIdOf(await handler(post({ body: JSON.stringify({ firstName: 'Cora', email, interest: 'none' }) })));
    const lead = (await stack.leads.get(leadId))!;
    await stack.leads.commit('nurture', { lead, at: new Date(), actor: 'router', set: { tier: 'cold', score: -90 } });
    await stack.drainRoutingQueue();

    const again = await handler(post({ body: JSON.stringify({ firstName: 'Cora', email, phone: '+49 170 7654321', priority: 'urgent', message: 'Ready to buy this week' }) }));

    expect(JSON.parse(again.body ?? '{}')).toMatchObject({ status: 'received' });
    expect(leadIdOf(again)).not.toBe(leadId);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'RECEIVED', tier: 'warm', contact: { firstName: 'Cora', email } });
    expect((await stack.leads.get(leadId))!.contact).toEqual({ firstName: 'Cora', email });
    expect((await stack.history(leadId)).map((event) => event.kind)).toEqual(['received', 'nurture', 'resubmitted', 'reopened']);
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId }]);
  });

  it('given a cold lead whose person said they want none, when a public post says otherwise, then it is not re-scored by what it contradicts and stays with marketing; the same post from an authenticated source reopens it', async () => {
    await stack.drainRoutingQueue();
    const nurtured = async (tag: string) => {
      const email = `contradicted.${tag}.${randomUUID().slice(0, 8)}@example.com`;
      const leadId = leadIdOf(await handler(post({ body: JSON.stringify({ firstName: 'Nora', email, interest: 'none' }) })));
      await stack.leads.commit('nurture', { lead: (await stack.leads.get(leadId))!, at: new Date(), actor: 'router', set: { tier: 'cold', score: -90 } });
      return { leadId, email };
    };
    const viaForm = await nurtured('form');
    const viaPartner = await nurtured('partner');
    await stack.drainRoutingQueue();

    await handler(post({ body: JSON.stringify({ firstName: 'Nora', email: viaForm.email, interest: 'solar' }) }));
    await handler(signed('partner', JSON.stringify({ firstName: 'Nora', email: viaPartner.email, interest: 'solar' })));

    expect(await stack.leads.get(viaForm.leadId)).toMatchObject({ status: 'NURTURE', tier: 'cold', score: -90 });
    expect((await stack.history(viaForm.leadId)).map((event) => event.kind)).toEqual(['received', 'nurture', 'resubmitted']);
    expect(await stack.leads.get(viaPartner.leadId)).toMatchObject({ status: 'RECEIVED', tier: 'warm' });
    expect((await stack.history(viaPartner.leadId)).map((event) => event.kind)).toEqual(['received', 'nurture', 'resubmitted', 'reopened']);
  });

  it('given a lead still waiting for routing, when the same person posts again, then the router is told about it again (it routes a waiting lead, or tells the owner of a held one)', async () => {
    await stack.drainRoutingQueue();
    const email = `waiting.${randomUUID().slice(0, 8)}@example.com`;
    const leadId = leadIdOf(await handler(post({ body: JSON.stringify({ firstName: 'Wes', email }) })));
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId }]);

    await handler(post({ body: JSON.stringify({ firstName: 'Wes', email, message: 'Anyone there?' }) }));

    const [message] = (await stack.drainRoutingQueue()) as { leadId: string; resubmittedAt?: string }[];
    expect(message).toMatchObject({ leadId, resubmittedAt: expect.any(String) });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'RECEIVED' });
  });

  it('given 8 concurrent public posts of one new person (different keys), when handled, then exactly one lead is made, the other 7 join it, and all 8 are answered as new leads', async () => {
    const phone = `+49 30 ${1000000 + Math.floor(Math.random() * 8000000)}`;

    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => handler(post({ body: JSON.stringify({ firstName: `Par${i}`, phone }), headers: { 'idempotency-key': randomUUID() } }))),
    );

    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
    const bodies = responses.map((r) => JSON.parse(r.body ?? '{}') as { leadId: string; status: string });
    expect(bodies.map((b) => b.status)).toEqual(Array(8).fill('received'));
    expect(new Set(bodies.map((b) => b.leadId)).size).toBe(8);
    const stored = (await Promise.all(bodies.map((b) => stack.leads.get(b.leadId)))).filter((lead) => lead !== undefined);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ resubmissions: 7 });
  });

  it('given the earlier lead of this person was closed, when they post again, then a new lead is made and their pointer moves to it', async () => {
    const email = `closed.${randomUUID().slice(0, 8)}@example.com`;
    const team = await stack.addTeam([{ capacity: 2 }]);
    const first = leadIdOf(await handler(post({ body: JSON.stringify({ firstName: 'Cleo', email }) })));
    await stack.offerTo(first, team.reps[0]!.id);
    await stack.repDoes('accept', first, team.reps[0]!.id, 1);
    await stack.repDoes('close', first, team.reps[0]!.id, 1);

    const second = await handler(post({ body: JSON.stringify({ firstName: 'Cleo', email }) }));
    const third = await handler(post({ body: JSON.stringify({ firstName: 'Cleo', email }) }));

    expect(JSON.parse(second.body ?? '{}')).toMatchObject({ status: 'received' });
    expect(leadIdOf(second)).not.toBe(first);
    // The third joins the second (a public post is answered as a new lead all the same).
    expect(JSON.parse(third.body ?? '{}')).toMatchObject({ status: 'received' });
    expect([first, leadIdOf(second)]).not.toContain(leadIdOf(third));
    expect(await stack.leads.get(leadIdOf(second))).toMatchObject({ resubmissions: 1 });
    expect(await stack.leads.get(first)).not.toHaveProperty('resubmissions');
  });
});

describe('receiveLead when the routing queue cannot take the lead', () => {
  it('given a queue that does not exist on fauxqs, when a lead is received, then it is kept with its routing recorded for the relay, and a retry with the same key gets the same lead', async () => {
    const missingQueue = new RoutingQueue(`${inject('emulatorEndpoints').sqs}/000000000000/no-such-queue`);
    const intake = IntakeSchema.parse({ sources: [] });
    const outbox = new Outbox(process.env.TABLE_NAME!, { performers: { queue: missingQueue }, retryBudgetMs: 120_000 });
    const intakeStore = new IntakeStore(process.env.TABLE_NAME!, { outbox });
    const key = randomUUID();
    const body = person('Kept');
    const deps = {
      leads: stack.leads,
      intakeStore,
      rateLimiter: new RateLimiter(process.env.TABLE_NAME!),
      intake,
      settings: RoutingSettingsSchema.parse({ stackName: 't', routing: { teams: [{ id: 'sales', name: 'Sales', managerEmail: 'm@example.com' }] } }),
      now: () => new Date(),
      contactWithinMs: 1_800_000,
    };
    const receive = async () => {
      const delivery = deliveryOf(post({ body, headers: { 'idempotency-key': key } }));
      return receiveLead(delivery, await sourceFor(delivery, new SourceDirectory(intake, intakeStore, 'key')), deps);
    };

    const first = await receive();
    const retry = await receive();

    expect(first).toMatchObject({ status: 'received' });
    expect(retry).toMatchObject({ leadId: first.leadId, replayed: true });
    expect(await stack.leads.get(first.leadId)).toMatchObject({ status: 'RECEIVED' });
    // The failed send left the routing pending again, which the stream carries to the relay.
    const [routing] = await stack.leads.effects(first.leadId);
    expect(routing).toMatchObject({ purpose: 'route', status: 'pending', action: { kind: 'message', message: { leadId: first.leadId } } });
    expect((routing as { lastError?: string }).lastError).toMatch(/NonExistentQueue|QueueDoesNotExist/);
  });
});
