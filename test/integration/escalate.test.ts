import { beforeAll, describe, expect, it } from 'vitest';
import type { EscalationOutcome } from '#shared/use-cases/escalate-lead.ts';
import type { ExpiryOutcome } from '#shared/use-cases/expire-offer.ts';
import { loadEvent, useLocalStack, type LocalStackForTests } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: unknown) => Promise<EscalationOutcome | ExpiryOutcome>;

beforeAll(async () => {
  stack = await useLocalStack('escalate');
  handler = await stack.handler<unknown, EscalationOutcome | ExpiryOutcome>();
});

const timerInput = (leadId: string, attempt: number, contactDeadline: string) => ({
  ...loadEvent<Record<string, unknown>>('escalate/sla-deadline.json'),
  leadId,
  attempt,
  contactDeadline,
});

describe('escalate handler on DynamoDB Local and aws-ses-v2-local', () => {
  it('given an offered lead nobody contacted, when its deadline fires, then the manager is emailed once, even if the task is retried', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Late', lastName: 'Lead', email: 'late@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);

    const first = await handler(timerInput(leadId, 1, lead.contactDeadline));
    const retry = await handler(timerInput(leadId, 1, lead.contactDeadline));

    expect(first).toEqual({ escalated: true, to: stack.managerEmail(team.id) });
    expect(retry).toEqual({ escalated: false, reason: 'already-escalated' });
    const emails = (await stack.emailsTo(stack.managerEmail(team.id))).filter((e) => e.subject === 'Not contacted in time: Late Lead');
    expect(emails).toHaveLength(1);
    expect(emails[0]!.text).toContain(team.reps[0]!.email);
    expect(await stack.history(leadId)).toContainEqual(expect.objectContaining({ kind: 'escalated' }));
  });

  it('given a contacted lead, when its deadline fires, then nobody is emailed', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Called', email: 'called@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.leads.markContacted(leadId, team.reps[0]!.id, 1, new Date());

    const outcome = await handler(timerInput(leadId, 1, lead.contactDeadline));

    expect(outcome).toEqual({ escalated: false, reason: 'settled' });
    expect((await stack.emailsTo(stack.managerEmail(team.id))).filter((e) => e.subject.includes('Called'))).toEqual([]);
  });

  it('given a timer of an earlier attempt, when it fires, then it does nothing', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Moved', email: 'moved@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);

    const outcome = await handler(timerInput(leadId, 0, lead.contactDeadline));

    expect(outcome).toEqual({ escalated: false, reason: 'stale-attempt' });
  });

  it('given a malformed timer input, when invoked, then it fails loudly instead of escalating nothing', async () => {
    await expect(handler({ leadId: 'x' })).rejects.toThrow();
  });

});

describe('escalate handler at the accept window, on DynamoDB Local, fauxqs and aws-ses-v2-local', () => {
  const acceptWindow = (leadId: string, attempt: number) => ({ ...loadEvent<Record<string, unknown>>('escalate/accept-window.json'), leadId, attempt });

  it('given an offer nobody answered, when its accept window passes, then it is taken back, the rep released and told, and the lead rerouted', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Unanswered', email: 'unanswered@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.drainRoutingQueue();

    const outcome = await handler(acceptWindow(leadId, 1));

    expect(outcome).toEqual({ expired: true, repId: team.reps[0]!.id });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'RECEIVED', attempt: 1, excludedReps: [team.reps[0]!.id] });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect(await stack.drainRoutingQueue()).toEqual([{ leadId }, { drainTeam: team.id }]);
    expect((await stack.emailsTo(team.reps[0]!.email)).map((e) => e.subject)).toContain('Lead moved on: Unanswered');
    expect(await stack.history(leadId)).toContainEqual(expect.objectContaining({ kind: 'offer-expired', actor: 'sla-timer' }));
  });

  it('given an offer the rep accepted in time, when its accept window passes, then nothing changes', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Taken', email: 'taken@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.leads.accept(leadId, team.reps[0]!.id, 1, new Date());
    await stack.drainRoutingQueue();

    const outcome = await handler(acceptWindow(leadId, 1));

    expect(outcome).toEqual({ expired: false, reason: 'answered' });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: team.reps[0]!.id });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given the same accept window firing twice (a retried task), then the offer is taken back once', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Twice', email: 'twice-expired@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);

    const outcomes = await Promise.all([handler(acceptWindow(leadId, 1)), handler(acceptWindow(leadId, 1))]);

    expect(outcomes.filter((o) => 'expired' in o && o.expired)).toHaveLength(1);
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect((await stack.history(leadId)).filter((e) => e.kind === 'offer-expired')).toHaveLength(1);
  });
});
