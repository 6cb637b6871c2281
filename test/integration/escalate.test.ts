import { beforeAll, describe, expect, it } from 'vitest';
import { $ZodError } from 'zod/v4/core';
import type { EscalationOutcome } from '#shared/use-cases/escalate-lead.ts';
import type { ExpiryOutcome } from '#shared/use-cases/expire-offer.ts';
import type { ReminderOutcome } from '#shared/use-cases/remind-owner.ts';
import { loadEvent, useLocalStack, type LocalStackForTests, sortMessages } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: unknown) => Promise<EscalationOutcome | ExpiryOutcome | ReminderOutcome>;

beforeAll(async () => {
  stack = await useLocalStack('escalate');
  handler = await stack.handler<unknown, EscalationOutcome | ExpiryOutcome | ReminderOutcome>();
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

    expect(first).toEqual({ escalated: true, to: stack.managerEmail(team.id), reassigned: false });
    expect(retry).toEqual({ escalated: false, reason: 'already-escalated' });
    const emails = (await stack.emailsTo(stack.managerEmail(team.id))).filter((e) => e.subject === 'Not contacted in time: Late Lead (warm)');
    expect(emails).toHaveLength(1);
    expect(emails[0]!.text).toContain(team.reps[0]!.email);
    expect(emails[0]!.text).toContain(`It stays with Rep ${team.reps[0]!.id}.`);
    // The manager reads the lead's story: received, then offered to the rep.
    expect(emails[0]!.text).toMatch(/History:\n- .+ \| received \| webhook \| → RECEIVED\n- .+ \| offered \| router, to /);
    expect(await stack.history(leadId)).toContainEqual(expect.objectContaining({ kind: 'escalated' }));
  });

  it('given a contacted lead, when its deadline fires, then nobody is emailed', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Called', email: 'called@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.repDoes('contacted', leadId, team.reps[0]!.id, 1);

    const outcome = await handler(timerInput(leadId, 1, lead.contactDeadline));

    expect(outcome).toEqual({ escalated: false, reason: 'settled' });
    expect((await stack.emailsTo(stack.managerEmail(team.id))).filter((e) => e.subject.includes('Called'))).toEqual([]);
  });

  it('given a timer of an earlier attempt, when it fires, then the lead stays with its rep and nobody is emailed or sent to routing', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Moved', email: 'moved@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.drainRoutingQueue();

    const outcome = await handler(timerInput(leadId, 0, lead.contactDeadline));

    expect(outcome).toEqual({ escalated: false, reason: 'stale-attempt' });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1 });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
    expect((await stack.history(leadId)).map((e) => e.kind)).toEqual(['received', 'offered']);
    expect(await stack.leads.effects(leadId)).toEqual([]);
    expect((await stack.emailsTo(stack.managerEmail(team.id))).filter((e) => e.subject.includes('Moved'))).toEqual([]);
    expect(await stack.emailsTo(team.reps[0]!.email)).toEqual([]);
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given a malformed timer input, when invoked, then it fails loudly instead of escalating nothing', async () => {
    await expect(handler({ leadId: 'x' })).rejects.toThrow($ZodError);
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
    // Performed at once and in parallel after the take-back: in either order.
    expect(sortMessages(await stack.drainRoutingQueue())).toEqual(sortMessages([{ leadId }, { drainTeam: team.id }]));
    expect((await stack.emailsTo(team.reps[0]!.email)).map((e) => e.subject)).toContain('Lead moved on: Unanswered (warm)');
    expect(await stack.history(leadId)).toContainEqual(expect.objectContaining({ kind: 'offer-expired', actor: 'sla-timer' }));
  });

  it('given an offer the rep accepted in time, when its accept window passes, then nothing changes', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Taken', email: 'taken@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.repDoes('accept', leadId, team.reps[0]!.id, 1);
    await stack.drainRoutingQueue();

    const outcome = await handler(acceptWindow(leadId, 1));

    expect(outcome).toEqual({ expired: false, reason: 'answered' });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: team.reps[0]!.id });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
    expect(await stack.drainRoutingQueue()).toEqual([]);
    expect((await stack.history(leadId)).map((e) => e.kind)).toEqual(['received', 'offered', 'accepted']);
    expect(await stack.emailsTo(team.reps[0]!.email)).toEqual([]);
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

describe('escalate handler at the reminder and for teams that reassign missed leads', () => {
  const step = (file: string, leadId: string, attempt: number, contactDeadline: string, over: Record<string, unknown> = {}) => ({
    ...loadEvent<Record<string, unknown>>(file),
    leadId,
    attempt,
    contactDeadline,
    reminderAt: new Date(Date.parse(contactDeadline) - 60_000).toISOString(),
    ...over,
  });

  it('given an accepted lead not yet contacted, when its reminder time comes twice (a retried task), then the owner is reminded once with the contacted link', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Remind', lastName: 'Me', email: 'remind@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.repDoes('accept', leadId, team.reps[0]!.id, 1);

    const first = await handler(step('escalate/reminder.json', leadId, 1, lead.contactDeadline));
    const retry = await handler(step('escalate/reminder.json', leadId, 1, lead.contactDeadline));

    expect(first).toEqual({ reminded: true, repId: team.reps[0]!.id });
    expect(retry).toEqual({ reminded: false, reason: 'already-reminded' });
    const reminders = (await stack.emailsTo(team.reps[0]!.email)).filter((e) => e.subject.startsWith('Reminder: contact Remind Me (warm) by'));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.links.filter((href) => href.startsWith(`${stack.publicBaseUrl}/a/`))).toHaveLength(1);
    expect(reminders[0]!.text).toContain('I contacted them: ');
    expect(await stack.history(leadId)).toContainEqual(expect.objectContaining({ kind: 'reminded', detail: { attempt: 1 } }));
  });

  it('given a contacted lead, a queued lead, or a tier without reminders, when the reminder step runs, then nobody is emailed', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const contactedId = await stack.receiveLead({ firstName: 'Done', email: 'done-already@example.com' }, team.id);
    const contacted = await stack.offerTo(contactedId, team.reps[0]!.id);
    await stack.repDoes('contacted', contactedId, team.reps[0]!.id, 1);
    const offeredId = await stack.receiveLead({ firstName: 'NoReminder', email: 'no-reminder@example.com' }, team.id);
    const offered = await stack.offerTo(offeredId, team.reps[0]!.id);

    const outcomes = [
      await handler(step('escalate/reminder.json', contactedId, 1, contacted.contactDeadline)),
      await handler(step('escalate/reminder.json', offeredId, 1, offered.contactDeadline, { reminderAt: offered.contactDeadline })),
    ];

    expect(outcomes).toEqual([
      { reminded: false, reason: 'no-owner' },
      { reminded: false, reason: 'no-reminder' },
    ]);
    expect((await stack.emailsTo(team.reps[0]!.email)).filter((e) => e.subject.startsWith('Reminder'))).toEqual([]);
  });

  it('given a team that reassigns missed leads, when an accepted lead passes its deadline uncontacted, then the manager is told, the rep loses it and is told, and it is routed again with a fresh SLA', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }], 'reassigning');
    const leadId = await stack.receiveLead({ firstName: 'Missed', lastName: 'Call', email: 'missed@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.repDoes('accept', leadId, team.reps[0]!.id, 1);
    await stack.drainRoutingQueue();
    const before = Date.now();

    const outcome = await handler(step('escalate/sla-deadline.json', leadId, 1, lead.contactDeadline));
    const retry = await handler(step('escalate/sla-deadline.json', leadId, 1, lead.contactDeadline));

    expect(outcome).toEqual({ escalated: true, to: 'manager.reassigning@example.com', reassigned: true });
    expect(retry).toEqual({ escalated: false, reason: 'already-escalated' });
    const after = (await stack.leads.get(leadId))!;
    expect(after).toMatchObject({ status: 'RECEIVED', attempt: 1, excludedReps: [team.reps[0]!.id], missedBy: [team.reps[0]!.id] });
    expect(after.ownerId).toBeUndefined();
    expect(Date.parse(after.slaStartedAt!)).toBeGreaterThanOrEqual(before);
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    // The reassignment recorded the lead's routing and the team queue's drain with it, once: the retry adds nothing.
    expect(await stack.drainRoutingQueue()).toEqual(expect.arrayContaining([{ leadId }, { drainTeam: team.id }]));
    expect(await stack.leads.effects(leadId)).toHaveLength(4);
    const [escalation] = (await stack.emailsTo('manager.reassigning@example.com')).filter((e) => e.subject === 'Not contacted in time: Missed Call (warm)');
    expect(escalation!.text).toContain(`It has been taken from Rep ${team.reps[0]!.id}`);
    expect((await stack.emailsTo(team.reps[0]!.email)).map((e) => e.subject)).toContain('Lead moved on: Missed Call (warm)');
    expect((await stack.history(leadId)).map((e) => e.kind)).toEqual(['received', 'offered', 'accepted', 'escalated', 'reassigned']);
  });

  it('given a team that keeps missed leads, when the deadline passes, then the rep keeps the lead and only the manager is told', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Kept', email: 'kept@example.com' }, team.id);
    const lead = await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.repDoes('accept', leadId, team.reps[0]!.id, 1);
    await stack.drainRoutingQueue();

    const outcome = await handler(step('escalate/sla-deadline.json', leadId, 1, lead.contactDeadline));

    expect(outcome).toEqual({ escalated: true, to: stack.managerEmail(team.id), reassigned: false });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: team.reps[0]!.id });
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });
});
