import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocument } from '#shared/adapters/aws-clients.ts';
import { repKey } from '#shared/adapters/rep-store.ts';
import { signLink, type LinkAction } from '#shared/domain/link-token.ts';
import { loadEvent, useLocalStack, type LocalStackForTests, type TestTeam } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await useLocalStack('actions');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
});

function request(method: 'GET' | 'POST', token: string, form?: string): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('actions/open-link.json');
  return {
    ...sample,
    routeKey: `${method} /a/{token}`,
    rawPath: `/a/${token}`,
    pathParameters: { token },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method, path: `/a/${token}` } },
    ...(form === undefined
      ? {}
      : {
          headers: { ...sample.headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.from(form).toString('base64'),
          isBase64Encoded: true,
        }),
  };
}

/** A lead offered to the first rep of a new team, and a way to sign links for that offer. */
async function offeredLead(reps = 2) {
  const team = await stack.addTeam(Array.from({ length: reps }, () => ({ capacity: 3 })));
  const leadId = await stack.receiveLead({ firstName: 'Linked', email: 'linked@example.com', phone: '+44 20 7946 0000' }, team.id);
  const lead = await stack.offerTo(leadId, team.reps[0]!.id);
  const link = (action: LinkAction, over: { repId?: string; exp?: number; key?: string } = {}) =>
    signLink(over.key ?? stack.signingKey, {
      v: 1,
      leadId,
      repId: over.repId ?? team.reps[0]!.id,
      attempt: lead.attempt,
      action,
      exp: over.exp ?? Math.floor(Date.now() / 1000) + 3600,
    });
  return { team, leadId, link };
}

/** The admin's switch on the rep's record, as `reps disable` leaves it (what it does to their leads is the admin API's to test). */
const switchOff = (repId: string) =>
  dynamoDocument.send(new UpdateCommand({ TableName: process.env.TABLE_NAME!, Key: repKey(repId), UpdateExpression: 'SET disabled = :yes', ExpressionAttributeValues: { ':yes': true } }));

/**
 * The offer as `offeredLead` left it: still the first rep's at attempt 1, with nothing recorded,
 * emailed, sent to routing or timed since.
 */
async function expectOfferUnchanged(leadId: string, team: TestTeam): Promise<void> {
  expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1 });
  expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 1 });
  expect((await stack.history(leadId)).map((event) => event.kind)).toEqual(['received', 'offered']);
  expect(await stack.leads.effects(leadId)).toEqual([]);
  expect((await stack.executions()).filter((execution) => execution.name.startsWith(`${leadId}-`))).toEqual([]);
  for (const rep of team.reps) expect(await stack.emailsTo(rep.email)).toEqual([]);
  const messages = (await stack.drainRoutingQueue()) as { leadId?: string; drainTeam?: string }[];
  expect(messages.filter((message) => message.leadId === leadId || message.drainTeam === team.id)).toEqual([]);
}

describe('actions handler on DynamoDB Local and fauxqs', () => {
  it('given an offer link, when opened with GET, then a confirmation page shows the lead and nothing changes', async () => {
    const { leadId, link, team } = await offeredLead();

    const response = await handler(request('GET', link('accept')));

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('Accept this lead?');
    expect(response.body).toContain('Linked');
    await expectOfferUnchanged(leadId, team);
  });

  it('given an accept link, when POSTed, then the lead is accepted, and posting again shows the link is spent', async () => {
    const { leadId, link, team } = await offeredLead();

    const first = await handler(request('POST', link('accept'), ''));
    const again = await handler(request('POST', link('accept'), ''));

    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Lead accepted');
    expect(first.body).toContain('href="tel:+442079460000"');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: team.reps[0]!.id });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already been accepted');
  });

  it('given a reject link, when POSTed with a reason, then the rep is released and excluded and the lead is queued for routing again', async () => {
    const { leadId, link, team } = await offeredLead();

    const response = await handler(request('POST', link('reject'), 'reason=Not+my+area'));

    expect(response.statusCode).toBe(200);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'RECEIVED', excludedReps: [team.reps[0]!.id] });
    expect((await stack.leads.get(leadId))!.ownerId).toBeUndefined();
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect(await stack.history(leadId)).toContainEqual(expect.objectContaining({ kind: 'passed', detail: { attempt: 1, reason: 'Not my area' } }));
    expect(await stack.drainRoutingQueue()).toContainEqual({ leadId });
  });

  it('given a link signed with another key, when opened or posted, then it is refused with 403 and nothing changes', async () => {
    const { leadId, link, team } = await offeredLead();
    const forged = link('accept', { key: 'not-the-key' });

    const opened = await handler(request('GET', forged));
    const posted = await handler(request('POST', forged, ''));

    expect(opened.statusCode).toBe(403);
    expect(posted.statusCode).toBe(403);
    expect(posted.body).toContain('This link is not valid');
    await expectOfferUnchanged(leadId, team);
  });

  it('given an expired link, when posted, then it answers 410 and nothing changes', async () => {
    const { leadId, link, team } = await offeredLead();

    const response = await handler(request('POST', link('accept', { exp: Math.floor(Date.now() / 1000) - 1 }), ''));

    expect(response.statusCode).toBe(410);
    await expectOfferUnchanged(leadId, team);
  });

  it("given a genuine link for a colleague's offer, when posted by the other rep's link, then it is stale and nothing changes", async () => {
    const { leadId, link, team } = await offeredLead();

    const response = await handler(request('POST', link('accept', { repId: team.reps[1]!.id }), ''));

    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('moved on to a colleague');
    await expectOfferUnchanged(leadId, team);
  });

  it('given an accepted lead, when the rep closes it as won, then it is closed, their capacity is free and the team queue is offered again', async () => {
    const { leadId, link, team } = await offeredLead();
    await handler(request('POST', link('accept'), ''));
    await stack.drainRoutingQueue();

    const response = await handler(request('POST', link('won'), ''));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Closed as won');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'CLOSED', outcome: 'won' });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect(await stack.drainRoutingQueue()).toEqual([{ drainTeam: team.id }]);
  });

  it('given a contacted lead, when closed as lost and the link is used again, then it is closed once and the second use is stale', async () => {
    const { leadId, link, team } = await offeredLead();
    await handler(request('POST', link('contacted'), ''));

    const first = await handler(request('POST', link('lost'), ''));
    const again = await handler(request('POST', link('lost'), ''));

    expect(first.body).toContain('Closed as lost');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already been closed');
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect((await stack.history(leadId)).filter((e) => e.kind === 'closed')).toHaveLength(1);
  });

  it('given an offer not yet accepted, when a close link is posted, then it is refused as stale and the rep keeps the offer', async () => {
    const { leadId, link, team } = await offeredLead();

    const response = await handler(request('POST', link('won'), ''));

    expect(response.statusCode).toBe(409);
    await expectOfferUnchanged(leadId, team);
  });

  it('given an accept link whose payload was edited to another action, when posted, then it is refused with 403 and nothing changes', async () => {
    const { leadId, link, team } = await offeredLead();
    const [payload, signature] = link('accept').split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = `${Buffer.from(JSON.stringify({ ...claims, action: 'won' })).toString('base64url')}.${signature}`;

    const response = await handler(request('POST', edited, ''));

    expect(response.statusCode).toBe(403);
    await expectOfferUnchanged(leadId, team);
  });
});

describe('links of a rep an admin switched off', () => {
  it('given an offer to a rep an admin switched off since, when its links are opened or posted, then each answers 403 saying the account is switched off and nothing changes', async () => {
    const { leadId, link, team } = await offeredLead();
    await switchOff(team.reps[0]!.id);

    const responses = [
      await handler(request('GET', link('accept'))),
      await handler(request('POST', link('accept'), '')),
      await handler(request('POST', link('reject'), 'reason=gone')),
      await handler(request('POST', link('contacted'), '')),
    ];

    for (const response of responses) {
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('Your account is switched off');
    }
    await expectOfferUnchanged(leadId, team);
  });

  it('given a lead opened to the team, when a rep an admin switched off claims it, then 403 and it stays in the queue for the others', async () => {
    const { team, leadId, claimLink } = await openedLead([{ capacity: 2 }, { capacity: 2 }]);
    await switchOff(team.reps[1]!.id);

    const response = await handler(request('POST', claimLink(team.reps[1]!.id), ''));

    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('Your account is switched off');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'QUEUED', attempt: 1 });
    expect(await stack.leads.teamQueue(team.id)).toEqual([leadId]);
    expect(await stack.reps.get(team.reps[1]!.id)).toMatchObject({ openLeads: 0 });
  });
});

/** A lead every rep of a new team has passed on, waiting in the team queue at attempt 1, and claim links for it. */
async function openedLead(reps: readonly { capacity: number }[]) {
  const team = await stack.addTeam(reps);
  const leadId = await stack.receiveLead({ firstName: 'Open', lastName: 'Lead', email: 'open@example.com' }, team.id);
  const offered = await stack.offerTo(leadId, team.reps[0]!.id);
  await stack.repDoes('pass', leadId, team.reps[0]!.id, 1);
  await stack.queueLead(leadId, { tier: 'warm', score: 10, teamId: team.id, contactDeadline: offered.contactDeadline });
  await stack.drainRoutingQueue();
  const claimLink = (repId: string) =>
    signLink(stack.signingKey, { v: 1, leadId, repId, attempt: 1, action: 'claim', exp: Math.floor(Date.now() / 1000) + 3600 });
  return { team, leadId, claimLink };
}

describe('claiming a lead opened to the team', () => {
  it('given 20 reps clicking claim on the same lead at once, then exactly one gets it, counted against their capacity, and the others see it is taken', async () => {
    const { team, leadId, claimLink } = await openedLead(Array.from({ length: 20 }, () => ({ capacity: 2 })));

    const responses = await Promise.all(team.reps.map((rep) => handler(request('POST', claimLink(rep.id), ''))));

    const winners = responses.flatMap((response, i) => (response.statusCode === 200 ? [team.reps[i]!.id] : []));
    expect(winners).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 409 && r.body?.includes('A colleague claimed it first'))).toHaveLength(19);
    const lead = await stack.leads.get(leadId);
    expect(lead).toMatchObject({ status: 'ACCEPTED', ownerId: winners[0], attempt: 2 });
    expect(await stack.leads.teamQueue(team.id)).toEqual([]);
    const loads = await Promise.all(team.reps.map(async (rep) => (await stack.reps.get(rep.id))!.openLeads));
    expect(loads.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await stack.history(leadId)).filter((e) => e.kind === 'claimed')).toEqual([
      expect.objectContaining({ actor: `rep:${winners[0]}`, from: 'QUEUED', to: 'ACCEPTED' }),
    ]);
    // The new attempt has its own SLA timer; the queued attempt's timer finds a stale attempt.
    expect((await stack.executions()).filter((e) => e.name.startsWith(`${leadId}-2-`))).toHaveLength(1);
  });

  it('given a claim link, when opened with GET, then it only asks, and after claiming, the page offers the next steps for the new attempt', async () => {
    const { team, leadId, claimLink } = await openedLead([{ capacity: 2 }, { capacity: 2 }]);
    const link = claimLink(team.reps[1]!.id);

    const page = await handler(request('GET', link));
    expect(page.body).toContain('Claim this lead?');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'QUEUED' });

    const claimed = await handler(request('POST', link, ''));
    expect(claimed.body).toContain('Lead claimed');
    const contactedAction = /<form method="post" action="([^"]+)"/.exec(claimed.body ?? '')?.[1];
    expect(contactedAction).toBeDefined();
    const contacted = await handler(request('POST', contactedAction!, ''));
    expect(contacted.body).toContain('Marked as contacted');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'CONTACTED', ownerId: team.reps[1]!.id });

    const again = await handler(request('POST', link, ''));
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('You have claimed it already');
  });

  it('given a rep at capacity, when they claim, then the page says so and the lead stays in the queue for others', async () => {
    const { team, leadId, claimLink } = await openedLead([{ capacity: 1 }, { capacity: 0 }]);

    const response = await handler(request('POST', claimLink(team.reps[1]!.id), ''));

    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('You cannot take another lead right now');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'QUEUED', attempt: 1 });
    expect(await stack.reps.get(team.reps[1]!.id)).toMatchObject({ openLeads: 0 });
    expect(await stack.leads.teamQueue(team.id)).toEqual([leadId]);
    expect((await stack.history(leadId)).map((event) => event.kind)).not.toContain('claimed');
  });
});
