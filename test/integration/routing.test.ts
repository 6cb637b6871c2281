import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  stack = await useLocalStack('route');
  handler = await stack.handler<SQSEvent, SQSBatchResponse>();
});

function batchOf(bodies: readonly object[]): SQSEvent {
  const [template] = loadEvent<SQSEvent>('route/routing-batch.json').Records;
  return { Records: bodies.map((body, i) => ({ ...template!, messageId: `m-${i}-${JSON.stringify(body)}`, body: JSON.stringify(body) })) };
}

describe('routing engine on DynamoDB Local', () => {
  it('given 5 reps of capacity 10, when 200 leads are routed concurrently, then exactly 50 are offered, no rep exceeds 10, 150 wait in the team queue, and none is lost', async () => {
    const team = await stack.addTeam(Array.from({ length: 5 }, () => ({ capacity: 10 })));
    const leadIds = await Promise.all(Array.from({ length: 200 }, (_, i) => stack.receiveLead({ email: `bulk${i}@example.com` }, team.id)));

    // Twenty concurrent invocations of ten records each, as Lambda scales out on a burst.
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, b) => handler(batchOf(leadIds.slice(b * 10, b * 10 + 10).map((leadId) => ({ leadId }))))),
    );
    // Anything reported failed comes back from SQS; deliver it again as SQS would.
    const retry = responses.flatMap((r) => r.batchItemFailures.map((f) => JSON.parse(f.itemIdentifier.replace(/^m-\d+-/, '')) as object));
    if (retry.length) await handler(batchOf(retry));

    const leads = await Promise.all(leadIds.map((id) => stack.leads.get(id)));
    const byStatus = Object.groupBy(leads, (lead) => lead!.status);
    expect(byStatus.OFFERED).toHaveLength(50);
    expect(byStatus.QUEUED).toHaveLength(150);
    expect(leads.every((lead) => lead!.status === 'OFFERED' || lead!.status === 'QUEUED')).toBe(true);
    for (const rep of team.reps) {
      expect((await stack.reps.get(rep.id))!.openLeads).toBe(10);
      expect(byStatus.OFFERED!.filter((lead) => lead!.ownerId === rep.id)).toHaveLength(10);
      expect(await stack.emailsTo(rep.email)).toHaveLength(10);
    }
    expect(await stack.leads.teamQueue(team.id, 200)).toHaveLength(150);
    // The managers' addresses come from the shared test config: count only notices about these leads.
    const notices = (await stack.emailsTo(stack.managerEmail(team.id))).filter(
      (email) => email.subject.startsWith('Waiting in the') && /bulk\d+@example\.com/.test(email.text),
    );
    expect(notices).toHaveLength(1);
  });

  it('given queued leads of different tiers, when the team queue is read, then hot comes before warm, and older before newer', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const first = await stack.receiveLead({ email: 'takes-the-slot@example.com' }, team.id);
    const warmOld = await stack.receiveLead({ email: 'warm-old@example.com' }, team.id);
    const warmNew = await stack.receiveLead({ email: 'warm-new@example.com' }, team.id);
    const hot = await stack.receiveLead({ email: 'hot@example.com', priority: 'urgent' }, team.id);

    for (const leadId of [first, warmOld, warmNew, hot]) await handler(batchOf([{ leadId }]));

    expect(await stack.leads.get(first)).toMatchObject({ status: 'OFFERED' });
    expect(await stack.leads.teamQueue(team.id)).toEqual([hot, warmOld, warmNew]);
    expect(await stack.leads.get(hot)).toMatchObject({ status: 'QUEUED', tier: 'hot' });
  });

  it('given a full rep and a queued lead, when the rep passes on their lead and the team queue drains, then the queued lead is offered to them', async () => {
    const team = await stack.addTeam([{ capacity: 1 }]);
    const rep = team.reps[0]!;
    const offeredId = await stack.receiveLead({ email: 'first@example.com' }, team.id);
    const waitingId = await stack.receiveLead({ email: 'waiting@example.com' }, team.id);
    await handler(batchOf([{ leadId: offeredId }]));
    await handler(batchOf([{ leadId: waitingId }]));
    expect(await stack.leads.get(waitingId)).toMatchObject({ status: 'QUEUED' });

    await stack.leads.reject(offeredId, rep.id, 1, new Date(), 'not for me');
    await handler(batchOf([{ leadId: offeredId }, { drainTeam: team.id }]));

    expect(await stack.leads.get(waitingId)).toMatchObject({ status: 'OFFERED', ownerId: rep.id });
    expect(await stack.leads.get(offeredId)).toMatchObject({ status: 'QUEUED', excludedReps: [rep.id] });
    expect(await stack.leads.teamQueue(team.id)).toEqual([offeredId]);
  });

  it('given a cold lead, when routed, then it goes to marketing by email, no rep is offered it, and the history says why', async () => {
    const team = await stack.addTeam([{ capacity: 5 }]);
    const leadId = await stack.receiveLead({ firstName: 'Browsing', email: 'browsing@example.com', interest: 'none' }, team.id);

    await handler(batchOf([{ leadId }]));

    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'NURTURE', tier: 'cold' });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    const [email] = (await stack.emailsTo('marketing@integration.example.com')).filter((e) => e.subject === 'Lead for nurturing: Browsing');
    expect(email).toBeDefined();
    const nurture = (await stack.history(leadId)).find((event) => event.kind === 'nurture');
    expect(nurture?.detail).toMatchObject({ tier: 'cold', department: 'marketing', via: { kind: 'cold-to-marketing' } });
  });
});
