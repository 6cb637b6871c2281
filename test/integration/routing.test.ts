import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EffectStatus } from '#shared/adapters/outbox.ts';
import { outboxFor, performersFromEnv } from '#shared/config/composition.ts';
import { requireEnv } from '#shared/config/runtime.ts';
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
    // Stored twenty at a time: the concurrency under test is the routing below, and two hundred
    // requests at once from one client would wait on its sockets past the connection timeout.
    const leadIds = await inGroupsOf(20, Array.from({ length: 200 }, (_, i) => () => stack.receiveLead({ email: `bulk${i}@example.com` }, team.id)));

    // Twenty concurrent invocations of ten records each, as Lambda scales out on a burst.
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, b) => handler(batchOf(leadIds.slice(b * 10, b * 10 + 10).map((leadId) => ({ leadId }))))),
    );
    // Anything reported failed comes back from SQS; deliver it again as SQS would, up to the
    // routing queue's five receives before its DLQ, each after a pause (SQS's visibility timeout,
    // shortened): a burst that timed out against a saturated table is not retried into it at once.
    let retry = responses.flatMap((r) => r.batchItemFailures.map((f) => JSON.parse(f.itemIdentifier.replace(/^m-\d+-/, '')) as object));
    for (let receive = 2; retry.length && receive <= 5; receive++) {
      await sleep(1_000 * receive);
      const again = await handler(batchOf(retry));
      retry = again.batchItemFailures.map((f) => JSON.parse(f.itemIdentifier.replace(/^m-\d+-/, '')) as object);
    }
    expect(retry).toEqual([]);
    // An email or timer the committing function could not perform at once (SES slow on a busy
    // machine) stays pending in the outbox, or claimed until its lease runs out when even marking
    // it failed; the relay performs it then, as the stream relay and the sweeper do on AWS. One
    // still being performed is waited for.
    const relay = outboxFor(requireEnv('TABLE_NAME'), performersFromEnv(['email', 'timer', 'message']));
    await vi.waitFor(
      async () => {
        const open: string[] = [];
        const now = new Date().toISOString();
        for (const leadId of leadIds) {
          for (const effect of await stack.leads.effects(leadId)) {
            const leaseOver = effect.status === EffectStatus.claimed && (effect.leaseUntil ?? '') < now;
            if (effect.status === EffectStatus.pending || leaseOver) await relay.relay(effect);
            else if (effect.status !== EffectStatus.done) open.push(`${leadId} ${effect.purpose} ${effect.status}`);
          }
        }
        if (open.length) throw new Error(`effects still being performed: ${open.slice(0, 5).join(', ')}`);
      },
      { timeout: 60_000, interval: 1_000 },
    );

    const leads = await inGroupsOf(20, leadIds.map((id) => () => stack.leads.get(id)));
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
    // Two hundred leads stored, routed and read back, and their emails waited for: minutes on a busy machine.
  }, 180_000);

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

    await stack.repDoes('pass', offeredId, rep.id, 1);
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
    const [email] = (await stack.emailsTo('marketing@integration.example.com')).filter((e) => e.subject === 'Lead for nurturing: Browsing (cold)');
    expect(email).toBeDefined();
    const nurture = (await stack.history(leadId)).find((event) => event.kind === 'nurture');
    expect(nurture?.detail).toMatchObject({ tier: 'cold', department: 'marketing', via: { kind: 'cold-to-marketing' } });
  });

  it('given a rep with a daily cap of 2 and room for more, when 6 leads arrive the same day, then they get 2 and the colleague the rest', async () => {
    const team = await stack.addTeam([{ capacity: 10, dailyCap: 2 }, { capacity: 10 }]);
    const leadIds = [];
    // Round robin alone would split six leads three and three; only the cap makes it two and four.
    for (let i = 0; i < 6; i++) leadIds.push(await stack.receiveLead({ email: `capped${i}@example.com` }, team.id));

    await Promise.all(leadIds.map((leadId) => handler(batchOf([{ leadId }]))));

    const owners = (await Promise.all(leadIds.map((id) => stack.leads.get(id)))).map((lead) => lead!.ownerId);
    expect(owners.filter((owner) => owner === team.reps[0]!.id)).toHaveLength(2);
    expect(owners.filter((owner) => owner === team.reps[1]!.id)).toHaveLength(4);
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 2, dayCount: 2 });
  });

  it('given a lead already offered as often as the stack allows, when it comes back for routing, then it waits in the team queue and says why', async () => {
    const team = await stack.addTeam([{ capacity: 5 }, { capacity: 5 }, { capacity: 5 }, { capacity: 5 }]);
    const leadId = await stack.receiveLead({ email: 'passed-around@example.com' }, team.id);
    // Three reps pass in turn (the default maxAttempts is 3).
    for (let attempt = 1; attempt <= 3; attempt++) {
      await handler(batchOf([{ leadId }]));
      const lead = (await stack.leads.get(leadId))!;
      expect(lead).toMatchObject({ status: 'OFFERED', attempt });
      await stack.repDoes('pass', leadId, lead.ownerId!, attempt);
    }

    await handler(batchOf([{ leadId }]));

    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'QUEUED', attempt: 3 });
    const queued = (await stack.history(leadId)).find((event) => event.kind === 'queued');
    expect(queued?.detail).toMatchObject({ reason: 'offered 3 times, the most this stack allows' });
    expect(await stack.reps.get(team.reps[3]!.id)).toMatchObject({ openLeads: 0 });
  });
});

describe('a lead every rep has passed on', () => {
  /** Routes the lead to each rep of the team in turn, and each passes. */
  async function passAround(leadId: string, reps: number) {
    for (let attempt = 1; attempt <= reps; attempt++) {
      await handler(batchOf([{ leadId }]));
      const lead = (await stack.leads.get(leadId))!;
      expect(lead).toMatchObject({ status: 'OFFERED', attempt });
      await stack.repDoes('pass', leadId, lead.ownerId!, attempt);
    }
  }

  it('given a team that opens such leads, when the last rep passes, then it waits in the queue, the manager is told, and every rep gets one claim link', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const leadId = await stack.receiveLead({ firstName: 'Open', lastName: 'Door', email: 'open-door@example.com' }, team.id);
    await passAround(leadId, 2);

    await handler(batchOf([{ leadId }]));
    await handler(batchOf([{ leadId }])); // redelivered: nothing is sent twice

    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'QUEUED', attempt: 2, openedAttempt: 2 });
    for (const rep of team.reps) {
      const invitations = (await stack.emailsTo(rep.email)).filter((e) => e.subject === `Open to Test team ${Number(team.id.slice(1))}: Open Door (warm)`);
      expect(invitations).toHaveLength(1);
      expect(invitations[0]!.links.filter((href) => href.startsWith(`${stack.publicBaseUrl}/a/`))).toHaveLength(1);
    }
    // The managers' addresses come from the shared test config: only the notice about this lead.
    const notices = (await stack.emailsTo(stack.managerEmail(team.id))).filter((e) => e.subject.startsWith('Waiting in the') && e.text.includes(leadId));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('the team has been invited to claim it');
    expect((await stack.history(leadId)).find((e) => e.kind === 'opened-to-team')?.detail).toEqual({ attempt: 2, repIds: team.reps.map((r) => r.id) });
  });

  it('given a team that only queues such leads, when the last rep passes, then it waits in the queue and no rep is invited', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }], 'queue-only');
    const leadId = await stack.receiveLead({ firstName: 'Closed', lastName: 'Door', email: 'closed-door@example.com' }, team.id);
    await passAround(leadId, 2);

    await handler(batchOf([{ leadId }]));

    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'QUEUED', attempt: 2 });
    for (const rep of team.reps) expect((await stack.emailsTo(rep.email)).filter((e) => e.subject.startsWith('Open to'))).toEqual([]);
    expect((await stack.history(leadId)).map((e) => e.kind)).not.toContain('opened-to-team');
  });
});

describe('a team whose SLA clock runs in business hours', () => {
  it('given a lead, when offered, then its deadlines count only the team hours (Mon–Fri 09:00–17:00 Berlin)', async () => {
    const team = await stack.addTeam([{ capacity: 3 }], 'office-hours');
    const leadId = await stack.receiveLead({ firstName: 'Office', email: 'office@example.com' }, team.id);

    await handler(batchOf([{ leadId }]));

    const lead = (await stack.leads.get(leadId))!;
    expect(lead).toMatchObject({ status: 'OFFERED', tier: 'warm' });
    // Whenever this runs, the 120 minutes of the warm tier end inside the office hours, and at
    // least 120 minutes after receipt: more when the night or a weekend falls in between.
    const deadline = new Date(lead.contactDeadline);
    const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(deadline);
    const part = (type: string) => berlin.find((p) => p.type === type)!.value;
    expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(part('weekday'));
    const minute = Number(part('hour')) * 60 + Number(part('minute'));
    expect(minute).toBeGreaterThan(9 * 60);
    expect(minute).toBeLessThanOrEqual(17 * 60);
    expect(deadline.getTime() - Date.parse(lead.receivedAt)).toBeGreaterThanOrEqual(120 * 60_000);
    const [execution] = (await stack.executions()).filter((e) => e.name.startsWith(`${leadId}-1-`));
    expect(execution?.input).toMatchObject({ contactDeadline: lead.contactDeadline });
  });
});

/** Runs the tasks `size` at a time, keeping their order. */
async function inGroupsOf<T>(size: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < tasks.length; start += size) results.push(...(await Promise.all(tasks.slice(start, start + size).map((task) => task()))));
  return results;
}
