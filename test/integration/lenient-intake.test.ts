import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { fieldLimits } from '#shared/domain/lead.ts';
import { openFlags } from '#shared/domain/lead-quality.ts';
import { deliveryOf } from '#shared/ingest/http-responses.ts';
import { signDelivery } from '#shared/ingest/signatures.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

/**
 * A server's post (a signed or token source) with a way to reach the person is stored even when
 * other fields are malformed: the ingest handler against DynamoDB Local and fauxqs keeps the lead
 * with each bad field flagged, and its `received` event names exactly those fields. Only a lead
 * nobody can reach is refused; a browser's form post still gets its field errors back.
 */

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await useLocalStack('ingest');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
});

type ServerSource = 'partner' | 'zap';

/** A post to a source of test/integration/stack.json as API Gateway delivers it, with the auth the source needs. */
function post(source: ServerSource | 'open-form', body: string): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('ingest/post-lead-json.json');
  const path = `/sources/${source}/leads`;
  const { origin: _origin, ...sampleHeaders } = sample.headers;
  const event: APIGatewayProxyEventV2 = {
    ...sample,
    routeKey: 'POST /sources/{sourceId}/leads',
    rawPath: path,
    pathParameters: { sourceId: source },
    headers: { ...sampleHeaders, 'content-type': 'application/json' },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, path, sourceIp: `10.77.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}` } },
    body,
    isBase64Encoded: false,
  };
  if (source === 'zap') event.headers['x-lead-router-token'] = derivedSourceSecret(stack.sourceSigningKey, 'zap');
  if (source === 'partner') {
    Object.assign(event.headers, signDelivery('lead-router', { method: 'POST', url: deliveryOf(event).url, rawBody: body }, derivedSourceSecret(stack.sourceSigningKey, 'partner'), new Date()));
  }
  return event;
}

const leadIdOf = (response: APIGatewayProxyStructuredResultV2) => (JSON.parse(response.body ?? '{}') as { leadId: string }).leadId;
const uniqueEmail = (tag: string) => `${tag}.${randomUUID().slice(0, 8)}@example.com`;

const letters = (min: number, max: number) => fc.stringMatching(new RegExp(`^[a-z]{${min},${max}}$`));
/** Longer than the field may be, after trimming: letters only, so nothing is cleaned away. */
const tooLong = (field: keyof typeof fieldLimits) => fc.integer({ min: 1, max: 30 }).chain((over) => letters(fieldLimits[field] + over, fieldLimits[field] + over));

/** For each canonical field but the email: values it can never accept. */
const garbage = {
  firstName: fc.oneof(tooLong('firstName'), fc.boolean()),
  lastName: fc.oneof(tooLong('lastName'), fc.boolean()),
  name: fc.oneof(tooLong('name'), fc.boolean()),
  phone: fc.oneof(letters(3, 20), tooLong('phone'), fc.boolean()),
  company: fc.oneof(tooLong('company'), fc.boolean()),
  product: fc.oneof(tooLong('product'), fc.boolean()),
  country: fc.oneof(fc.constantFrom('Atlantis', 'Narnia', 'Middle-earth', 'XX'), tooLong('country')),
  region: fc.oneof(tooLong('region'), fc.boolean()),
  postalCode: fc.oneof(tooLong('postalCode'), fc.boolean()),
  city: fc.oneof(tooLong('city'), fc.boolean()),
  message: fc.oneof(tooLong('message'), fc.boolean()),
  source: fc.oneof(tooLong('source'), fc.boolean()),
  language: fc.oneof(tooLong('language'), fc.boolean()),
  consent: fc.oneof(fc.constantFrom('maybe', 'perhaps later', 'ask me again'), tooLong('consent')),
};

describe('lenient intake of server posts, on DynamoDB Local', () => {
  it('given a valid email and garbage in any other canonical fields, when a signed or token source posts it, then the lead is stored and its received event names exactly the garbage fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ServerSource>('partner', 'zap'),
        fc.record(garbage, { requiredKeys: [] }).filter((bad) => Object.keys(bad).length > 0),
        async (source, bad) => {
          const email = uniqueEmail('prop');

          const response = await handler(post(source, JSON.stringify({ ...bad, email })));

          expect(response.statusCode, response.body).toBe(202);
          const leadId = leadIdOf(response);
          const lead = await stack.leads.get(leadId);
          expect(lead?.contact.email).toBe(email);
          expect(lead?.quality?.map((flag) => flag.field).sort()).toEqual(Object.keys(bad).sort());
          // A flagged value never enters the contact, where routing and duplicate detection read it.
          for (const field of Object.keys(bad)) expect(lead?.contact).not.toHaveProperty(field);
          const [received] = await stack.history(leadId);
          expect(received?.kind).toBe('received');
          expect((received?.detail?.flagged as string[]).slice().sort()).toEqual(Object.keys(bad).sort());
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);

  it("given Zapier's shape with a valid email and a 555 placeholder phone, when posted with the source's token, then 202 and the phone is kept as given, flagged", async () => {
    const email = uniqueEmail('zap');

    const response = await handler(post('zap', JSON.stringify({ first_name: 'Sam', last_name: 'Rivera', email, phone: '(555) 555-5555', country: 'US' })));

    expect(response.statusCode).toBe(202);
    const leadId = leadIdOf(response);
    expect(await stack.leads.get(leadId)).toMatchObject({
      contact: { firstName: 'Sam', lastName: 'Rivera', email, country: 'US' },
      quality: [{ field: 'phone', issue: 'invalid', given: '(555) 555-5555', problem: 'must be a phone number valid in US, or one with its +country code' }],
    });
    expect((await stack.history(leadId))[0]?.detail).toMatchObject({ source: 'zap', flagged: ['phone'] });
  });

  it('given a server post with neither a valid email nor a valid phone, when handled, then 422 names the contact problem and each bad field, and nothing is stored', async () => {
    const before = await stack.countItems();

    const response = await handler(post('partner', JSON.stringify({ firstName: 'Nobody', email: 'nobody(at)example', phone: 'call me' })));

    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      message: 'Invalid lead',
      errors: [
        { field: 'email', message: 'an email or a phone number is required' },
        { field: 'email', message: 'as given, not a valid email address (must be a valid email address)' },
        { field: 'phone', message: 'as given, not a valid number (must be a phone number valid in DE, or one with its +country code)' },
      ],
    });
    expect(await stack.countItems()).toBe(before);
  });

  it('given a browser form post with a valid email and a malformed phone, when handled, then it still gets 422 naming the field, so the person can fix it', async () => {
    const before = await stack.countItems();

    const response = await handler(post('open-form', JSON.stringify({ email: uniqueEmail('form'), phone: 'call me' })));

    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body ?? '{}').errors).toEqual([{ field: 'phone', message: 'must be a phone number valid in DE, or one with its +country code' }]);
    expect(await stack.countItems()).toBe(before);
  });
});

describe('a flagged value joining a lead', () => {
  it('given a lead with a good phone, when the same person is posted again with a malformed phone, then the post joins it, the good phone stays, and the resubmission names the flag', async () => {
    const email = uniqueEmail('keep');
    const first = await handler(post('partner', JSON.stringify({ firstName: 'Ron', email, phone: '+49 170 1234567' })));

    const again = await handler(post('partner', JSON.stringify({ firstName: 'Ron', email, phone: 'after six', message: 'call me' })));

    expect(again.statusCode).toBe(202);
    expect(JSON.parse(again.body ?? '{}')).toEqual({ leadId: leadIdOf(first), status: 'joined' });
    const lead = await stack.leads.get(leadIdOf(first));
    expect(lead?.contact).toMatchObject({ email, phone: '+491701234567' });
    expect(lead).not.toHaveProperty('quality');
    const resubmitted = (await stack.history(leadIdOf(first))).find((event) => event.kind === 'resubmitted');
    expect(resubmitted?.detail).toMatchObject({ flagged: ['phone'], quality: [{ field: 'phone', given: 'after six' }] });
    expect(resubmitted?.detail?.contact).not.toHaveProperty('phone');
  });

  it('given a lead kept with a flagged phone, when the same person is posted again with a valid phone, then the phone is filled in and the flag no longer counts', async () => {
    const email = uniqueEmail('fill');
    const first = await handler(post('zap', JSON.stringify({ name: 'Ada Lee', email, phone: 'call me' })));
    expect((await stack.leads.get(leadIdOf(first)))?.quality).toHaveLength(1);

    const again = await handler(post('zap', JSON.stringify({ name: 'Ada Lee', email, phone: '+44 20 7946 0000' })));

    expect(JSON.parse(again.body ?? '{}')).toEqual({ leadId: leadIdOf(first), status: 'joined' });
    const lead = await stack.leads.get(leadIdOf(first));
    expect(lead?.contact.phone).toBe('+442079460000');
    expect(lead && openFlags(lead)).toEqual([]);
  });
});
