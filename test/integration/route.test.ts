import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocument } from '#shared/adapters/aws-clients.ts';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { repKey } from '#shared/adapters/rep-store.ts';
import { RepUnavailable } from '#shared/domain/errors.ts';
import { lambdaContext, loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
let relay: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
/** How far ahead of the wall clock the route function's clock (its deps' `now`) runs. */
let routerAheadMs = 0;

beforeAll(async () => {
  stack = await useLocalStack('route');
  handler = await stack.handler<SQSEvent, SQSBatchResponse>();
  // The effects relay runs on the route function's environment here: it has every variable the relay needs.
  const effects = await import('#functions/effects/handler.ts');
  relay = (event) => effects.handler(event, lambdaContext('EffectsFunction'));
  const { deps } = await import('#functions/route/composition.ts');
  Object.assign(deps, { now: () => new Date(Date.now() + routerAheadMs) });
});

/** Named so each test takes its injected collision out again, whatever happened. */
const COLLISION = 'routeTransactionConflict';
afterEach(() => {
  routerAheadMs = 0;
  dynamoDocument.middlewareStack.remove(COLLISION);
});

/** The sample SQS batch, one record per lead id, each with its own message id. */
function batchFor(...leadIds: string[]): SQSEvent {
  const sample = loadEvent<SQSEvent>('route/routing-batch.json');
  const [template] = sample.Records;
  return {
    Records: leadIds.map((leadId, i) => ({ ...template!, messageId: `${leadId}-${i}`, body: JSON.stringify({ leadId }) })),
  };
}

describe('route handler on DynamoDB Local, aws-ses-v2-local and the local Step Functions runtime', () => {
  it('given a received lead and an available rep, when routed, then the lead is offered, the rep emailed with links, and the SLA timer started', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const leadId = await stack.receiveLead({ firstName: 'Routed', email: 'routed@example.com' }, team.id);

    const response = await handler(batchFor(leadId));

    expect(response.batchItemFailures).toEqual([]);
    const lead = await stack.leads.get(leadId);
    expect(lead).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1 });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
    const [email, ...others] = await stack.emailsTo(team.reps[0]!.email);
    expect(others).toEqual([]);
    expect(email!.subject).toBe('New warm lead: Routed');
    expect(email!.links.filter((href) => href.startsWith(`${stack.publicBaseUrl}/a/`))).toHaveLength(2);
    // The test stack keeps the default warm tier: 15 minutes to accept.
    // and the owner is reminded 30 minutes before the 120-minute contact deadline.
    const acceptDeadline = new Date(Date.parse(lead!.offeredAt!) + 15 * 60_000).toISOString();
    const reminderAt = new Date(Date.parse(lead!.receivedAt) + 90 * 60_000).toISOString();
    expect(await stack.executions()).toContainEqual(
      expect.objectContaining({ name: expect.stringMatching(`^${leadId}-1-`), input: { leadId, attempt: 1, acceptDeadline, reminderAt, contactDeadline: lead!.contactDeadline } }),
    );
  });

  it("given the offer's transaction colliding twice with another write in flight (TransactionConflict), when routed, then it is tried again and the lead is offered once, with one email and one timer", async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const leadId = await stack.receiveLead({ firstName: 'Collided', email: 'collided@example.com' }, team.id);
    // DynamoDB cancels a transaction whose item another one is writing at that moment, and
    // writes nothing of it: so does this, for the first two that touch the lead.
    let collided = 0;
    dynamoDocument.middlewareStack.add(
      (next, context) => async (args) => {
        if (collided >= 2 || context.commandName !== 'TransactWriteItemsCommand' || !JSON.stringify(args.input).includes(`"LEAD#${leadId}"`)) return next(args);
        collided++;
        const items = (args.input as { TransactItems: unknown[] }).TransactItems;
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: items.map((_, i) => (i === 1 ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' })),
        });
      },
      { step: 'initialize', name: COLLISION },
    );

    const response = await handler(batchFor(leadId));

    expect(collided).toBe(2);
    expect(response.batchItemFailures).toEqual([]);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1 });
    expect((await stack.history(leadId)).filter((e) => e.kind === 'offered')).toHaveLength(1);
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
    expect(await stack.emailsTo(team.reps[0]!.email)).toHaveLength(1);
    expect((await stack.executions()).filter((e) => e.name.startsWith(leadId))).toHaveLength(1);
  });

  it('given the same message delivered several times at once and again later, when routed, then the lead is offered once and emailed once', async () => {
    const team = await stack.addTeam([{ capacity: 5 }, { capacity: 5 }]);
    const leadId = await stack.receiveLead({ firstName: 'Twice', email: 'twice@example.com' }, team.id);
    const event = batchFor(leadId);

    const concurrent = await Promise.all([handler(event), handler(event), handler(event), handler(event)]);
    const later = await handler(event);

    // At least one delivery completed; any other was told to come back later, and later nothing is left to do.
    expect(concurrent.some((response) => response.batchItemFailures.length === 0)).toBe(true);
    expect(later.batchItemFailures).toEqual([]);

    const offers = (await stack.history(leadId)).filter((e) => e.kind === 'offered');
    expect(offers).toHaveLength(1);
    const loads = await Promise.all(team.reps.map(async (rep) => (await stack.reps.get(rep.id))!.openLeads));
    expect(loads.reduce((a, b) => a + b, 0)).toBe(1);
    const emails = (await Promise.all(team.reps.map((rep) => stack.emailsTo(rep.email)))).flat();
    expect(emails).toHaveLength(1);
    expect((await stack.executions()).filter((e) => e.name.startsWith(leadId))).toHaveLength(1);
  });

  it('given an offer whose delivery crashed after committing, when redelivered three times at once and its effects reach the relay twice, then the rep gets exactly one email and one timer', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Crashed', email: 'crashed@example.com' }, team.id);
    // The offer committed with its email and timer recorded, none of them performed.
    await stack.offerTo(leadId, team.reps[0]!.id, { withFollowUps: true });
    expect((await stack.leads.effects(leadId)).map((effect) => effect.status)).toEqual(['pending', 'pending']);

    await Promise.all([handler(batchFor(leadId)), handler(batchFor(leadId)), handler(batchFor(leadId))]);
    const stream = await stack.effectStream(leadId);
    await Promise.all([relay(stream), relay(stream)]);

    expect(await stack.emailsTo(team.reps[0]!.email)).toHaveLength(1);
    expect((await stack.executions()).filter((execution) => execution.name.startsWith(`${leadId}-1-`))).toHaveLength(1);
    expect((await stack.leads.effects(leadId)).map((effect) => effect.status)).toEqual(['done', 'done']);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', attempt: 1 });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
  });

  it('given more leads than the team has room for, routed in concurrent batches, then no rep exceeds capacity and the rest are queued', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }, { capacity: 1 }]);
    const leadIds = await Promise.all(Array.from({ length: 9 }, (_, i) => stack.receiveLead({ email: `cap${i}@example.com` }, team.id)));

    // Three routers at once, three leads each, like three concurrent Lambda invocations.
    await Promise.all([0, 3, 6].map((start) => handler(batchFor(...leadIds.slice(start, start + 3)))));

    const leads = await Promise.all(leadIds.map((id) => stack.leads.get(id)));
    const byStatus = Object.groupBy(leads, (lead) => lead!.status);
    expect(byStatus.OFFERED).toHaveLength(5);
    expect(byStatus.QUEUED).toHaveLength(4);
    for (const rep of team.reps) {
      const stored = (await stack.reps.get(rep.id))!;
      expect(stored.openLeads).toBe(rep.capacity);
      expect(byStatus.OFFERED!.filter((lead) => lead!.ownerId === rep.id)).toHaveLength(rep.capacity);
    }
  });

  it('given a record that is not a routing message among good ones, when routed, then only that record is reported failed', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ email: 'good@example.com' }, team.id);
    const event = batchFor(leadId);
    event.Records.push({ ...event.Records[0]!, messageId: 'poison', body: 'not json' });

    const response = await handler(event);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'poison' }]);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED' });
  });
});

describe('route handler: a rep an admin switched off', () => {
  it('given a team with a rep an admin switched off, when leads are routed, then each goes to the rep still on, the other is skipped as disabled, and an offer made to them anyway is refused', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const [off, on] = team.reps;
    await dynamoDocument.send(
      new UpdateCommand({ TableName: process.env.TABLE_NAME!, Key: repKey(off!.id), UpdateExpression: 'SET disabled = :yes', ExpressionAttributeValues: { ':yes': true } }),
    );
    const leadIds = [await stack.receiveLead({ email: 'off.first@example.com' }, team.id), await stack.receiveLead({ email: 'off.second@example.com' }, team.id)];
    const direct = await stack.receiveLead({ email: 'off.direct@example.com' }, team.id);

    const response = await handler(batchFor(...leadIds));

    expect(response.batchItemFailures).toEqual([]);
    for (const leadId of leadIds) {
      expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: on!.id });
      const offered = (await stack.history(leadId)).find((event) => event.kind === 'offered');
      expect(offered?.detail).toMatchObject({ skipped: [{ repId: off!.id, reason: 'disabled' }] });
    }
    // A router whose roster was read before the switch: the offer's own transaction refuses the rep.
    await expect(stack.offerTo(direct, off!.id)).rejects.toThrow(RepUnavailable);
    expect(await stack.leads.get(direct)).toMatchObject({ status: 'RECEIVED' });
    expect(await stack.reps.get(off!.id)).toMatchObject({ openLeads: 0 });
    expect(await stack.emailsTo(off!.email)).toEqual([]);
  });
});

describe('route handler: a rep an admin moved to another team', () => {
  it("given a router that holds a team's roster, when the rep it would offer the next lead is moved to another team, then the offer refuses them and the lead goes to a rep still in the team", async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const other = await stack.addTeam([{ capacity: 3 }]);
    const first = await stack.receiveLead({ email: 'moved.first@example.com' }, team.id);
    const second = await stack.receiveLead({ email: 'moved.second@example.com' }, team.id);
    // The first lead fills the router's roster of the team, and shows whom it picks from it.
    await handler(batchFor(first));
    const picked = (await stack.leads.get(first))!.ownerId!;
    const stays = team.reps.find((rep) => rep.id !== picked)!;

    await stack.reps.updateByAdmin((await stack.reps.get(picked))!, { teamId: other.id });
    const response = await handler(batchFor(second));

    expect(response.batchItemFailures).toEqual([]);
    expect(await stack.leads.get(second)).toMatchObject({ status: 'OFFERED', ownerId: stays.id, teamId: team.id });
    expect(await stack.reps.get(picked)).toMatchObject({ teamId: other.id, openLeads: 1 });
  });
});

describe('route handler: an offer and its follow-ups in one transaction', () => {
  it('given a routed lead, when its message is delivered again, then the offer email and timer are recorded once with the offer and each performed once', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ firstName: 'Once', email: 'once-only@example.com' }, team.id);

    await handler(batchFor(leadId));
    await handler(batchFor(leadId));

    const effects = await stack.leads.effects(leadId);
    expect(effects.map((effect) => [effect.purpose, effect.status]).sort()).toEqual([
      ['offer-email', 'done'],
      ['sla-timer', 'done'],
    ]);
    expect((await stack.emailsTo(team.reps[0]!.email)).filter((email) => email.subject.includes('Once'))).toHaveLength(1);
    const timers = (await stack.executions()).filter((execution) => execution.name.startsWith(`${leadId}-1-`));
    expect(timers).toHaveLength(1);
  });
});

/** The same person got in touch again (through a public form), recorded on the lead: its routing message, for the test to deliver. */
async function resubmit(leadId: string, email: string, message: string): Promise<SQSEvent> {
  const at = new Date();
  await new IntakeStore(process.env.TABLE_NAME!, { outbox: stack.leads.outbox! }).join(leadId, {
    at,
    sourceId: 'web',
    contact: { email, message },
    fields: {},
    fillContact: false,
    idempotencyUntil: at.getTime() + 60_000,
    expiresAt: Math.floor(at.getTime() / 1000) + 3_600,
  });
  return routingRecord(JSON.stringify({ leadId, resubmittedAt: at.toISOString() }));
}

/** One SQS record of the sample batch with this body. */
function routingRecord(body: string): SQSEvent {
  const sample = loadEvent<SQSEvent>('route/routing-batch.json');
  return { Records: [{ ...sample.Records[0]!, messageId: `${body.length}-${Math.random()}`, body }] };
}

describe('route handler: the same person got in touch again', () => {
  it('given a resubmission joined to an offered lead, when its message is delivered three times, then the owner is emailed once with the new message', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const leadId = await stack.receiveLead({ firstName: 'Again', email: 'again@example.com' }, team.id);
    await handler(batchFor(leadId));
    const at = new Date();
    await new IntakeStore(process.env.TABLE_NAME!, { outbox: stack.leads.outbox! }).join(leadId, {
      at,
      sourceId: 'web',
      contact: { email: 'again@example.com', message: 'Still interested, call me after 5' },
      fields: {},
      fillContact: false,
      idempotencyUntil: at.getTime() + 60_000,
      expiresAt: Math.floor(at.getTime() / 1000) + 3_600,
    });
    const sample = loadEvent<SQSEvent>('route/routing-batch.json');
    const record = { ...sample.Records[0]!, body: JSON.stringify({ leadId, resubmittedAt: at.toISOString() }) };

    const responses = [await handler({ Records: [record] }), await handler({ Records: [record] }), await handler({ Records: [record] })];

    expect(responses.map((r) => r.batchItemFailures)).toEqual([[], [], []]);
    const notices = (await stack.emailsTo(team.reps[0]!.email)).filter((email) => email.subject.startsWith('Got in touch again'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.subject).toBe('Got in touch again: Again (warm)');
    expect(notices[0]!.text).toContain('Still interested, call me after 5');
  });

  it('given an offered lead sent again many times within an hour, one message delivered twice and two at once, then its owner gets one email; a resubmission after the hour brings a second with the count', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const leadId = await stack.receiveLead({ firstName: 'Often', email: 'often@example.com' }, team.id);
    await handler(batchFor(leadId));
    const notices = async () => (await stack.emailsTo(rep.email)).filter((email) => email.subject.startsWith('Got in touch again'));

    await handler(await resubmit(leadId, 'often@example.com', 'First try'));
    const held: SQSEvent[] = [];
    for (let i = 2; i <= 5; i++) held.push(await resubmit(leadId, 'often@example.com', `Try ${i}`));
    const [second, third, fourth, fifth] = held;
    const responses = [await handler(second!), await handler(second!), ...(await Promise.all([handler(third!), handler(fourth!)])), await handler(fifth!)];

    expect(responses.map((r) => r.batchItemFailures)).toEqual([[], [], [], [], []]);
    expect((await notices()).map((email) => email.subject)).toEqual(['Got in touch again: Often (warm)']);
    // What the hour held back is planned once, for the hour's end.
    const told = (await stack.leads.get(leadId))!;
    const planned = (await stack.leads.effects(leadId)).filter((effect) => effect.notBefore !== undefined);
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ purpose: 'route', status: 'pending', notBefore: new Date(Date.parse(told.resubmissionNoticeAt!) + 3_600_000).toISOString() });

    routerAheadMs = 61 * 60_000;
    await handler(await resubmit(leadId, 'often@example.com', 'Are you there?'));

    const sent = await notices();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.subject).toBe('Got in touch again, 5 times: Often (warm)');
    expect(sent[1]!.text).toContain('5 new messages since');
    expect(sent[1]!.text).toContain('Are you there?');
    expect(await stack.leads.get(leadId)).toMatchObject({ resubmissions: 6, resubmissionsTold: 6 });
  });

  it('given resubmissions held back within the hour and none after it, when the planned summary arrives (early, then twice after the hour), then the owner gets exactly one summary with their count', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const leadId = await stack.receiveLead({ firstName: 'Later', email: 'later@example.com' }, team.id);
    await handler(batchFor(leadId));
    const notices = async () => (await stack.emailsTo(rep.email)).filter((email) => email.subject.startsWith('Got in touch again'));
    await handler(await resubmit(leadId, 'later@example.com', 'One'));
    await handler(await resubmit(leadId, 'later@example.com', 'Two'));
    await handler(await resubmit(leadId, 'later@example.com', 'Three'));
    const [planned] = (await stack.leads.effects(leadId)).filter((effect) => effect.notBefore !== undefined);
    const summary = routingRecord(JSON.stringify((planned!.action as { message: unknown }).message));

    await handler(summary);
    const early = await notices();
    routerAheadMs = 60 * 60_000 + 1_000;
    await handler(summary);
    await handler(summary);

    expect(early).toHaveLength(1);
    const sent = await notices();
    expect(sent.map((email) => email.subject)).toEqual(['Got in touch again: Later (warm)', 'Got in touch again, 2 times: Later (warm)']);
    expect(sent[1]!.text).toContain('Two');
    expect(sent[1]!.text).toContain('Three');
  });

  it('given a routing message for a lead that was erased meanwhile, when delivered, then it is dropped without a retry', async () => {
    await stack.drainRoutingQueue();

    const response = await handler(batchFor('erased-lead-id'));

    expect(response.batchItemFailures).toEqual([]);
    // Dropped, not brought back: no lead made up for it, nothing sent on, no timer started.
    expect(await stack.leads.get('erased-lead-id')).toBeUndefined();
    expect(await stack.history('erased-lead-id')).toEqual([]);
    expect(await stack.drainRoutingQueue()).toEqual([]);
    expect((await stack.executions()).filter((execution) => execution.name.startsWith('erased-lead-id'))).toEqual([]);
  });
});
