import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await useLocalStack('admin');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
});

function getLead(leadId: string, authorization?: string): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('actions/open-link.json');
  return {
    ...sample,
    routeKey: 'GET /leads/{id}',
    rawPath: `/leads/${leadId}`,
    pathParameters: { id: leadId },
    headers: { ...sample.headers, accept: 'application/json', ...(authorization ? { authorization } : {}) },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method: 'GET', path: `/leads/${leadId}` } },
  };
}

describe('admin handler on DynamoDB Local', () => {
  it('given an offered lead and the admin key, when it is fetched, then the lead comes back with its history in order', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Audit', email: 'audit@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);

    const response = await handler(getLead(leadId, `Bearer ${stack.adminKey}`));

    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body ?? '{}');
    expect(body.lead).toMatchObject({ id: leadId, status: 'OFFERED', ownerId: team.reps[0]!.id });
    expect(body.history.map((event: { kind: string }) => event.kind)).toEqual(['received', 'offered']);
  });

  it.each([
    ['no authorization header', undefined],
    ['a wrong key', 'Bearer not-the-admin-key'],
    ['another scheme', `Basic ${Buffer.from('admin:x').toString('base64')}`],
  ])('given %s, when a lead is fetched, then 401 and nothing about the lead', async (_label, authorization) => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Secret', email: 'secret@example.com' }, team.id);

    const response = await handler(getLead(leadId, authorization));

    expect(response.statusCode).toBe(401);
    expect(response.headers?.['www-authenticate']).toBe('Bearer');
    expect(response.body).not.toContain('secret@example.com');
  });

  it('given the admin key and an unknown id, when fetched, then 404', async () => {
    const response = await handler(getLead('no-such-lead', `Bearer ${stack.adminKey}`));
    expect(response.statusCode).toBe(404);
  });
});
