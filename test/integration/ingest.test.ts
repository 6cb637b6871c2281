import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { RoutingSettingsSchema } from '#shared/config/stack-config.ts';
import { TemporarilyUnavailable } from '#shared/domain/errors.ts';
import { receiveLead } from '#shared/use-cases/receive-lead.ts';
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

  it('given the sample form post (base64, as API Gateway delivers it), when handled, then its fields are stored', async () => {
    const response = await handler(loadEvent('ingest/post-lead-form.json'));

    expect(response.statusCode).toBe(202);
    const { leadId } = JSON.parse(response.body ?? '{}') as { leadId: string };
    expect(await stack.leads.get(leadId)).toMatchObject({
      contact: { firstName: 'Sam', company: 'Lee & Sons', message: 'Please call after 3pm', country: 'GB' },
      fields: { interest: 'erp, payroll' },
    });
    expect(await stack.drainRoutingQueue()).toContainEqual({ leadId });
  });

  it.each([
    ['invalid fields', withBody('{"email":"nope","country":"Germany"}'), 422, /Invalid lead/],
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
    const response = await handler(withBody('{"email":"nope","country":"Germany"}'));

    expect(JSON.parse(response.body ?? '{}')).toEqual({
      message: 'Invalid lead',
      errors: [
        { field: 'email', message: 'must be a valid email address' },
        { field: 'country', message: 'must be a two-letter ISO 3166 country code such as DE' },
      ],
    });
  });
});

describe('receiveLead when the routing queue cannot take the lead', () => {
  it('given a queue that does not exist on fauxqs, when a lead is received, then it fails as temporary and leaves nothing stored', async () => {
    const missingQueue = new RoutingQueue(`${inject('emulatorEndpoints').sqs}/000000000000/no-such-queue`);
    const before = await stack.countItems();

    const attempt = receiveLead(
      { firstName: 'Lost', email: 'lost@example.com' },
      {
        leads: stack.leads,
        queue: missingQueue,
        settings: RoutingSettingsSchema.parse({ stackName: 't', routing: { teams: [{ id: 'sales', name: 'Sales', managerEmail: 'm@example.com' }] } }),
        now: () => new Date(),
        contactWithinMs: 1_800_000,
      },
    );

    await expect(attempt).rejects.toBeInstanceOf(TemporarilyUnavailable);
    expect(await stack.countItems()).toBe(before);
  });
});
