import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { dynamoDocument, sqs } from '#shared/adapters/aws-clients.ts';
import { Mailer } from '#shared/adapters/mailer.ts';
import { PlatformFetchQueue } from '#shared/adapters/platform-fetch-queue.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import type { SlaTimerInput } from '#shared/adapters/sla-timer.ts';
import { loadRoutingSettings } from '#shared/config/runtime.ts';
import { derivedVerifyToken } from '#shared/ingest/source-secrets.ts';
import type { Tier } from '#shared/domain/lead.ts';
import { escalateLead } from '#shared/use-cases/escalate-lead.ts';
import { expireOffer } from '#shared/use-cases/expire-offer.ts';
import { remindOwner } from '#shared/use-cases/remind-owner.ts';
import { loadEvent, refuseOnce, useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
/** The admin API's imports (POST /admin/reps), a function of their own. */
let imports: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let relay: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
let tableName: string;
/** Keeps this file's reps apart from earlier runs' in the shared emulators. */
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  stack = await useLocalStack('admin');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
  imports = await stack.sibling<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>('admin-imports');
  relay = await stack.relay();
  tableName = process.env.TABLE_NAME!;
});

/**
 * The rep's one effect record, recorded with the admin's write but not performed at once (its
 * send was refused): pending for the relay. The relay, given it by the stream twice, sends it
 * once and records it done; what it sent is what the routing queue then holds.
 */
async function relayedOnce(repId: string, message: Record<string, unknown>): Promise<{ recorded: unknown; sent: unknown[]; after: unknown }> {
  const [recorded, ...more] = await stack.reps.effects(repId);
  expect(more).toEqual([]);
  const stream = await stack.effectStream({ repId });
  const responses = [await relay(stream), await relay(stream)];
  expect(responses.map((response) => response.batchItemFailures)).toEqual([[], []]);
  const sent = (await stack.drainRoutingQueue()).filter((body) => JSON.stringify(body) === JSON.stringify(message));
  const [after] = await stack.reps.effects(repId);
  return { recorded, sent, after };
}

/** A recorded drain of the team's queue, refused at once and so left pending for the relay. */
const pendingDrain = (repId: string, teamId: string) => ({
  type: 'effect',
  repId,
  purpose: 'drain-team',
  action: { kind: 'message', message: { drainTeam: teamId } },
  status: 'pending',
  attempts: 1,
  lastError: expect.stringContaining('injected'),
});

/** An admin API request shaped like the HTTP API's, from the same sample event as the other tests. */
function adminRequest(
  routeKey: string,
  options: { pathParameters?: Record<string, string>; body?: unknown; rawBody?: string; authorization?: string | null; query?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('actions/open-link.json');
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.pathParameters?.[name] ?? ''));
  const authorization = options.authorization === undefined ? `Bearer ${stack.adminKey}` : options.authorization;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return {
    ...sample,
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    ...(options.query ? { queryStringParameters: options.query } : {}),
    pathParameters: options.pathParameters ?? {},
    headers: {
      ...sample.headers,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(authorization ? { authorization } : {}),
    },
    ...(body !== undefined ? { body } : {}),
    requestContext: { ...sample.requestContext, routeKey, http: { ...sample.requestContext.http, method, path } },
  };
}

const eraseRequest = (leadId: string, authorization?: string | null) => adminRequest('DELETE /leads/{id}', { pathParameters: { id: leadId }, authorization });
const queueRequest = (teamId: string) => adminRequest('GET /admin/teams/{teamId}/queue', { pathParameters: { teamId } });
const importRequest = (body: unknown) => adminRequest('POST /admin/reps', { body });
const disableRequest = (repId: string, action: 'disable' | 'enable' = 'disable') => adminRequest(`POST /admin/reps/{repId}/${action}`, { pathParameters: { repId } });
const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '{}');

/** Every item stored under the lead's key: the lead item and its history events. */
async function itemsOfLead(leadId: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamoDocument.send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `LEAD#${leadId}` }, ConsistentRead: true }),
  );
  return Items;
}

/** History events written the way LeadStore writes them, enough to outgrow one transaction. */
async function addHistory(leadId: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({
    pk: `LEAD#${leadId}`,
    sk: `EVENT#2026-03-01T10:00:00.${String(i).padStart(3, '0')}Z#${randomUUID().slice(0, 6)}`,
    type: 'lead-event',
    at: '2026-03-01T10:00:00.000Z',
    kind: 'reminded',
    actor: 'sla-timer',
    detail: { attempt: 1 },
  }));
  for (let i = 0; i < events.length; i += 25) {
    await dynamoDocument.send(new BatchWriteCommand({ RequestItems: { [tableName]: events.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

/** Intake items as ingest keeps them (duplicate detection, idempotency), listed on the lead that created them. */
async function addIntakeItems(leadId: string, items: { pk: string; sk: string; leadId: string }[]): Promise<void> {
  for (const item of items) await dynamoDocument.send(new PutCommand({ TableName: tableName, Item: { ...item, type: 'intake' } }));
  await dynamoDocument.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { pk: `LEAD#${leadId}`, sk: 'LEAD' },
      UpdateExpression: 'SET intakeKeys = :keys',
      ExpressionAttributeValues: { ':keys': items.map(({ pk, sk }) => ({ pk, sk })) },
    }),
  );
}

const itemAt = async ({ pk, sk }: { pk: string; sk: string }) =>
  (await dynamoDocument.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;

/** Leads waiting in a team's queue, as the router leaves them when nobody can take them. */
async function queueLead(teamId: string, firstName: string, tier: Tier, product: string): Promise<string> {
  const leadId = await stack.receiveLead({ firstName, email: `${firstName.toLowerCase()}@example.com`, product }, teamId);
  const lead = (await stack.leads.get(leadId))!;
  await stack.queueLead(leadId, { tier, score: tier === 'hot' ? 90 : 40, teamId, contactDeadline: lead.contactDeadline });
  // receivedAt orders leads of one tier: keep each a millisecond apart at least.
  await sleep(3);
  return leadId;
}

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
    await stack.offerTo(leadId, team.reps[0]!.id, { withFollowUps: true });

    const response = await handler(getLead(leadId, `Bearer ${stack.adminKey}`));

    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body ?? '{}');
    expect(body.lead).toMatchObject({ id: leadId, status: 'OFFERED', ownerId: team.reps[0]!.id });
    expect(body.history.map((event: { kind: string }) => event.kind)).toEqual(['received', 'offered']);
    // Its follow-ups and how they went, without the emails' content.
    expect(body.effects.map((effect: { purpose: string; status: string }) => `${effect.purpose}:${effect.status}`).sort()).toEqual(['offer-email:pending', 'sla-timer:pending']);
    expect(JSON.stringify(body.effects)).not.toContain('Yours');
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

describe('erasing a lead (DELETE /leads/{id}) on DynamoDB Local', () => {
  it('given a lead with a history longer than one transaction, when an admin erases it, then the lead and every event are gone', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Forget', lastName: 'Me', email: 'forget.me@example.com' }, team.id);
    await addHistory(leadId, 130);
    expect(await itemsOfLead(leadId)).toHaveLength(132);

    const response = await handler(eraseRequest(leadId));

    expect(response.statusCode).toBe(204);
    expect(response.body ?? '').toBe('');
    expect(await stack.leads.get(leadId)).toBeUndefined();
    expect(await itemsOfLead(leadId)).toEqual([]);
  });

  it("given intake items of the lead and one a newer lead took over, when erased, then only the lead's own intake items are deleted", async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Dup', email: 'dup@example.com', phone: '+49 30 1234567' }, team.id);
    const own = [
      { pk: `CONTACT#email:dup.${run}@example.com`, sk: 'CONTACT', leadId },
      { pk: `IDEMPOTENCY#website#key-${run}`, sk: 'IDEMPOTENCY', leadId },
    ];
    const takenOver = { pk: `CONTACT#phone:+4930${run}`, sk: 'CONTACT', leadId: 'a-newer-lead' };
    await addIntakeItems(leadId, [...own, takenOver]);

    const response = await handler(eraseRequest(leadId));

    expect(response.statusCode).toBe(204);
    for (const item of own) expect(await itemAt(item)).toBeUndefined();
    expect(await itemAt(takenOver)).toMatchObject({ leadId: 'a-newer-lead' });
  });

  it("given an offered lead, when erased, then the owner's open-lead count goes back down and the rep's other lead stays theirs", async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const erased = await stack.receiveLead({ firstName: 'Gone', email: 'gone@example.com' }, team.id);
    const kept = await stack.receiveLead({ firstName: 'Kept', email: 'kept@example.com' }, team.id);
    await stack.offerTo(erased, rep.id);
    await stack.offerTo(kept, rep.id);
    expect((await stack.reps.get(rep.id))?.openLeads).toBe(2);

    const response = await handler(eraseRequest(erased));

    expect(response.statusCode).toBe(204);
    expect((await stack.reps.get(rep.id))?.openLeads).toBe(1);
    expect(await stack.leads.ownerLeads(rep.id)).toEqual([expect.objectContaining({ id: kept })]);
    // The freed slot goes to whoever waits in the team queue, as after a pass.
    expect(await stack.drainRoutingQueue()).toContainEqual({ drainTeam: team.id });
  });

  it("given an offered lead whose freed slot's drain is refused at once, when erased, then the drain waits under the rep for the relay, which sends it once", async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = team.reps[0]!;
    const leadId = await stack.receiveLead({ firstName: 'Refused', email: 'refused-drain@example.com' }, team.id);
    await stack.offerTo(leadId, rep.id);
    await stack.drainRoutingQueue();
    const refusal = refuseOnce('sqs', { drainTeam: team.id });

    const response = await handler(eraseRequest(leadId));
    const sentAtOnce = await stack.drainRoutingQueue();
    const { recorded, sent, after } = await relayedOnce(rep.id, { drainTeam: team.id });

    expect(response.statusCode).toBe(204);
    expect(refusal.refused).toBe(1);
    expect(await itemsOfLead(leadId)).toEqual([]);
    expect((await stack.reps.get(rep.id))?.openLeads).toBe(0);
    expect(sentAtOnce).toEqual([]);
    expect(recorded).toMatchObject(pendingDrain(rep.id, team.id));
    expect(sent).toEqual([{ drainTeam: team.id }]);
    expect(after).toMatchObject({ status: 'done' });
  });

  it('given a queued lead nobody holds, when erased, then no slot is given back and nothing is recorded for any rep', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Nobodys', email: 'nobodys@example.com' }, team.id);
    const lead = (await stack.leads.get(leadId))!;
    await stack.queueLead(leadId, { tier: 'warm', score: 10, teamId: team.id, contactDeadline: lead.contactDeadline });

    expect((await handler(eraseRequest(leadId))).statusCode).toBe(204);

    expect(await stack.reps.effects(team.reps[0]!.id)).toEqual([]);
  });

  it('given an accepted lead whose owner has since been removed, when erased, then it is erased all the same', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = team.reps[0]!;
    const leadId = await stack.receiveLead({ firstName: 'Orphan', email: 'orphan@example.com' }, team.id);
    await stack.offerTo(leadId, rep.id);
    await stack.repDoes('accept', leadId, rep.id, 1);
    await dynamoDocument.send(new BatchWriteCommand({ RequestItems: { [tableName]: [{ DeleteRequest: { Key: { pk: `REP#${rep.id}`, sk: 'PROFILE' } } }] } }));

    const response = await handler(eraseRequest(leadId));

    expect(response.statusCode).toBe(204);
    expect(await itemsOfLead(leadId)).toEqual([]);
    // Nothing recreated a half rep just to count it down.
    expect(await stack.reps.get(rep.id)).toBeUndefined();
  });

  it('given a rep passing on a lead at the moment it is erased, when both run at once, then the slot is given back exactly once', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const contested = await stack.receiveLead({ firstName: 'Race', email: 'race@example.com' }, team.id);
    const other = await stack.receiveLead({ firstName: 'Other', email: 'other@example.com' }, team.id);
    await stack.offerTo(contested, rep.id);
    await stack.offerTo(other, rep.id);

    const [erasure] = await Promise.allSettled([handler(eraseRequest(contested)), stack.repDoes('pass', contested, rep.id, 1)]);

    expect(erasure).toMatchObject({ status: 'fulfilled', value: { statusCode: 204 } });
    expect(await itemsOfLead(contested)).toEqual([]);
    // Released by the pass or by the erasure, never by both: the other lead still counts.
    expect((await stack.reps.get(rep.id))?.openLeads).toBe(1);
  });

  it('given an erased lead, when it is erased again, then 404; and a half-erased one is finished with 204', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const done = await stack.receiveLead({ firstName: 'Once', email: 'once@example.com' }, team.id);
    const half = await stack.receiveLead({ firstName: 'Half', email: 'half@example.com' }, team.id);
    await addHistory(half, 30);
    expect((await handler(eraseRequest(done))).statusCode).toBe(204);
    // An erasure that stopped after the lead item, before its history.
    await dynamoDocument.send(new BatchWriteCommand({ RequestItems: { [tableName]: [{ DeleteRequest: { Key: { pk: `LEAD#${half}`, sk: 'LEAD' } } }] } }));

    const again = await handler(eraseRequest(done));
    const finished = await handler(eraseRequest(half));

    expect(again.statusCode).toBe(404);
    expect(bodyOf(again).message).toContain(done);
    expect(finished.statusCode).toBe(204);
    expect(await itemsOfLead(half)).toEqual([]);
  });

  it('given an unknown id, when erased, then 404', async () => {
    const response = await handler(eraseRequest(`no-such-lead-${run}`));

    expect(response.statusCode).toBe(404);
  });

  it('given no admin key, when a lead is erased, then 401 and the lead is still there', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Stays', email: 'stays@example.com' }, team.id);

    const response = await handler(eraseRequest(leadId, null));

    expect(response.statusCode).toBe(401);
    expect(await stack.leads.get(leadId)).toMatchObject({ id: leadId });
  });

  it('given an erased lead whose offer timer is still running, when the accept window, reminder and deadline fire, then each finds it gone and writes nothing', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = team.reps[0]!;
    const leadId = await stack.receiveLead({ firstName: 'Timer', email: 'timer@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, rep.id);
    expect((await handler(eraseRequest(leadId))).statusCode).toBe(204);
    const timer = { ...loadEvent<SlaTimerInput>('escalate/sla-deadline.json'), leadId, attempt: 1, contactDeadline: lead.contactDeadline };
    const deps = {
      leads: stack.leads,
      reps: stack.reps,
      queue: new RoutingQueue(process.env.ROUTING_QUEUE_URL!),
      mailer: new Mailer('leads@integration.example.com'),
      settings: loadRoutingSettings(),
      now: () => new Date(),
      actionUrl: () => 'https://leads.test.example/a/unused',
    };
    const managerEmails = (await stack.emailsTo(stack.managerEmail(team.id))).length;

    const outcomes = [await expireOffer(timer, deps), await remindOwner(timer, deps), await escalateLead(timer, deps)];

    expect(outcomes).toEqual([
      { expired: false, reason: 'lead-gone' },
      { reminded: false, reason: 'lead-gone' },
      { escalated: false, reason: 'lead-gone' },
    ]);
    expect(await itemsOfLead(leadId)).toEqual([]);
    expect((await stack.reps.get(rep.id))?.openLeads).toBe(0);
    expect(await stack.drainRoutingQueue()).not.toContainEqual({ leadId });
    // Nobody is told about a lead that is gone: neither its rep nor the manager.
    expect(await stack.emailsTo(rep.email)).toEqual([]);
    expect(await stack.emailsTo(stack.managerEmail(team.id))).toHaveLength(managerEmails);
  });
});

describe('team queue (GET /admin/teams/{teamId}/queue) on DynamoDB Local', () => {
  it('given queued leads of two tiers, when an admin lists the queue, then hot comes first, then oldest first, with what a person needs to pick', async () => {
    const team = await stack.addTeam([]);
    const olderWarm = await queueLead(team.id, 'Olga', 'warm', 'solar');
    const hot = await queueLead(team.id, 'Hugo', 'hot', 'battery');
    const newerWarm = await queueLead(team.id, 'Nina', 'warm', 'wallbox');

    const response = await handler(queueRequest(team.id));

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body.teamId).toBe(team.id);
    expect(body.leads.map((lead: { id: string }) => lead.id)).toEqual([hot, olderWarm, newerWarm]);
    expect(body.leads[0]).toEqual({
      id: hot,
      name: 'Hugo',
      tier: 'hot',
      score: 90,
      product: 'battery',
      receivedAt: expect.any(String),
      contactDeadline: expect.any(String),
      attempt: 0,
    });
  });

  it('given a queued lead, when it is erased, then it is no longer in the queue', async () => {
    const team = await stack.addTeam([]);
    const erased = await queueLead(team.id, 'Erin', 'warm', 'solar');
    const waiting = await queueLead(team.id, 'Wes', 'warm', 'solar');

    expect((await handler(eraseRequest(erased))).statusCode).toBe(204);
    const response = await handler(queueRequest(team.id));

    expect(bodyOf(response).leads.map((lead: { id: string }) => lead.id)).toEqual([waiting]);
  });

  it('given a team the stack does not have, when its queue is listed, then 404 naming the team', async () => {
    const response = await handler(queueRequest('no-such-team'));

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).message).toContain('no-such-team');
  });
});

describe('importing reps (POST /admin/reps) on DynamoDB Local', () => {
  const rep = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    email: `${name.toLowerCase()}.${run}@import.example.com`,
    teamId: 't20',
    capacity: 4,
    ...extra,
  });

  it('given valid rows, when imported, then each rep is created with its profile and can be found by email', async () => {
    const response = await imports(
      importRequest({
        reps: [
          rep('Anna', { id: `anna-${run}`, products: ['solar'], languages: ['DE', 'en'], territory: { countries: ['de'] }, timeZone: 'Europe/Berlin', workingHours: 'mon-fri 09:00-17:30' }),
          rep('Boris', { role: 'manager', capacity: 0 }),
        ],
      }),
    );

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toMatchObject({ created: 2, exists: 0, invalid: 0 });
    expect(body.results).toEqual([
      { index: 0, repId: `anna-${run}`, status: 'created' },
      { index: 1, repId: expect.stringMatching(new RegExp(`^boris-${run}-[0-9a-f]{6}$`)), status: 'created' },
    ]);
    const anna = await stack.reps.findByEmail(`ANNA.${run}@import.example.com`);
    expect(anna).toMatchObject({
      id: `anna-${run}`,
      teamId: 't20',
      openLeads: 0,
      languages: ['de', 'en'],
      territory: { countries: ['DE'] },
      workingHours: { mon: [['09:00', '17:30']], fri: [['09:00', '17:30']] },
    });
    expect(await stack.reps.findByEmail(`boris.${run}@import.example.com`)).toMatchObject({ id: body.results[1].repId, role: 'manager' });
  });

  it('given some bad rows among good ones, when imported, then the good ones are created and each bad one says which field is wrong', async () => {
    const response = await imports(
      importRequest({
        reps: [
          rep('Cleo'),
          rep('Dirk', { email: 'not-an-address', teamId: 'no-such-team' }),
          rep('Edda', { capacity: 'five', capacty: 5 }),
          'not a rep',
        ],
      }),
    );

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toMatchObject({ created: 1, invalid: 3 });
    expect(body.results[0]).toMatchObject({ index: 0, status: 'created' });
    expect(body.results[1]).toEqual({
      index: 1,
      status: 'invalid',
      errors: expect.arrayContaining([
        { field: 'email', message: 'must be an email address' },
        { field: 'teamId', message: expect.stringContaining('no team "no-such-team"') },
      ]),
    });
    expect(body.results[2].errors).toEqual(
      expect.arrayContaining([
        { field: 'capacity', message: 'must be a whole number' },
        { field: 'capacty', message: 'not a rep field' },
      ]),
    );
    expect(body.results[3]).toMatchObject({ index: 3, status: 'invalid', errors: [{ field: '(row)' }] });
    expect(await stack.reps.findByEmail(`edda.${run}@import.example.com`)).toBeUndefined();
  });

  it('given an imported rep with a lead, when the same import runs again, then it reports exists and changes nothing', async () => {
    const rows = [rep('Fritz', { id: `fritz-${run}` }), rep('Gina')];
    expect(bodyOf(await imports(importRequest({ reps: rows }))).created).toBe(2);
    const leadId = await stack.receiveLead({ firstName: 'Busy', email: 'busy@example.com' }, 't20');
    await stack.offerTo(leadId, `fritz-${run}`);

    const again = await imports(importRequest({ reps: [{ ...rows[0], name: 'Renamed' }, rows[1]] }));

    expect(bodyOf(again)).toMatchObject({ created: 0, exists: 2, invalid: 0 });
    expect(bodyOf(again).results.map((r: { status: string }) => r.status)).toEqual(['exists', 'exists']);
    expect(await stack.reps.get(`fritz-${run}`)).toMatchObject({ name: 'Fritz', openLeads: 1 });
    expect(await stack.reps.findByEmail(`gina.${run}@import.example.com`)).toMatchObject({ name: 'Gina', teamId: 't20', capacity: 4, openLeads: 0 });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: `fritz-${run}` });
  });

  it('given two imports of the same rep at once, when both run, then the rep is created once and the other reports exists', async () => {
    const body = { reps: [rep('Hanna')] };

    const responses = await Promise.all([imports(importRequest(body)), imports(importRequest(body)), imports(importRequest(body))]);

    const statuses = responses.map((response) => bodyOf(response).results[0].status).sort();
    expect(statuses).toEqual(['created', 'exists', 'exists']);
    const repIds = new Set(responses.map((response) => bodyOf(response).results[0].repId));
    expect(repIds.size).toBe(1);
    expect(await stack.reps.findByEmail(`hanna.${run}@import.example.com`)).toMatchObject({ id: [...repIds][0] });
  });

  it('given an email another rep has under another id, when imported, then that row is invalid by email', async () => {
    expect(bodyOf(await imports(importRequest({ reps: [rep('Ida', { id: `ida-${run}` })] }))).created).toBe(1);

    const response = await imports(importRequest({ reps: [rep('Ida', { id: `ida-two-${run}` })] }));

    expect(bodyOf(response).results).toEqual([
      { index: 0, repId: `ida-two-${run}`, status: 'invalid', errors: [{ field: 'email', message: `already belongs to rep ida-${run}` }] },
    ]);
    expect(await stack.reps.get(`ida-two-${run}`)).toBeUndefined();
  });

  it("given a rep whose address bounced, when imported again and their team queue's drain is refused at once, then they are back and the drain waits under them for the relay, which sends it once", async () => {
    const { id: teamId } = await stack.addTeam([]);
    const id = `jola-${run}`;
    const row = { ...rep('Jola', { teamId }), id };
    expect(bodyOf(await imports(importRequest({ reps: [row] }))).created).toBe(1);
    const since = new Date().toISOString();
    expect(await stack.reps.markUnreachable(row.id, row.email, { since, reason: 'bounce', address: row.email, feedbackId: `fb-${run}` })).toBe(true);
    await stack.drainRoutingQueue();
    const refusal = refuseOnce('sqs', { drainTeam: teamId });

    const response = await imports(importRequest({ reps: [row] }));
    const sentAtOnce = await stack.drainRoutingQueue();
    const { recorded, sent, after } = await relayedOnce(row.id, { drainTeam: teamId });

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).results).toEqual([{ index: 0, repId: row.id, status: 'exists', reachableAgain: true }]);
    expect(refusal.refused).toBe(1);
    expect((await stack.reps.get(row.id))?.unreachable).toBeUndefined();
    expect(sentAtOnce).not.toContainEqual({ drainTeam: teamId });
    expect(recorded).toMatchObject(pendingDrain(row.id, teamId));
    expect(sent).toEqual([{ drainTeam: teamId }]);
    expect(after).toMatchObject({ status: 'done' });
  });

  it.each([
    ['no reps list', { people: [] }],
    ['an empty list', { reps: [] }],
    ['more than 500 rows', { reps: Array.from({ length: 501 }, () => ({})) }],
  ])('given %s, when imported, then 400 saying what to send', async (_label, body) => {
    const response = await imports(importRequest(body));

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toContain('"reps"');
  });

  it('given a body that is not JSON, when imported, then 400', async () => {
    const response = await imports(adminRequest('POST /admin/reps', { rawBody: '{"reps": [' }));

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toContain('not valid JSON');
  });
});

describe('switching a rep off and on (POST /admin/reps/{repId}/disable, /enable) on DynamoDB Local', () => {
  it('given a rep holding an offer, an accepted and a contacted lead, when an admin switches them off, then their sessions end, the offer and the accepted lead go back to routing, and the contacted one stays', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const rep = team.reps[0]!;
    const hold = async (firstName: string, steps: ('accept' | 'contacted')[]) => {
      const leadId = await stack.receiveLead({ firstName, email: `${firstName.toLowerCase()}.${run}@example.com` }, team.id);
      await stack.offerTo(leadId, rep.id);
      for (const step of steps) await stack.repDoes(step, leadId, rep.id);
      return leadId;
    };
    const offered = await hold('Offered', []);
    const accepted = await hold('Accepted', ['accept']);
    const contacted = await hold('Contacted', ['contacted']);
    await stack.drainRoutingQueue();

    const response = await handler(disableRequest(rep.id));

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect({ ...body, released: [...body.released].sort() }).toEqual({ repId: rep.id, disabled: true, changed: true, sessionVersion: 1, released: [offered, accepted].sort(), kept: [contacted] });
    expect(await stack.reps.get(rep.id)).toMatchObject({ disabled: true, sessionVersion: 1, openLeads: 1 });
    for (const leadId of [offered, accepted]) {
      const lead = await stack.leads.get(leadId);
      expect(lead).toMatchObject({ status: 'RECEIVED', excludedReps: [rep.id] });
      expect(lead!.ownerId).toBeUndefined();
      expect((await stack.history(leadId)).at(-1)).toMatchObject({ kind: 'released', actor: 'admin', detail: { reason: 'rep switched off by an admin' } });
    }
    expect(await stack.leads.get(contacted)).toMatchObject({ status: 'CONTACTED', ownerId: rep.id });
    const messages = await stack.drainRoutingQueue();
    expect(messages).toContainEqual({ leadId: offered });
    expect(messages).toContainEqual({ leadId: accepted });
    expect(messages).toContainEqual({ drainTeam: team.id });
  });

  it('given a rep switched off, when switched off again and then on, then the second changes nothing, and switching on keeps the ended sessions ended and offers the team queue again', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = team.reps[0]!;
    expect(bodyOf(await handler(disableRequest(rep.id)))).toMatchObject({ changed: true, sessionVersion: 1 });
    await stack.drainRoutingQueue();

    const again = await handler(disableRequest(rep.id));
    const enabled = await handler(disableRequest(rep.id, 'enable'));

    expect(again.statusCode).toBe(200);
    expect(bodyOf(again)).toMatchObject({ repId: rep.id, disabled: true, changed: false, sessionVersion: 1, released: [], kept: [] });
    expect(enabled.statusCode).toBe(200);
    expect(bodyOf(enabled)).toEqual({ repId: rep.id, disabled: false, changed: true, sessionVersion: 1 });
    const stored = await stack.reps.get(rep.id);
    expect(stored?.disabled).toBeFalsy();
    expect(stored).toMatchObject({ sessionVersion: 1 });
    expect(await stack.drainRoutingQueue()).toEqual([{ drainTeam: team.id }]);
  });

  it("given a rep switched off, when switched on and the team queue's drain is refused at once, then they are on and the drain waits under them for the relay, which sends it once and expires a day after", async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = team.reps[0]!;
    expect(bodyOf(await handler(disableRequest(rep.id)))).toMatchObject({ changed: true });
    await stack.drainRoutingQueue();
    const refusal = refuseOnce('sqs', { drainTeam: team.id });

    const response = await handler(disableRequest(rep.id, 'enable'));
    const sentAtOnce = await stack.drainRoutingQueue();
    const { recorded, sent, after } = await relayedOnce(rep.id, { drainTeam: team.id });

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ repId: rep.id, disabled: false, changed: true, sessionVersion: 1 });
    expect(refusal.refused).toBe(1);
    expect((await stack.reps.get(rep.id))?.disabled).toBeFalsy();
    expect(sentAtOnce).toEqual([]);
    expect(recorded).toMatchObject(pendingDrain(rep.id, team.id));
    const { id, createdAt } = recorded as { id: string; createdAt: string };
    // The table's TTL deletes it a day after it was made.
    expect((await itemAt({ pk: `REP#${rep.id}`, sk: `EFFECT#${id}` }))?.expiresAt).toBe(Math.ceil((Date.parse(createdAt) + 86_400_000) / 1000));
    expect(sent).toEqual([{ drainTeam: team.id }]);
    expect(after).toMatchObject({ status: 'done', attempts: 2 });
  });

  it.each(['disable', 'enable'] as const)('given no such rep, when an admin asks to %s them, then 404 naming the rep', async (action) => {
    const response = await handler(disableRequest(`nobody-${run}`, action));

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).message).toContain(`nobody-${run}`);
  });
});

describe('changing a rep (PATCH /admin/reps/{repId}, POST /admin/reps with update) on DynamoDB Local', () => {
  const row = (name: string, extra: Record<string, unknown> = {}) => ({
    id: `${name.toLowerCase()}-${run}`,
    name,
    email: `${name.toLowerCase()}.${run}@update.example.com`,
    teamId: 't20',
    capacity: 4,
    ...extra,
  });
  const updateRequest = (repId: string, body: unknown) => adminRequest('PATCH /admin/reps/{repId}', { pathParameters: { repId }, body });

  it('given an existing rep, when an admin changes their name, email, team, maximum and capacity, then the rep has them, the new address signs in and the old one not', async () => {
    expect(bodyOf(await imports(importRequest({ reps: [row('Una')] }))).created).toBe(1);
    const id = `una-${run}`;
    const email = `una.renamed.${run}@update.example.com`;

    const response = await handler(updateRequest(id, { name: 'Una Renamed', email: email.toUpperCase(), teamId: 'inbox', maxCapacity: 6, capacity: 5 }));
    const lowered = await handler(updateRequest(id, { maxCapacity: 3 }));

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ rep: { id, name: 'Una Renamed', email, teamId: 'inbox', maxCapacity: 6, capacity: 5 }, changed: ['name', 'email', 'teamId', 'capacity', 'maxCapacity'] });
    expect(await stack.reps.findByEmail(email)).toMatchObject({ id, name: 'Una Renamed', teamId: 'inbox' });
    expect(await stack.reps.findByEmail(row('Una').email)).toBeUndefined();
    expect((await stack.reps.listTeam('inbox')).map((rep) => rep.id)).toContain(id);
    expect((await stack.reps.listTeam('t20')).map((rep) => rep.id)).not.toContain(id);
    // A maximum below the capacity brings the capacity down to it.
    expect(bodyOf(lowered)).toMatchObject({ rep: { maxCapacity: 3, capacity: 3 }, changed: ['capacity', 'maxCapacity'] });
    expect(await stack.reps.get(id)).toMatchObject({ maxCapacity: 3, capacity: 3, openLeads: 0 });
  });

  it.each<[string, unknown, { field: string; message: string }[]]>([
    ['a capacity above the maximum', { capacity: 9, maxCapacity: 8 }, [{ field: 'capacity', message: 'must be at most the maxCapacity of 8' }]],
    ['a team the stack does not have and a misspelt field', { teamId: 'mars', capacty: 2 }, [{ field: 'teamId', message: expect.stringContaining('no team "mars"') }, { field: 'capacty', message: 'not a rep field' }]],
    ['an address that is not one', { email: 'not-an-address' }, [{ field: 'email', message: 'must be an email address' }]],
    ['nothing to change', {}, [{ field: '(body)', message: 'name at least one of name, email, teamId, capacity, maxCapacity' }]],
  ])('given %s, when an admin changes a rep, then 422 names each field and nothing changes', async (_label, body, errors) => {
    const id = `vera-${run}-${randomUUID().slice(0, 4)}`;
    expect(bodyOf(await imports(importRequest({ reps: [row('Vera', { id, email: `${id}@update.example.com` })] }))).created).toBe(1);

    const response = await handler(updateRequest(id, body));

    expect(response.statusCode).toBe(422);
    expect(bodyOf(response)).toEqual({ message: 'Invalid rep', errors: expect.arrayContaining(errors) });
    expect(bodyOf(response).errors).toHaveLength(errors.length);
    expect(await stack.reps.get(id)).toMatchObject({ name: 'Vera', teamId: 't20', capacity: 4 });
  });

  it('given an address another rep has, when an admin gives it to a rep, then 422 names the holder and both keep their addresses', async () => {
    expect(bodyOf(await imports(importRequest({ reps: [row('Wim'), row('Xia')] }))).created).toBe(2);

    const response = await handler(updateRequest(`wim-${run}`, { email: row('Xia').email }));

    expect(response.statusCode).toBe(422);
    expect(bodyOf(response).errors).toEqual([{ field: 'email', message: `already belongs to rep xia-${run}` }]);
    expect(await stack.reps.findByEmail(row('Wim').email)).toMatchObject({ id: `wim-${run}` });
    expect(await stack.reps.findByEmail(row('Xia').email)).toMatchObject({ id: `xia-${run}` });
  });

  it("given a rep moved to another team whose queue's drain is refused at once, when the relay gets the drain recorded with the change (twice), then the rep is in the new team and that team's queue is offered again once", async () => {
    const from = await stack.addTeam([{ capacity: 2 }]);
    const { id: to } = await stack.addTeam([]);
    const rep = from.reps[0]!;
    await stack.drainRoutingQueue();
    const refusal = refuseOnce('sqs', { drainTeam: to });

    const response = await handler(updateRequest(rep.id, { teamId: to }));
    const sentAtOnce = await stack.drainRoutingQueue();
    const { recorded, sent, after } = await relayedOnce(rep.id, { drainTeam: to });

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ rep: { id: rep.id, teamId: to }, changed: ['teamId'] });
    expect(refusal.refused).toBe(1);
    expect((await stack.reps.listTeam(to)).map((member) => member.id)).toEqual([rep.id]);
    expect(sentAtOnce).toEqual([]);
    expect(recorded).toMatchObject(pendingDrain(rep.id, to));
    expect(sent).toEqual([{ drainTeam: to }]);
    expect(after).toMatchObject({ status: 'done', attempts: 2 });
  });

  it("given a rep, when an admin raises their capacity, then their team's queue is offered again at once, and the drain is recorded done", async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = team.reps[0]!;
    await stack.drainRoutingQueue();

    const response = await handler(updateRequest(rep.id, { capacity: 3 }));

    expect(bodyOf(response)).toMatchObject({ rep: { capacity: 3 }, changed: ['capacity'] });
    expect(await stack.drainRoutingQueue()).toEqual([{ drainTeam: team.id }]);
    expect(await stack.reps.effects(rep.id)).toEqual([expect.objectContaining({ repId: rep.id, purpose: 'drain-team', status: 'done', attempts: 1 })]);
  });

  it('given a rep renamed, and a switched-off rep given more capacity, when the admin changes them, then nothing is recorded under either and no queue is offered again', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const [renamed, off] = team.reps;
    expect(bodyOf(await handler(disableRequest(off!.id)))).toMatchObject({ changed: true });
    await stack.drainRoutingQueue();

    const rename = await handler(updateRequest(renamed!.id, { name: 'Only The Name' }));
    const raise = await handler(updateRequest(off!.id, { capacity: 5 }));

    expect(bodyOf(rename)).toMatchObject({ rep: { name: 'Only The Name' }, changed: ['name'] });
    expect(bodyOf(raise)).toMatchObject({ rep: { capacity: 5, disabled: true }, changed: ['capacity'] });
    expect(await stack.reps.effects(renamed!.id)).toEqual([]);
    expect(await stack.reps.effects(off!.id)).toEqual([]);
    expect(await stack.drainRoutingQueue()).not.toContainEqual({ drainTeam: team.id });
  });

  it('given no such rep, when an admin changes them, then 404 naming the rep', async () => {
    const response = await handler(updateRequest(`nobody-${run}`, { name: 'Nobody' }));

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).message).toContain(`nobody-${run}`);
  });

  it('given imported reps with a lead, when the file is imported again with update, then the admin columns apply (a disabled row switches its rep off) and the load stays; a third run changes nothing', async () => {
    const rows = [row('Yann'), row('Zoe')];
    expect(bodyOf(await imports(importRequest({ reps: rows }))).created).toBe(2);
    const leadId = await stack.receiveLead({ firstName: 'Kept', email: `kept.${run}@example.com` }, 't20');
    await stack.offerTo(leadId, `yann-${run}`);
    const changed = [
      { ...rows[0], name: 'Yann Renamed', capacity: 7, maxCapacity: 9, active: false },
      { ...rows[1], disabled: true },
    ];

    const updated = await imports(importRequest({ reps: changed, update: true }));
    const again = await imports(importRequest({ reps: changed, update: true }));

    expect(bodyOf(updated)).toMatchObject({ created: 0, updated: 2, exists: 0, invalid: 0 });
    expect(bodyOf(updated).results.map((result: { status: string }) => result.status)).toEqual(['updated', 'updated']);
    // The rep's own availability switch is theirs: an import does not flip it.
    expect(await stack.reps.get(`yann-${run}`)).toMatchObject({ name: 'Yann Renamed', capacity: 7, maxCapacity: 9, active: true, openLeads: 1 });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: `yann-${run}` });
    expect(await stack.reps.get(`zoe-${run}`)).toMatchObject({ disabled: true, sessionVersion: 1 });
    expect(bodyOf(again)).toMatchObject({ created: 0, updated: 0, exists: 2, invalid: 0 });
  });
});

describe('lead sources (GET/POST /admin/sources, the source secret) on DynamoDB Local', () => {
  it('given the stack config, when sources are listed, then each config source comes with its webhook path', async () => {
    const response = await handler(adminRequest('GET /admin/sources'));

    expect(response.statusCode).toBe(200);
    const { sources } = bodyOf(response) as { sources: { origin: string; webhookPath: string; source: { id: string; auth: string } }[] };
    expect(sources).toContainEqual(expect.objectContaining({ origin: 'config', webhookPath: '/sources/partner/leads', source: expect.objectContaining({ id: 'partner', auth: 'signed' }) }));
  });

  it("given a Facebook source, when sources are listed, then it comes with the verify token Meta's handshake checks, and a LinkedIn one with none", async () => {
    const { sources } = bodyOf(await handler(adminRequest('GET /admin/sources'))) as { sources: { verifyToken?: string; source: { id: string } }[] };

    expect(sources.find((listed) => listed.source.id === 'fb')?.verifyToken).toBe(derivedVerifyToken(stack.sourceSigningKey, 'fb'));
    expect(sources.find((listed) => listed.source.id === 'li')).not.toHaveProperty('verifyToken');
  });

  it('given a new source, when added, then it is listed as added with its defaults, and adding it again is a 409', async () => {
    const id = `landing-${run}`;
    const definition = { id, auth: 'public', allowedOrigins: ['https://spring.example.com'], defaults: { source: 'website' } };

    const added = await handler(adminRequest('POST /admin/sources', { body: definition }));
    const again = await handler(adminRequest('POST /admin/sources', { body: definition }));
    const listed = bodyOf(await handler(adminRequest('GET /admin/sources'))) as { sources: { origin: string; source: { id: string } }[] };

    expect(added.statusCode).toBe(201);
    expect(bodyOf(added)).toMatchObject({ origin: 'added', webhookPath: `/sources/${id}/leads`, source: { id, perClientPerMinute: 10 } });
    expect(again.statusCode).toBe(409);
    expect(listed.sources).toContainEqual(expect.objectContaining({ origin: 'added', source: expect.objectContaining({ id }) }));
  });

  it('given an invalid source or one named like a config source, when added, then 422 names the field, or 409', async () => {
    const invalid = await handler(adminRequest('POST /admin/sources', { body: { id: 'Bad Id!', auth: 'sometimes' } }));
    const taken = await handler(adminRequest('POST /admin/sources', { body: { id: 'partner', auth: 'token' } }));

    expect(invalid.statusCode).toBe(422);
    expect(bodyOf(invalid).message).toBe('Invalid source');
    expect(bodyOf(invalid).errors.map((e: { field: string }) => e.field)).toContain('auth');
    expect(taken.statusCode).toBe(409);
  });

  it('given a signed source, when its secret is read, set and read again, then the derived secret gives way to the set one; a public source has none', async () => {
    const path = { pathParameters: { sourceId: 'partner' } };
    const derived = bodyOf(await handler(adminRequest('GET /admin/sources/{sourceId}/secret', path)));

    const set = await handler(adminRequest('PUT /admin/sources/{sourceId}/secret', { ...path, body: { secret: `hubspot-client-secret-${run}` } }));
    const after = bodyOf(await handler(adminRequest('GET /admin/sources/{sourceId}/secret', path)));
    const tooShort = await handler(adminRequest('PUT /admin/sources/{sourceId}/secret', { ...path, body: { secret: 'short' } }));
    const publicSource = await handler(adminRequest('GET /admin/sources/{sourceId}/secret', { pathParameters: { sourceId: 'form' } }));

    expect(derived.setBy).toBe('derived');
    expect(derived.secret.length).toBeGreaterThanOrEqual(40);
    expect(set.statusCode).toBe(204);
    expect(after).toEqual({ secret: `hubspot-client-secret-${run}`, setBy: 'admin' });
    expect(tooShort.statusCode).toBe(422);
    expect(publicSource.statusCode).toBe(400);
    expect((await handler(adminRequest('GET /admin/sources/{sourceId}/secret', { pathParameters: { sourceId: 'nope' } }))).statusCode).toBe(404);
  });
});

describe('redriving the routing DLQ (POST /admin/redrive) on fauxqs', () => {
  const dlq = () => new RoutingQueue(process.env.ROUTING_DLQ_URL!);
  const putInDlq = async (count: number, tag: string) => {
    const ids = Array.from({ length: count }, (_, i) => `dead-${tag}-${run}-${i}`);
    for (const leadId of ids) await dlq().enqueue({ leadId });
    return ids;
  };
  const leadIdsOf = (bodies: unknown[]) => bodies.map((body) => (body as { leadId: string }).leadId).sort();

  it('given routing messages in the DLQ, when an admin redrives, then each is back on the routing queue once and the DLQ is empty', async () => {
    await stack.drainRoutingQueue();
    const ids = await putInDlq(23, 'all');

    const response = await handler(adminRequest('POST /admin/redrive'));

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ moved: 23, failed: 0, remaining: 0 });
    expect(leadIdsOf(await stack.drainRoutingQueue())).toEqual(ids.sort());
    expect(bodyOf(await handler(adminRequest('POST /admin/redrive')))).toEqual({ moved: 0, failed: 0, remaining: 0 });
  });

  it('given a max, when redriven, then exactly that many move and the rest wait', async () => {
    await stack.drainRoutingQueue();
    await putInDlq(25, 'max');

    const first = bodyOf(await handler(adminRequest('POST /admin/redrive', { body: { max: 13 } })));
    const rest = bodyOf(await handler(adminRequest('POST /admin/redrive', { body: { max: 1000 } })));

    expect(first).toEqual({ moved: 13, failed: 0, remaining: 12 });
    expect(rest).toEqual({ moved: 12, failed: 0, remaining: 0 });
    expect(await stack.drainRoutingQueue()).toHaveLength(25);
  });

  it('given two admins redriving at once, when both run, then every message is moved exactly once between them', async () => {
    await stack.drainRoutingQueue();
    const ids = await putInDlq(40, 'race');

    const [a, b] = await Promise.all([handler(adminRequest('POST /admin/redrive')), handler(adminRequest('POST /admin/redrive'))]);

    expect(bodyOf(a).moved + bodyOf(b).moved).toBe(40);
    expect(leadIdsOf(await stack.drainRoutingQueue())).toEqual(ids.sort());
  });

  it('given a max that is not a whole number from 1 to 1000, when redriven, then 400 names the field and nothing moves', async () => {
    await stack.drainRoutingQueue();
    const [dead] = await putInDlq(1, 'bad');

    const responses = await Promise.all([0, 1.5, 'all', 5000].map((max) => handler(adminRequest('POST /admin/redrive', { body: { max } }))));

    for (const response of responses) {
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toContain('"max"');
    }
    expect(await stack.drainRoutingQueue()).toEqual([]);
    // Still in the DLQ: the next valid redrive moves it.
    expect(bodyOf(await handler(adminRequest('POST /admin/redrive')))).toMatchObject({ moved: 1, remaining: 0 });
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId: dead }]);
  });
});

describe('redriving the platform fetch DLQ (POST /admin/redrive) on fauxqs', () => {
  it('given ad platform fetch jobs in their DLQ, when an admin redrives, then each is back on the platform fetch queue and the DLQ is empty', async () => {
    await stack.drainRoutingQueue();
    const jobs = [1, 2].map((i) => ({ platform: 'facebook' as const, sourceId: 'fb', leadId: `93000000000${run.replace(/\D/g, '').slice(0, 6)}${i}`, notifiedAt: new Date().toISOString(), details: {} }));
    await new PlatformFetchQueue(process.env.PLATFORM_FETCH_DLQ_URL!).send(jobs);

    const response = bodyOf(await handler(adminRequest('POST /admin/redrive')));

    expect(response).toEqual({ moved: 2, failed: 0, remaining: 0 });
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: process.env.PLATFORM_FETCH_QUEUE_URL!, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(Messages.map((message) => JSON.parse(message.Body!) as unknown)).toEqual(expect.arrayContaining(jobs));
    expect(Messages).toHaveLength(2);
  });
});

describe('recounting rep loads (POST /admin/recount) on DynamoDB Local', () => {
  it("given a rep whose count drifted from the leads they hold, when an admin recounts, then it is repaired and the report names them", async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const leadId = await stack.receiveLead({ firstName: 'Held', email: 'held-recount@example.com' }, team.id);
    await stack.offerTo(leadId, rep.id);
    // Drifted, and long enough ago that the owner index has caught up.
    await dynamoDocument.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `REP#${rep.id}`, sk: 'PROFILE' },
        UpdateExpression: 'SET openLeads = :three, loadChangedAt = :long',
        ExpressionAttributeValues: { ':three': 3, ':long': new Date(Date.now() - 3_600_000).toISOString() },
      }),
    );

    const response = (await handler(adminRequest('POST /admin/recount', { body: {} }))) as APIGatewayProxyStructuredResultV2;

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).repaired).toContainEqual({ repId: rep.id, counted: 3, held: 1 });
    expect(await stack.reps.get(rep.id)).toMatchObject({ openLeads: 1 });
  });
});
