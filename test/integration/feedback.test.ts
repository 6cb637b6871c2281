import { SESClient } from '@aws-sdk/client-ses';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SNSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FeedbackResult } from '#functions/feedback/handler.ts';
import { Mailer } from '#shared/adapters/mailer.ts';
import { OneTimeTokens } from '#shared/adapters/one-time-tokens.ts';
import { RosterCache } from '#shared/adapters/roster-cache.ts';
import { RoutingMessageSchema } from '#shared/adapters/routing-queue.ts';
import { adminRepStoreFor, leadStoreFor } from '#shared/config/composition.ts';
import { loadRoutingSettings, minutesToMs, requireEnv } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import { importReps } from '#shared/use-cases/import-reps.ts';
import { assignByHand, pullNextLead, type RepPortalDeps } from '#shared/use-cases/rep-portal.ts';
import { drainTeamQueue, routeLead, type RouteLeadDeps } from '#shared/use-cases/route-lead.ts';
import { lambdaContext, loadEvent, refuseOnce, useLocalStack, type LocalStackForTests, type TestTeam, sortMessages } from './support.ts';

/**
 * The feedback function against DynamoDB Local, fauxqs and aws-ses-v2-local, with the router
 * that offers the leads it takes back. The stack is provisioned with the portal function's
 * environment, which holds everything the feedback function reads (table, routing queue,
 * sender, configuration set, stack config) with the values the stack gives it, plus the SLA
 * state machine the router starts timers on.
 */

let stack: LocalStackForTests;
let feedback: (event: SNSEvent) => Promise<{ results: FeedbackResult[] }>;
let relay: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
let router: RouteLeadDeps;

beforeAll(async () => {
  stack = await useLocalStack('portal');
  // Loaded after the environment is set, like a cold start.
  const module = await import('#functions/feedback/handler.ts');
  feedback = (event) => module.handler(event, lambdaContext('FeedbackFunction'));
  relay = await stack.relay();
  const settings = loadRoutingSettings();
  // The route function's use case on the same adapters as its handler builds them.
  router = {
    // Performs what its transitions record, as the route function's own store does.
    leads: leadStoreFor(requireEnv('TABLE_NAME'), ['email', 'timer', 'message']),
    reps: stack.reps,
    roster: new RosterCache(stack.reps),
    config: settings.routing,
    minutes: (minutes) => minutesToMs(minutes),
    actionUrl: actionLinkBuilder(stack.signingKey, stack.publicBaseUrl, settings.linkTtlHours),
    now: () => new Date(),
  };
});

const Notification = z.looseObject({
  bounce: z.looseObject({ bouncedRecipients: z.array(z.looseObject({})) }),
});

/** The sample SNS bounce of `events/feedback/`, addressed to `address`, with its own ids. */
function bounceFor(address: string, bounce: Record<string, unknown> = {}): SNSEvent {
  const sample = loadEvent<SNSEvent>('feedback/ses-bounce.json');
  const record = sample.Records[0]!;
  const message = Notification.parse(JSON.parse(record.Sns.Message));
  const [recipient] = message.bounce.bouncedRecipients;
  const changed = {
    ...message,
    bounce: { ...message.bounce, bouncedRecipients: [{ ...recipient, emailAddress: address }], feedbackId: `feedback-${randomUUID()}`, ...bounce },
  };
  return { Records: [{ ...record, Sns: { ...record.Sns, MessageId: randomUUID(), Message: JSON.stringify(changed) } }] };
}

/** What the routing queue holds now, routed in order as the route function would. */
async function routeWhatIsQueued(): Promise<unknown[]> {
  const bodies = await stack.drainRoutingQueue();
  for (const body of bodies) {
    const message = RoutingMessageSchema.parse(body);
    if ('drainTeam' in message) await drainTeamQueue(message.drainTeam, router);
    else await routeLead(message.leadId, router);
  }
  return bodies;
}

async function managerNotices(team: TestTeam, repIndex = 0) {
  const rep = team.reps[repIndex]!;
  return (await stack.emailsTo(stack.managerEmail(team.id))).filter((email) => email.subject.startsWith(`Lead emails to Rep ${rep.id} bounce`) && email.text.includes(rep.email));
}

describe('feedback handler on DynamoDB Local, fauxqs and aws-ses-v2-local', () => {
  it('given a rep whose address bounces for good, when the bounce arrives, then the rep is marked unreachable and the manager gets one email saying who, which address, why and what to do', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;

    const { results } = await feedback(bounceFor(rep.email));

    expect(results).toEqual([
      { snsMessageId: expect.any(String), outcomes: [{ address: rep.email, kind: 'marked', repId: rep.id, takenBack: [], told: [stack.managerEmail(team.id)] }] },
    ]);
    expect((await stack.reps.get(rep.id))?.unreachable).toMatchObject({
      reason: 'bounce',
      address: rep.email,
      subType: 'General',
      diagnostic: 'smtp; 550 5.1.1 <ana@demo.example.com>: Recipient address rejected: User unknown in virtual mailbox table',
      since: '2026-03-02T09:41:02.669Z',
      noticedAt: expect.any(String),
    });
    const [notice, ...more] = await managerNotices(team);
    expect(more).toEqual([]);
    expect(notice!.text).toContain(`at ${rep.email} cannot be delivered: the receiving mail server refused them for good (permanent bounce, General)`);
    expect(notice!.text).toContain(`Import the rep again with their id (${rep.id}) and the right address.`);
    expect(notice!.text).toContain(`${rep.id},Rep ${rep.id},the.corrected@address,${team.id},3`);
  });

  it('given the same bounce delivered twice in a row, and another twice at once, then each rep is marked once and each manager told once', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const [again, atOnce] = team.reps;
    const redelivered = bounceFor(again!.email);
    const concurrent = bounceFor(atOnce!.email);

    const first = await feedback(redelivered);
    const second = await feedback(redelivered);
    const both = await Promise.all([feedback(concurrent), feedback(concurrent)]);

    expect(first.results[0]).toMatchObject({ outcomes: [{ kind: 'marked', told: [stack.managerEmail(team.id)] }] });
    expect(second.results[0]).toMatchObject({ outcomes: [{ kind: 'already-marked', told: [] }] });
    const outcomes = both.map(({ results }) => (results[0] && 'outcomes' in results[0] ? results[0].outcomes[0] : undefined));
    expect(outcomes.map((outcome) => outcome?.kind).sort()).toEqual(['already-marked', 'marked']);
    // Either of the two may have recorded the notice, never both.
    expect(outcomes.flatMap((outcome) => (outcome && 'told' in outcome ? outcome.told : []))).toEqual([stack.managerEmail(team.id)]);
    expect(await managerNotices(team, 0)).toHaveLength(1);
    expect(await managerNotices(team, 1)).toHaveLength(1);
    expect(await stack.reps.effects(again!.id)).toHaveLength(1);
    expect(await stack.reps.effects(atOnce!.id)).toHaveLength(1);
  });

  it('given a delivery that marked the rep and died before noting the notice, when Lambda retries it at once, then the retry records the notice and the manager is told once', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const bounce = bounceFor(rep.email);
    // What the first delivery left: the mark, and no notice (nor anything recorded under the rep).
    expect(await stack.reps.markUnreachable(rep.id, rep.email, { since: '2026-03-02T09:41:02.669Z', reason: 'bounce', address: rep.email, subType: 'General', feedbackId: 'died' })).toBe(true);

    const retried = await feedback(bounce);
    const again = await feedback(bounce);

    expect(retried.results[0]).toMatchObject({ outcomes: [{ kind: 'already-marked', told: [stack.managerEmail(team.id)] }] });
    expect(again.results[0]).toMatchObject({ outcomes: [{ kind: 'already-marked', told: [] }] });
    expect(await managerNotices(team)).toHaveLength(1);
    expect(await stack.reps.effects(rep.id)).toEqual([expect.objectContaining({ purpose: 'unreachable-notice', status: 'done' })]);
  });

  it('given a bounce whose manager notice SES refuses at once, when the relay gets the recorded notice (twice), then the manager gets it once, and a redelivered bounce records no second notice', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const manager = stack.managerEmail(team.id);
    const bounce = bounceFor(rep.email);
    const refusal = refuseOnce('ses', `Lead emails to Rep ${rep.id} bounce`);

    const { results } = await feedback(bounce);
    const sentAtOnce = await managerNotices(team);
    const [recorded, ...more] = await stack.reps.effects(rep.id);
    const stream = await stack.effectStream({ repId: rep.id });
    const failures = [(await relay(stream)).batchItemFailures, (await relay(stream)).batchItemFailures];
    const redelivered = await feedback(bounce);

    expect(results[0]).toMatchObject({ outcomes: [{ kind: 'marked', told: [manager] }] });
    expect(refusal.refused).toBe(1);
    expect(sentAtOnce).toEqual([]);
    expect(more).toEqual([]);
    expect(recorded).toMatchObject({
      repId: rep.id,
      purpose: 'unreachable-notice',
      status: 'pending',
      attempts: 1,
      action: { kind: 'email', email: { to: manager, subject: expect.stringContaining(`Rep ${rep.id}`) } },
      lastError: expect.stringContaining('injected'),
    });
    expect(failures).toEqual([[], []]);
    expect(redelivered.results[0]).toMatchObject({ outcomes: [{ kind: 'already-marked', told: [] }] });
    const [notice, ...twice] = await managerNotices(team);
    expect(twice).toEqual([]);
    expect(notice!.text).toContain(`Import the rep again with their id (${rep.id}) and the right address.`);
    expect(await stack.reps.effects(rep.id)).toEqual([expect.objectContaining({ id: (recorded as { id: string }).id, status: 'done' })]);
    expect((await stack.reps.get(rep.id))?.unreachable).toMatchObject({ noticedAt: expect.any(String) });
  });

  it('given a rep of a team no longer in the config, when their address bounces, then the mark is noticed with nothing recorded and nobody told', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    await stack.reps.updateByAdmin((await stack.reps.get(rep.id))!, { teamId: `gone-${team.id}` });

    const { results } = await feedback(bounceFor(rep.email));

    expect(results[0]).toMatchObject({ outcomes: [{ kind: 'marked', told: [] }] });
    expect((await stack.reps.get(rep.id))?.unreachable).toMatchObject({ noticedAt: expect.any(String) });
    expect(await stack.reps.effects(rep.id)).toEqual([]);
  });

  it('given a rep holding an offered and an accepted lead, when their address bounces, then the offer is taken back and routed to a colleague, and the accepted lead stays', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const [bounced, colleague] = team.reps;
    const offeredId = await stack.receiveLead({ firstName: 'Unseen', lastName: 'Offer', email: 'unseen-offer@example.com' }, team.id);
    const acceptedId = await stack.receiveLead({ firstName: 'Already', lastName: 'Accepted', email: 'already-accepted@example.com' }, team.id);
    await stack.offerTo(offeredId, bounced!.id);
    await stack.offerTo(acceptedId, bounced!.id);
    await stack.repDoes('accept', acceptedId, bounced!.id, 1);
    await stack.drainRoutingQueue();

    const { results } = await feedback(bounceFor(bounced!.email));

    expect(results[0]).toMatchObject({ outcomes: [{ kind: 'marked', takenBack: [offeredId] }] });
    expect(await stack.leads.get(offeredId)).toMatchObject({ status: 'RECEIVED', excludedReps: [bounced!.id] });
    expect(await stack.leads.get(acceptedId)).toMatchObject({ status: 'ACCEPTED', ownerId: bounced!.id });
    expect(await stack.reps.get(bounced!.id)).toMatchObject({ openLeads: 1 });
    expect(await stack.history(offeredId)).toContainEqual(
      expect.objectContaining({ kind: 'offer-undeliverable', actor: 'ses-feedback', detail: { attempt: 1, reason: `the offer email to ${bounced!.email} bounced` } }),
    );
    const [notice] = await managerNotices(team);
    expect(notice!.text).toContain('One lead that was offered to');
    expect(notice!.text).toContain(`Unseen Offer (warm) (lead ${offeredId})`);
    // Nothing is sent to the address that bounces.
    expect((await stack.emailsTo(bounced!.email)).filter((email) => email.subject.startsWith('Lead moved on'))).toEqual([]);

    expect(sortMessages(await routeWhatIsQueued())).toEqual(sortMessages([{ leadId: offeredId }, { drainTeam: team.id }]));
    expect(await stack.leads.get(offeredId)).toMatchObject({ status: 'OFFERED', ownerId: colleague!.id, attempt: 2 });
    expect((await stack.emailsTo(colleague!.email)).map((email) => email.subject)).toContain('New warm lead: Unseen Offer');
  });

  it('given a transient bounce, a delivery, and a bounce for an address that is no rep, then nothing changes and nothing fails', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    const leadId = await stack.receiveLead({ firstName: 'Still', lastName: 'Offered', email: 'still-offered@example.com' }, team.id);
    await stack.offerTo(leadId, rep.id);
    const sample = loadEvent<SNSEvent>('feedback/ses-bounce.json').Records[0]!;
    const delivery: SNSEvent = {
      Records: [{ ...sample, Sns: { ...sample.Sns, Message: JSON.stringify({ eventType: 'Delivery', mail: { messageId: 'm-1' }, delivery: { recipients: [rep.email] } }) } }],
    };
    await stack.drainRoutingQueue();

    const transient = await feedback(bounceFor(rep.email, { bounceType: 'Transient', bounceSubType: 'MailboxFull' }));
    const delivered = await feedback(delivery);
    const manager = await feedback(bounceFor(stack.managerEmail(team.id)));

    expect(transient.results).toEqual([{ snsMessageId: expect.any(String), ignored: 'transient bounce' }]);
    expect(delivered.results).toEqual([{ snsMessageId: expect.any(String), ignored: 'Delivery' }]);
    expect(manager.results[0]).toMatchObject({ outcomes: [{ kind: 'not-a-rep', address: stack.managerEmail(team.id) }] });
    expect((await stack.reps.get(rep.id))?.unreachable).toBeUndefined();
    expect(await stack.reps.get(rep.id)).toMatchObject({ openLeads: 1 });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: rep.id, attempt: 1 });
    expect((await stack.history(leadId)).map((event) => event.kind)).toEqual(['received', 'offered']);
    expect(await managerNotices(team)).toEqual([]);
    expect(await stack.emailsTo(rep.email)).toEqual([]);
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given a notification that cannot be read, when it arrives, then it is skipped without failing the invocation', async () => {
    const sample = loadEvent<SNSEvent>('feedback/ses-bounce.json').Records[0]!;
    const garbled: SNSEvent = { Records: [{ ...sample, Sns: { ...sample.Sns, Message: '{"eventType":"Bounce","bounce":{"bounceType":"Permanent"}}' } }] };
    await stack.drainRoutingQueue();

    const { results } = await feedback(garbled);

    expect(results).toEqual([{ snsMessageId: sample.Sns.MessageId, ignored: expect.stringMatching(/^unreadable: bounce: /) }]);
    // Nothing was taken back or sent on for it.
    expect(await stack.drainRoutingQueue()).toEqual([]);
  });

  it('given a rep marked unreachable, when a lead for their team is routed, then it is offered to a colleague', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const [bounced, colleague] = team.reps;
    await feedback(bounceFor(bounced!.email));
    const leadId = await stack.receiveLead({ firstName: 'Next', lastName: 'Lead', email: 'next-lead@example.com' }, team.id);

    const outcome = await routeLead(leadId, router);

    expect(outcome).toMatchObject({ kind: 'offered', repId: colleague!.id, attempt: 1 });
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: colleague!.id });
    const offered = (await stack.history(leadId)).find((event) => event.kind === 'offered');
    expect(offered?.detail?.skipped).toEqual([{ repId: bounced!.id, reason: 'unreachable' }]);
  });

  it('given an unreachable rep, when the only lead waits in the team queue, then they cannot pull it and their manager cannot assign it to them', async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 0, role: 'manager' }]);
    const [bounced, manager] = team.reps;
    await feedback(bounceFor(bounced!.email));
    const leadId = await stack.receiveLead({ firstName: 'Waiting', lastName: 'Lead', email: 'waiting-lead@example.com' }, team.id);
    expect(await routeLead(leadId, router)).toMatchObject({ kind: 'queued', teamId: team.id });
    const portal: RepPortalDeps = {
      ...router,
      leads: stack.leads,
      reps: stack.reps,
      tokens: new OneTimeTokens(requireEnv('TABLE_NAME')),
      sessionKey: stack.sessionKey,
      portalUrl: `${stack.publicBaseUrl}/portal`,
    };

    const pulled = await pullNextLead((await stack.reps.get(bounced!.id))!, portal);
    const assigning = assignByHand((await stack.reps.get(manager!.id))!, leadId, bounced!.id, portal);

    expect(pulled).toEqual({ kind: 'unreachable', address: bounced!.email });
    await expect(assigning).rejects.toThrow(`email to Rep ${bounced!.id} cannot be delivered (${bounced!.email})`);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'QUEUED' });
  });

  it('given an unreachable rep, when an admin imports them again with a corrected address, then they are reachable at it and routed leads again', async () => {
    const team = await stack.addTeam([{ capacity: 3 }]);
    const rep = team.reps[0]!;
    await feedback(bounceFor(rep.email));
    const corrected = rep.email.replace('@', '.fixed@');
    // The admin function's rep store, which sends the drain it records at once.
    const deps = { reps: adminRepStoreFor(requireEnv('TABLE_NAME'), ['message']), config: loadRoutingSettings().routing };
    await stack.drainRoutingQueue();

    const report = await importReps({ reps: [{ id: rep.id, name: `Rep ${rep.id}`, email: corrected, teamId: team.id, capacity: 3 }] }, deps);
    const again = await importReps({ reps: [{ id: rep.id, name: `Rep ${rep.id}`, email: corrected, teamId: team.id, capacity: 3 }] }, deps);

    expect(report.results).toEqual([{ index: 0, repId: rep.id, status: 'exists', reachableAgain: true, emailChanged: true }]);
    expect(report.reachableAgain).toBe(1);
    expect(again.results).toEqual([{ index: 0, repId: rep.id, status: 'exists' }]);
    const stored = await stack.reps.get(rep.id);
    expect(stored).toMatchObject({ email: corrected, openLeads: 0 });
    expect(stored?.unreachable).toBeUndefined();
    expect((await stack.reps.findByEmail(corrected))?.id).toBe(rep.id);
    expect(await stack.reps.findByEmail(rep.email)).toBeUndefined();
    // Leads that waited in the team queue while the rep was out are offered again, once.
    expect(await stack.drainRoutingQueue()).toEqual([{ drainTeam: team.id }]);

    const leadId = await stack.receiveLead({ firstName: 'Welcome', lastName: 'Back', email: 'welcome-back@example.com' }, team.id);
    expect(await routeLead(leadId, router)).toMatchObject({ kind: 'offered', repId: rep.id, attempt: 1 });
    expect((await stack.emailsTo(corrected)).map((email) => email.subject)).toContain('New warm lead: Welcome Back');
  });

  it("given an unreachable rep, when imported again with another rep's address, then the row is invalid and the rep stays out of routing", async () => {
    const team = await stack.addTeam([{ capacity: 3 }, { capacity: 3 }]);
    const [bounced, other] = team.reps;
    await feedback(bounceFor(bounced!.email));

    const report = await importReps(
      { reps: [{ id: bounced!.id, name: 'Bounced', email: other!.email, teamId: team.id, capacity: 3 }] },
      { reps: stack.reps, config: loadRoutingSettings().routing },
    );

    expect(report.results).toEqual([{ index: 0, repId: bounced!.id, status: 'invalid', errors: [{ field: 'email', message: `already belongs to rep ${other!.id}` }] }]);
    expect((await stack.reps.get(bounced!.id))?.unreachable).toMatchObject({ address: bounced!.email });
  });
});

describe('mailer with a configuration set', () => {
  it('given a configuration set name, when an email is sent to aws-ses-v2-local, then the request names the set and the email arrives', async () => {
    const client = new SESClient({});
    const requests: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const { request } = args as { request: { body?: unknown } };
        requests.push(String(request.body ?? ''));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordRequestBody' },
    );
    const to = `config-set-${randomUUID()}@example.com`;

    await new Mailer(requireEnv('EMAIL_FROM'), { configurationSet: 'LeadRouter-test-Mail', client }).send({ to, subject: 'Configured', html: '<p>hi</p>', text: 'hi' });
    await new Mailer(requireEnv('EMAIL_FROM'), { configurationSet: '', client }).send({ to, subject: 'Unconfigured', html: '<p>hi</p>', text: 'hi' });

    expect(requests[0]).toContain('ConfigurationSetName=LeadRouter-test-Mail');
    expect(requests[1]).not.toContain('ConfigurationSetName');
    expect((await stack.emailsTo(to)).map((email) => email.subject).sort()).toEqual(['Configured', 'Unconfigured']);
  });
});
