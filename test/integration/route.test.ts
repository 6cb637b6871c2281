import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  stack = await useLocalStack('route');
  handler = await stack.handler<SQSEvent, SQSBatchResponse>();
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
    expect(lead).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1, notifiedAttempt: 1 });
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
      expect.objectContaining({ name: `${leadId}-1`, input: { leadId, attempt: 1, acceptDeadline, reminderAt, contactDeadline: lead!.contactDeadline } }),
    );
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

  it('given an offer committed by a delivery that crashed before emailing, when redelivered three times at once, then the rep gets exactly one email', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Crashed', email: 'crashed@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);

    await Promise.all([handler(batchFor(leadId)), handler(batchFor(leadId)), handler(batchFor(leadId))]);

    expect(await stack.emailsTo(team.reps[0]!.email)).toHaveLength(1);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', notifiedAttempt: 1 });
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

describe('offer notification claims on DynamoDB Local', () => {
  it('given an offered lead, when two deliveries claim its notification, then only one gets it until the lease lapses', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const leadId = await stack.receiveLead({ email: 'claim@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const now = new Date();

    const claims = await Promise.all([1, 2, 3].map(() => stack.leads.claimNotification(leadId, 1, now, 60_000)));
    const takeover = await stack.leads.claimNotification(leadId, 1, new Date(now.getTime() + 61_000), 60_000);
    await stack.leads.markNotified(leadId, 1);
    const afterNotified = await stack.leads.claimNotification(leadId, 1, new Date(now.getTime() + 200_000), 60_000);

    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(takeover).toBe(true);
    expect(afterNotified).toBe(false);
  });
});

describe('route handler: the same person got in touch again', () => {
  it('given a resubmission joined to an offered lead, when its message is delivered three times, then the owner is emailed once with the new message', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const leadId = await stack.receiveLead({ firstName: 'Again', email: 'again@example.com' }, team.id);
    await handler(batchFor(leadId));
    const at = new Date();
    await new IntakeStore(process.env.TABLE_NAME!).join(leadId, {
      at,
      sourceId: 'web',
      contact: { email: 'again@example.com', message: 'Still interested, call me after 5' },
      fields: {},
      idempotencyUntil: at.getTime() + 60_000,
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

  it('given a routing message for a lead that was erased meanwhile, when delivered, then it is dropped without a retry', async () => {
    const response = await handler(batchFor('erased-lead-id'));

    expect(response.batchItemFailures).toEqual([]);
  });
});
