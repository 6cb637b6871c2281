import { GetCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocument } from '#shared/adapters/aws-clients.ts';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { Mailer } from '#shared/adapters/mailer.ts';
import { Outbox } from '#shared/adapters/outbox.ts';
import { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { loadIntake, loadRoutingSettings, minutesToMs } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import { deliveryOf } from '#shared/ingest/http-responses.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { SourceDirectory } from '#shared/ingest/source-directory.ts';
import { receiveLead, sourceFor, type Received } from '#shared/use-cases/receive-lead.ts';
import { drainTeamQueue, routeLead, type RouteLeadDeps } from '#shared/use-cases/route-lead.ts';
import { tellOwnerOfResubmission } from '#shared/use-cases/tell-owner-of-resubmission.ts';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

/**
 * A lead's whole life on DynamoDB Local, as the functions write it: posted (created, replayed,
 * joined from two sources), queued with its manager told, offered, accepted, told of a later
 * resubmission; then what it leaves behind in the table, before and after an admin erases it.
 * The admin function is the one under test; the other steps run their use cases on the same
 * adapters their functions build.
 */

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let tableName: string;
let leads: LeadStore;
let router: RouteLeadDeps;
/** Ingest's use case on its adapters, at a given time, under the stack's retention or a shorter one. */
let receive: (event: APIGatewayProxyEventV2, options?: { at?: Date; retentionDays?: number }) => Promise<Received>;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  stack = await useLocalStack('admin');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
  tableName = process.env.TABLE_NAME!;
  const settings = loadRoutingSettings();
  const intake = loadIntake();
  // Emails and routing messages are performed at once, as the ingest and route functions do;
  // timers stay recorded (no state machine runs their steps here).
  const outbox = new Outbox(tableName, {
    performers: { mailer: new Mailer('leads@integration.example.com'), queue: new RoutingQueue(process.env.ROUTING_QUEUE_URL!) },
    retryBudgetMs: 120_000,
  });
  leads = new LeadStore(tableName, { outbox });
  const intakeStore = new IntakeStore(tableName, { outbox });
  const sources = new SourceDirectory(intake, intakeStore, stack.sourceSigningKey);
  const rateLimiter = new RateLimiter(tableName);
  receive = async (event, { at, retentionDays } = {}) => {
    const delivery = deliveryOf(event);
    return receiveLead(delivery, await sourceFor(delivery, sources), {
      leads,
      intakeStore,
      rateLimiter,
      intake,
      settings: retentionDays === undefined ? settings : { ...settings, retentionDays },
      now: () => at ?? new Date(),
      contactWithinMs: 1_800_000,
    });
  };
  router = {
    leads,
    reps: stack.reps,
    roster: { get: (teamId) => stack.reps.listTeam(teamId), patch: () => undefined, refresh: () => undefined },
    config: settings.routing,
    minutes: (minutes) => minutesToMs(minutes, 1),
    actionUrl: actionLinkBuilder(stack.signingKey, stack.publicBaseUrl, settings.linkTtlHours),
    now: () => new Date(),
  };
});

/** A post to `POST /leads`, or to a source's webhook, from an address of its own. */
function post(body: Record<string, unknown>, options: { source?: string; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('ingest/post-lead-json.json');
  const { origin: _origin, ...headers } = sample.headers;
  const path = options.source ? `/sources/${options.source}/leads` : '/leads';
  const sourceIp = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  return {
    ...sample,
    routeKey: options.source ? 'POST /sources/{sourceId}/leads' : 'POST /leads',
    rawPath: path,
    ...(options.source ? { pathParameters: { sourceId: options.source } } : {}),
    headers: { ...headers, ...options.headers },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, path, sourceIp } },
    body: JSON.stringify(body),
  };
}

/** A post through the Zapier source, with its token. */
const zapPost = (body: Record<string, unknown>) => post(body, { source: 'zap', headers: { 'x-lead-router-token': derivedSourceSecret(stack.sourceSigningKey, 'zap') } });

const eraseRequest = (leadId: string): APIGatewayProxyEventV2 => {
  const sample = loadEvent<APIGatewayProxyEventV2>('actions/open-link.json');
  const path = `/leads/${leadId}`;
  return {
    ...sample,
    routeKey: 'DELETE /leads/{id}',
    rawPath: path,
    rawQueryString: '',
    pathParameters: { id: leadId },
    headers: { ...sample.headers, accept: 'application/json', authorization: `Bearer ${stack.adminKey}` },
    requestContext: { ...sample.requestContext, routeKey: 'DELETE /leads/{id}', http: { ...sample.requestContext.http, method: 'DELETE', path } },
  };
};

interface LivedLead {
  readonly leadId: string;
  readonly email: string;
  readonly phone: string;
  readonly repId: string;
  readonly teamId: string;
}

/**
 * A person posts (with an Idempotency-Key, then the same post again), writes again through the
 * form and through Zapier; their lead waits in the queue of a team nobody is in yet (the
 * manager is told), is offered to the rep who joins and accepted, and its owner is told of one
 * more resubmission.
 */
async function liveALead(tag: string, retentionDays?: number): Promise<LivedLead> {
  const team = await stack.addTeam([]);
  const email = `ines.${tag}.${run}@example.com`;
  const phone = `+4930${String(1_000_000 + Math.floor(Math.random() * 8_000_000))}`;
  const person = { firstName: 'Ines', lastName: 'Lorenz', email, phone, routeTo: team.id };
  const key = `first-${tag}-${run}`;

  // Posted a few seconds before the rest: what comes later still expires with the lead.
  const created = await receive(post({ ...person, message: 'Please call me' }, { headers: { 'idempotency-key': key } }), { at: new Date(Date.now() - 5_000), retentionDays });
  expect(created).toMatchObject({ status: 'received' });
  const leadId = created.leadId;
  const ingest = { retentionDays };
  expect(await receive(post({ ...person, message: 'Please call me' }, { headers: { 'idempotency-key': key } }), ingest)).toMatchObject({ leadId, replayed: true });
  // A public form's post joins the lead but is answered as a new one.
  expect(await receive(post({ email, message: 'Still interested' }, { headers: { 'idempotency-key': `again-${tag}-${run}` } }), ingest)).toMatchObject({ joinedLeadId: leadId, status: 'received' });
  expect(await receive(zapPost({ event_id: `zap-${tag}-${run}`, email, company: 'Lorenz GmbH' }), ingest)).toMatchObject({ leadId, status: 'joined' });

  expect(await routeLead(leadId, router)).toMatchObject({ kind: 'queued', teamId: team.id });
  const repId = `${team.id}-late-${tag}`;
  await stack.reps.add({ id: repId, name: 'Late Rep', email: `late.${tag}.${run}@example.com`, teamId: team.id, capacity: 2 });
  expect(await drainTeamQueue(team.id, router)).toEqual([expect.objectContaining({ kind: 'offered', repId })]);
  await stack.repDoes('accept', leadId, repId);
  expect(await receive(post({ email, message: 'Tomorrow works too' }, { headers: { 'idempotency-key': `later-${tag}-${run}` } }), ingest)).toMatchObject({ joinedLeadId: leadId, status: 'received' });
  expect(await tellOwnerOfResubmission(leadId, { leads, reps: stack.reps, minutes: (m) => m * 60_000, now: () => new Date() })).toMatchObject({ told: repId });
  await stack.drainRoutingQueue();
  return { leadId, email, phone, repId, teamId: team.id };
}

async function scanTable(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: dynamoDocument }, { TableName: tableName, ConsistentRead: true })) items.push(...(page.Items ?? []));
  return items;
}

/** Items with any of these strings anywhere in any attribute (keys included), case aside. */
async function itemsMentioning(needles: readonly string[]): Promise<Record<string, unknown>[]> {
  const lowered = needles.map((needle) => needle.toLowerCase());
  return (await scanTable()).filter((item) => {
    const text = JSON.stringify(item).toLowerCase();
    return lowered.some((needle) => text.includes(needle));
  });
}

const named = (item: Record<string, unknown>) => `${String(item.pk)} ${String(item.sk)} (${String(item.type ?? 'untyped')})`;

/** The lead's id, the person's address and number, and the ids of the lead's effects (which other items may name). */
async function traceOf(lived: LivedLead): Promise<string[]> {
  const effects = await leads.effects(lived.leadId);
  return [lived.leadId, lived.email, lived.phone, ...effects.map((effect) => effect.id)];
}

/** The rep's stored item, load counters and all (`loadChangedAt` is not part of the profile). */
async function repItem(repId: string): Promise<Record<string, unknown> | undefined> {
  return (await dynamoDocument.send(new GetCommand({ TableName: tableName, Key: { pk: `REP#${repId}`, sk: 'PROFILE' }, ConsistentRead: true }))).Item;
}

describe('retention of what a lead leaves behind, on DynamoDB Local', () => {
  it.each([
    ['the stack retention of a year', undefined],
    ['a retention of one day, shorter than the duplicate window', 1],
  ])('given a lead posted, joined, queued, offered, accepted and told of a resubmission under %s, when every item about it is read, then each expires no later than the lead', async (_name, retentionDays) => {
    const lived = await liveALead(`ttl${retentionDays ?? ''}`, retentionDays);
    const lead = (await leads.get(lived.leadId))!;
    expect(lead.expiresAt).toEqual(expect.any(Number));

    const items = await itemsMentioning(await traceOf(lived));

    // All of it was there to check: the lead, its history and effects, both contact pointers,
    // the four idempotency records, and the team's queue-notice window its notice took.
    expect(new Set(items.map((item) => item.type))).toEqual(new Set(['lead', 'lead-event', 'effect', 'contact', 'idempotency', undefined]));
    expect(items.filter((item) => item.type === 'contact')).toHaveLength(2);
    expect(items.filter((item) => item.type === 'idempotency')).toHaveLength(4);
    expect(items.filter((item) => item.sk === 'ONCE-PER').map((item) => item.pk)).toEqual([`TEAM#${lived.teamId}#QUEUE-NOTICE`]);
    const outliving = items
      .filter((item) => typeof item.expiresAt !== 'number' || item.expiresAt > lead.expiresAt!)
      .map((item) => `${named(item)} expires ${String(item.expiresAt ?? 'never')}, the lead at ${lead.expiresAt}`);
    expect(outliving).toEqual([]);
  });
});

/** Named so each test takes its fault out again, whatever happened. */
const FAULT = 'erasureFault';
afterEach(() => {
  dynamoDocument.middlewareStack.remove(FAULT);
});

/**
 * Runs `around` once, in the DynamoDB client the admin function uses (the adapters' shared
 * one), around the first `command` that touches the lead's own key: the call itself goes to
 * DynamoDB Local only when `around` calls `send`.
 */
function onceAround(leadId: string, command: 'TransactWriteItemsCommand' | 'BatchWriteItemCommand', around: (send: () => Promise<unknown>) => Promise<unknown>): void {
  let done = false;
  dynamoDocument.middlewareStack.add(
    (next, context) => async (args) => {
      if (done || context.commandName !== command || !JSON.stringify(args.input).includes(`"LEAD#${leadId}"`)) return next(args);
      done = true;
      return (await around(() => next(args))) as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: FAULT },
  );
}

describe('erasing a lived lead (DELETE /leads/{id}) on DynamoDB Local', () => {
  it('given a lead with history, effects, pointers and idempotency records, when erased, then no item in the table mentions the lead or the person', async () => {
    const lived = await liveALead('erase');
    const trace = await traceOf(lived);
    expect((await itemsMentioning(trace)).length).toBeGreaterThan(20);
    const erasedAt = new Date().toISOString();

    const response = await handler(eraseRequest(lived.leadId));

    expect(response.statusCode).toBe(204);
    expect((await itemsMentioning([lived.leadId, lived.email, lived.phone])).map(named)).toEqual([]);
    // What stays names one of the lead's effects only: the team's queue-notice window, which
    // says when the team's manager was last told about its queue. It holds no personal data,
    // belongs to the team, and expires with its window.
    expect((await itemsMentioning(trace)).map(named)).toEqual([`TEAM#${lived.teamId}#QUEUE-NOTICE ONCE-PER (untyped)`]);
    // The rep's counters are the rep's: the slot is back, and the change is dated for the recount.
    const rep = await repItem(lived.repId);
    expect(rep?.openLeads).toBe(0);
    expect(String(rep?.loadChangedAt) >= erasedAt).toBe(true);
  });

  it('given contact pointers to the lead that the lead does not list (stored before leads listed them), when erased, then they go too', async () => {
    const email = `unlisted.${run}@example.com`;
    const phone = `+4940${String(1_000_000 + Math.floor(Math.random() * 8_000_000))}`;
    const { leadId } = await receive(post({ firstName: 'Olaf', email, phone }));
    await dynamoDocument.send(new UpdateCommand({ TableName: tableName, Key: { pk: `LEAD#${leadId}`, sk: 'LEAD' }, UpdateExpression: 'REMOVE intakeKeys' }));
    expect((await itemsMentioning([email, phone])).filter((item) => item.type === 'contact')).toHaveLength(2);

    const response = await handler(eraseRequest(leadId));

    expect(response.statusCode).toBe(204);
    expect((await itemsMentioning([leadId, email, phone])).map(named)).toEqual([]);
  });

  it('given a lead whose intakeKeys attribute lists something other than keys, when erased, then the erasure finishes and its contact pointers go all the same', async () => {
    const email = `garbled.${run}@example.com`;
    const phone = `+4940${String(1_000_000 + Math.floor(Math.random() * 8_000_000))}`;
    const { leadId } = await receive(post({ firstName: 'Greta', email, phone }));
    await dynamoDocument.send(
      new UpdateCommand({ TableName: tableName, Key: { pk: `LEAD#${leadId}`, sk: 'LEAD' }, UpdateExpression: 'SET intakeKeys = :garbled', ExpressionAttributeValues: { ':garbled': [{ pk: 42 }, 'CONTACT#'] } }),
    );

    const response = await handler(eraseRequest(leadId));

    expect(response.statusCode).toBe(204);
    expect((await itemsMentioning([leadId, email, phone])).map(named)).toEqual([]);
  });

  it.each([
    ['the transaction that deletes the lead commits, but its answer is lost', 'TransactWriteItemsCommand', 'after'],
    ['the transaction that deletes the lead is refused', 'TransactWriteItemsCommand', 'before'],
    ['the first batch of its history is refused', 'BatchWriteItemCommand', 'before'],
  ] as const)('given an erasure where %s, when it is run again, then it finishes: nothing is left and the slot was given back once', async (_name, command, when) => {
    const lived = await liveALead(`fault-${command.slice(0, 5)}-${when}`);
    const erasedAt = new Date().toISOString();
    onceAround(lived.leadId, command, async (send) => {
      if (when === 'after') await send();
      throw Object.assign(new Error(`injected: ${command} ${when === 'after' ? 'answer lost' : 'refused'}`), { name: 'InternalServerError' });
    });

    const interrupted = await handler(eraseRequest(lived.leadId));
    const again = await handler(eraseRequest(lived.leadId));
    const third = await handler(eraseRequest(lived.leadId));

    expect(interrupted.statusCode).toBe(500);
    expect(again.statusCode).toBe(204);
    expect(third.statusCode).toBe(404);
    expect((await itemsMentioning([lived.leadId, lived.email, lived.phone])).map(named)).toEqual([]);
    const rep = await repItem(lived.repId);
    expect(rep?.openLeads).toBe(0);
    expect(String(rep?.loadChangedAt) >= erasedAt).toBe(true);
  });

  it('given the same person posting again just before the erasure commits, when erased, then their new post went with the lead and nothing points at it', async () => {
    const lived = await liveALead('join-race');
    onceAround(lived.leadId, 'TransactWriteItemsCommand', async (send) => {
      // The post joins the lead (an idempotency record and an event more) while the erasure is
      // about to delete what it read: the erasure reads again and takes the new record too.
      expect(await receive(zapPost({ event_id: `zap-race-${run}`, email: lived.email, message: 'One more thing' }))).toMatchObject({ leadId: lived.leadId, status: 'joined' });
      return send();
    });

    const response = await handler(eraseRequest(lived.leadId));

    expect(response.statusCode).toBe(204);
    expect((await itemsMentioning([lived.leadId, lived.email, lived.phone])).map(named)).toEqual([]);
  });

  it('given the same person posting again while the erased lead\'s history is deleted, when erased, then the post made a new lead and every pointer names that one', async () => {
    const lived = await liveALead('new-race');
    let newLead = '';
    onceAround(lived.leadId, 'BatchWriteItemCommand', async (send) => {
      const received = await receive(zapPost({ event_id: `zap-after-${run}`, email: lived.email, phone: lived.phone, message: 'Hello again' }));
      expect(received).toMatchObject({ status: 'received' });
      newLead = received.leadId;
      return send();
    });

    const response = await handler(eraseRequest(lived.leadId));

    expect(response.statusCode).toBe(204);
    expect(newLead).not.toBe(lived.leadId);
    expect((await itemsMentioning([lived.leadId])).map(named)).toEqual([]);
    const about = await itemsMentioning([lived.email, lived.phone]);
    expect(about.filter((item) => item.type === 'contact').map((item) => item.leadId)).toEqual([newLead, newLead]);
    expect(about.filter((item) => item.pk !== `LEAD#${newLead}` && item.leadId !== newLead).map(named)).toEqual([]);
  });
});
