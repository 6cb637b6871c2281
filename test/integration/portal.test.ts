import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocument } from '#shared/adapters/aws-clients.ts';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { repKey } from '#shared/adapters/rep-store.ts';
import { LeadStateConflict } from '#shared/domain/errors.ts';
import { issueMagicLink, issueSession, SESSION_COOKIE, sessionCsrf } from '#shared/portal/session.ts';
import { regexInputsDuring } from '../support/regex-inputs.ts';
import { loadEvent, refuseOnce, useLocalStack, type LocalStackForTests, type TestTeam, sortMessages } from './support.ts';

let stack: LocalStackForTests;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let relay: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

beforeAll(async () => {
  stack = await useLocalStack('portal');
  handler = await stack.handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>();
  relay = await stack.relay();
});

/** The rep's effect records as the stream delivers them, relayed twice (a redelivery); each batch's failures. */
async function relayTwice(repId: string): Promise<DynamoDBBatchResponse['batchItemFailures'][]> {
  const stream = await stack.effectStream({ repId });
  return [(await relay(stream)).batchItemFailures, (await relay(stream)).batchItemFailures];
}

interface Call {
  readonly cookies?: readonly string[];
  readonly form?: Record<string, string>;
  readonly query?: string;
}

/** A request as API Gateway sends it for the portal route, from the sample event. */
function request(method: 'GET' | 'POST', path: string, { cookies = [], form, query = '' }: Call = {}): APIGatewayProxyEventV2 {
  const sample = loadEvent<APIGatewayProxyEventV2>('portal/my-leads.json');
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return {
    ...sample,
    routeKey: `${method} /portal/{proxy+}`,
    rawPath: path,
    rawQueryString: query,
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    cookies: [...cookies],
    pathParameters: { proxy: path.replace(/^\/portal\/?/, '') },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method, path } },
    headers: { ...sample.headers, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
    ...(body === undefined ? {} : { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }),
  };
}

/** Name=value pairs of a response's Set-Cookie values, as a browser would send them back. */
const jarOf = (response: APIGatewayProxyStructuredResultV2) => (response.cookies ?? []).map((c) => c.split(';')[0]!);
const csrfIn = (response: APIGatewayProxyStructuredResultV2) => /name="csrf" value="([^"]+)"/.exec(response.body ?? '')?.[1] ?? '';

/** A signed-in rep, as the session cookie and the form token their pages carry. */
function sessionFor(repId: string) {
  const { token, claims } = issueSession(stack.sessionKey, repId, new Date());
  return { cookies: [`${SESSION_COOKIE}=${token}`], csrf: sessionCsrf(stack.sessionKey, claims) };
}

/** Leads of a team waiting in its queue (as the router leaves them when nobody can take them). */
async function queuedLeads(team: TestTeam, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const leadId = await stack.receiveLead({ firstName: `Queued${i}`, email: `queued${i}@example.com` }, team.id);
    const lead = (await stack.leads.get(leadId))!;
    await stack.queueLead(leadId, { tier: 'warm', score: 10, teamId: team.id, contactDeadline: lead.contactDeadline });
    ids.push(leadId);
  }
  return ids;
}

describe('portal sign-in by emailed link', () => {
  it('given a known and an unknown address, when each asks for a link (the rep twice), then all see the same page and only the rep gets one email', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const form = await handler(request('GET', '/portal/sign-in'));
    const cookies = jarOf(form);
    expect(cookies[0]).toMatch(/^lr_pre=/);
    expect(form.cookies![0]).toContain('HttpOnly');
    expect(form.cookies![0]).toContain('SameSite=Lax');
    expect(form.cookies![0]).toContain('Secure');

    const known = await handler(request('POST', '/portal/sign-in', { cookies, form: { csrf: csrfIn(form), email: team.reps[0]!.email.toUpperCase() } }));
    // Asked again at once: the same page, but no second email within the minute.
    const repeated = await handler(request('POST', '/portal/sign-in', { cookies, form: { csrf: csrfIn(form), email: team.reps[0]!.email } }));
    const unknown = await handler(request('POST', '/portal/sign-in', { cookies, form: { csrf: csrfIn(form), email: 'nobody@example.com' } }));

    expect(known.statusCode).toBe(200);
    expect(unknown.body).toBe(known.body);
    expect(repeated.body).toBe(known.body);
    const [email, ...more] = await stack.emailsTo(team.reps[0]!.email);
    expect(more).toEqual([]);
    expect(email!.subject).toBe('Your sign-in link for the lead portal');
    expect(email!.links[0]).toMatch(new RegExp(`^${stack.publicBaseUrl}/portal/auth/[\\w-]+\\.[\\w-]+$`));
    expect(await stack.emailsTo('nobody@example.com')).toEqual([]);
  });

  it('given a sign-in link whose email SES refuses at once, when the relay gets the recorded email (twice), then the rep gets it once, it signs them in, and asking again within the minute sends nothing more', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = team.reps[0]!;
    const form = await handler(request('GET', '/portal/sign-in'));
    const ask = () => handler(request('POST', '/portal/sign-in', { cookies: jarOf(form), form: { csrf: csrfIn(form), email: rep.email } }));
    const refusal = refuseOnce('ses', rep.email);

    const asked = await ask();
    const sentAtOnce = await stack.emailsTo(rep.email);
    const [recorded, ...more] = await stack.reps.effects(rep.id);
    const failures = await relayTwice(rep.id);
    const again = await ask();
    const emails = await stack.emailsTo(rep.email);

    expect(asked.statusCode).toBe(200);
    expect(again.body).toBe(asked.body);
    expect(refusal.refused).toBe(1);
    expect(sentAtOnce).toEqual([]);
    expect(more).toEqual([]);
    expect(recorded).toMatchObject({ repId: rep.id, purpose: 'sign-in-email', status: 'pending', attempts: 1, action: { kind: 'email', email: { to: rep.email } } });
    expect(failures).toEqual([[], []]);
    expect(emails.map((email) => email.subject)).toEqual(['Your sign-in link for the lead portal']);
    expect(await stack.reps.effects(rep.id)).toEqual([expect.objectContaining({ status: 'done' })]);
    // The link the relay sent is the rep's own, and it signs them in.
    const path = new URL(emails[0]!.links[0]!).pathname;
    const opened = await handler(request('GET', path));
    const confirmed = await handler(request('POST', path, { cookies: jarOf(opened), form: { csrf: csrfIn(opened) } }));
    expect(confirmed.statusCode).toBe(303);
    expect(jarOf(confirmed).some((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))).toBe(true);
  });

  it('given 25 sign-in requests from one address within a minute, then 20 are answered and 5 get 429 with Retry-After, and the rep gets one email', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const form = await handler(request('GET', '/portal/sign-in'));
    const fromOneAddress = () => {
      const event = request('POST', '/portal/sign-in', { cookies: jarOf(form), form: { csrf: csrfIn(form), email: team.reps[0]!.email } });
      return { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, sourceIp: '192.0.2.201' } } };
    };

    const responses = await Promise.all(Array.from({ length: 25 }, () => handler(fromOneAddress())));

    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(20);
    const limited = responses.filter((r) => r.statusCode === 429);
    expect(limited).toHaveLength(5);
    expect(Number(limited[0]!.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(limited[0]!.body).toContain('Too many sign-in requests from this network');
    expect(await stack.emailsTo(team.reps[0]!.email)).toHaveLength(1);
  });

  it('given an email field far longer than any address (a backtracking bait), when posted, then the sign-in page asks again (400) and no pattern ever reads that text', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const form = await handler(request('GET', '/portal/sign-in'));
    const bait = `${team.reps[0]!.email.split('@')[0]}@${'.'.repeat(63_000)} @`;

    let response: APIGatewayProxyStructuredResultV2 | undefined;
    const inputs = await regexInputsDuring(async () => {
      response = await handler(request('POST', '/portal/sign-in', { cookies: jarOf(form), form: { csrf: csrfIn(form), email: bait } }));
    });

    expect(response!.statusCode).toBe(400);
    expect(response!.body).toContain('Enter the email address you get leads at.');
    // The length check comes first: no pattern is handed more than an address's worth of it.
    expect(inputs.filter((input) => input.includes('.'.repeat(255)))).toEqual([]);
    expect(await stack.emailsTo(team.reps[0]!.email)).toEqual([]);
  });

  it('given a sign-in form posted without its token, then it is refused with 403 and no email is sent', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const form = await handler(request('GET', '/portal/sign-in'));

    const response = await handler(request('POST', '/portal/sign-in', { cookies: jarOf(form), form: { email: team.reps[0]!.email } }));

    expect(response.statusCode).toBe(403);
    expect(await stack.emailsTo(team.reps[0]!.email)).toEqual([]);
  });

  it('given a sign-in link, when opened it only asks; confirmed it gives a session once; used again it is refused', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const { token } = issueMagicLink(stack.sessionKey, team.reps[0]!.id, new Date());
    const path = `/portal/auth/${token}`;

    const opened = await handler(request('GET', path));
    expect(opened.statusCode).toBe(200);
    expect(opened.cookies?.some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);

    const confirmed = await handler(request('POST', path, { cookies: jarOf(opened), form: { csrf: csrfIn(opened) } }));
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers?.location).toBe('/portal/leads');
    const session = jarOf(confirmed).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    const page = await handler(request('GET', '/portal/leads', { cookies: [session] }));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('No open leads');

    const again = await handler(request('POST', path, { cookies: jarOf(opened), form: { csrf: csrfIn(opened) } }));
    expect(again.statusCode).toBe(410);
  });

  it('given an expired or a forged sign-in link, then it is refused (410, 403) and no session is set', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const expired = issueMagicLink(stack.sessionKey, team.reps[0]!.id, new Date(Date.now() - 16 * 60_000)).token;
    const forged = issueMagicLink('not-the-key', team.reps[0]!.id, new Date()).token;

    const responses = [await handler(request('GET', `/portal/auth/${expired}`)), await handler(request('GET', `/portal/auth/${forged}`))];

    expect(responses.map((r) => r.statusCode)).toEqual([410, 403]);
    for (const response of responses) expect(response.cookies ?? []).toEqual([]);
  });

  it('given no session, when a page is opened, then the rep is sent to sign in', async () => {
    const response = await handler(request('GET', '/portal/leads'));

    expect(response.statusCode).toBe(303);
    expect(response.headers?.location).toBe('/portal/sign-in');
  });
});

describe('portal pages of a signed-in rep', () => {
  it("given another rep's lead id, when a rep marks it contacted, then 403 and nothing changes", async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Theirs', email: 'theirs@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const intruder = sessionFor(team.reps[1]!.id);

    const response = await handler(request('POST', `/portal/leads/${leadId}/contacted`, { cookies: intruder.cookies, form: { csrf: intruder.csrf } }));

    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('This is not your lead');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1 });
    expect((await stack.history(leadId)).map((e) => e.kind)).toEqual(['received', 'offered']);
    expect(await stack.reps.get(team.reps[1]!.id)).toMatchObject({ openLeads: 0 });
  });

  it('given a form posted without its token or with the token of another session, then 403 and nothing changes', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Mine', email: 'mine@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const owner = sessionFor(team.reps[0]!.id);
    const other = sessionFor(team.reps[0]!.id);

    const missing = await handler(request('POST', `/portal/leads/${leadId}/accept`, { cookies: owner.cookies, form: {} }));
    const crossed = await handler(request('POST', `/portal/leads/${leadId}/accept`, { cookies: owner.cookies, form: { csrf: other.csrf } }));

    expect([missing.statusCode, crossed.statusCode]).toEqual([403, 403]);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1 });
    expect((await stack.history(leadId)).map((e) => e.kind)).toEqual(['received', 'offered']);
    expect(await stack.leads.effects(leadId)).toEqual([]);
    expect((await stack.executions()).filter((execution) => execution.name.startsWith(`${leadId}-`))).toEqual([]);
  });

  it('given an offered lead, when the rep accepts, marks it contacted and closes it from My leads, then each step is the same transition as the email links', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Portal', lastName: 'Lead', email: 'portal-lead@example.com', phone: '+49 30 1234567' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const rep = sessionFor(team.reps[0]!.id);
    const act = (action: string) => handler(request('POST', `/portal/leads/${leadId}/${action}`, { cookies: rep.cookies, form: { csrf: rep.csrf } }));

    const page = await handler(request('GET', '/portal/leads', { cookies: rep.cookies }));
    expect(page.body).toContain('Portal Lead');
    expect((await act('accept')).headers?.location).toBe('/portal/leads?ok=accept');
    expect((await act('contacted')).statusCode).toBe(303);
    expect((await act('won')).statusCode).toBe(303);
    const stale = await act('won');

    expect(stale.statusCode).toBe(409);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'CLOSED', outcome: 'won' });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect((await stack.history(leadId)).map((e) => e.kind)).toEqual(['received', 'offered', 'accepted', 'contacted', 'closed']);
  });

  it('given an accepted lead, when the rep releases it, then it goes back to routing without them and their slot is free', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Release', email: 'release@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    await stack.repDoes('accept', leadId, team.reps[0]!.id, 1);
    await stack.drainRoutingQueue();
    const rep = sessionFor(team.reps[0]!.id);

    const response = await handler(request('POST', `/portal/leads/${leadId}/release`, { cookies: rep.cookies, form: { csrf: rep.csrf } }));

    expect(response.statusCode).toBe(303);
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'RECEIVED', excludedReps: [team.reps[0]!.id] });
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ openLeads: 0 });
    expect(sortMessages(await stack.drainRoutingQueue())).toEqual(sortMessages([{ leadId }, { drainTeam: team.id }]));
    expect(await stack.leads.ownerLeads(team.reps[0]!.id)).toEqual([]);
  });

  it('given 20 reps pressing "next lead" at once on a queue of 5, then 5 distinct leads are claimed and 15 reps hear the queue is empty', async () => {
    const team = await stack.addTeam(Array.from({ length: 20 }, () => ({ capacity: 1 })));
    const leadIds = await queuedLeads(team, 5);
    const sessions = team.reps.map((rep) => sessionFor(rep.id));

    const responses = await Promise.all(sessions.map((s) => handler(request('POST', '/portal/next', { cookies: s.cookies, form: { csrf: s.csrf } }))));

    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(responses.filter((r) => r.body?.includes('The queue is empty'))).toHaveLength(15);
    const owners = await Promise.all(leadIds.map(async (id) => (await stack.leads.get(id))!));
    expect(owners.every((lead) => lead.status === 'ACCEPTED')).toBe(true);
    expect(new Set(owners.map((lead) => lead.ownerId)).size).toBe(5);
    const loads = await Promise.all(team.reps.map(async (rep) => (await stack.reps.get(rep.id))!.openLeads));
    expect(loads.filter((load) => load === 1)).toHaveLength(5);
    expect(loads.filter((load) => load === 0)).toHaveLength(15);
    expect(await stack.leads.teamQueue(team.id)).toEqual([]);
    // Each claimed lead runs the SLA timer of its new attempt.
    const timers = (await stack.executions()).map((e) => e.name);
    for (const id of leadIds) expect(timers.filter((name) => name.startsWith(`${id}-1-`))).toHaveLength(1);
  });

  it('given a rep at capacity or switched off, when they press "next lead", then they are told why and the queue keeps its lead', async () => {
    const team = await stack.addTeam([{ capacity: 0 }, { capacity: 2 }]);
    const [leadId] = await queuedLeads(team, 1);
    await stack.reps.updateProfile(team.reps[1]!.id, { active: false, products: [], languages: [], capacity: 2, timeZone: 'UTC' });
    const full = sessionFor(team.reps[0]!.id);
    const away = sessionFor(team.reps[1]!.id);

    const fullPage = await handler(request('POST', '/portal/next', { cookies: full.cookies, form: { csrf: full.csrf } }));
    const awayPage = await handler(request('POST', '/portal/next', { cookies: away.cookies, form: { csrf: away.csrf } }));

    expect(fullPage.body).toContain('at your limit');
    expect(awayPage.body).toContain('not taking new leads');
    expect(await stack.leads.get(leadId!)).toMatchObject({ status: 'QUEUED' });
    expect(await stack.leads.teamQueue(team.id)).toEqual([leadId]);
    for (const rep of team.reps) expect(await stack.reps.get(rep.id)).toMatchObject({ openLeads: 0 });
  });

  it('given a profile form, when saved, then the profile changes; when invalid, then 400 names each field and nothing changes', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = sessionFor(team.reps[0]!.id);
    const page = await handler(request('GET', '/portal/profile', { cookies: rep.cookies }));
    expect(page.statusCode).toBe(200);
    const form = {
      csrf: rep.csrf,
      active: 'on',
      products: 'solar, battery',
      languages: 'de, en',
      countries: 'DE',
      regions: '',
      postalPrefixes: '10, 12',
      capacity: '4',
      timeZone: 'Europe/Berlin',
      'hours-mon': '09:00-17:00',
      'hours-tue': '09:00-12:00, 13:00-17:00',
      outOfOfficeUntil: '',
    };

    const saved = await handler(request('POST', '/portal/profile', { cookies: rep.cookies, form }));
    const invalid = await handler(request('POST', '/portal/profile', { cookies: rep.cookies, form: { ...form, capacity: 'lots', 'hours-mon': '9 to 5' } }));

    expect(saved.statusCode).toBe(303);
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({
      products: ['solar', 'battery'],
      languages: ['de', 'en'],
      territory: { countries: ['DE'], postalPrefixes: ['10', '12'] },
      capacity: 4,
      timeZone: 'Europe/Berlin',
      workingHours: { mon: [['09:00', '17:00']], tue: [['09:00', '12:00'], ['13:00', '17:00']] },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain('aria-invalid="true"');
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ capacity: 4, workingHours: { mon: [['09:00', '17:00']], tue: [['09:00', '12:00'], ['13:00', '17:00']] } });
    expect(await stack.drainRoutingQueue()).toContainEqual({ drainTeam: team.id });
  });

  it("given a profile save whose team queue drain is refused at once, when the relay gets the recorded drain (twice), then the profile is saved and the drain sent once", async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = sessionFor(team.reps[0]!.id);
    const form = { csrf: rep.csrf, active: 'on', products: 'solar', languages: 'de', countries: 'DE', regions: '', postalPrefixes: '', capacity: '3', timeZone: 'Europe/Berlin', outOfOfficeUntil: '' };
    await stack.drainRoutingQueue();
    const refusal = refuseOnce('sqs', { drainTeam: team.id });

    const saved = await handler(request('POST', '/portal/profile', { cookies: rep.cookies, form }));
    const sentAtOnce = await stack.drainRoutingQueue();
    const [recorded, ...more] = await stack.reps.effects(team.reps[0]!.id);
    const failures = await relayTwice(team.reps[0]!.id);

    expect(saved.statusCode).toBe(303);
    expect(await stack.reps.get(team.reps[0]!.id)).toMatchObject({ products: ['solar'], capacity: 3 });
    expect(refusal.refused).toBe(1);
    expect(sentAtOnce).toEqual([]);
    expect(more).toEqual([]);
    expect(recorded).toMatchObject({ repId: team.reps[0]!.id, purpose: 'drain-team', status: 'pending', attempts: 1, action: { kind: 'message', message: { drainTeam: team.id } } });
    expect(failures).toEqual([[], []]);
    expect(await stack.drainRoutingQueue()).toEqual([{ drainTeam: team.id }]);
    expect(await stack.reps.effects(team.reps[0]!.id)).toEqual([expect.objectContaining({ status: 'done' })]);
  });
});

/** The same person (or anyone with their address) sent a public form again: recorded in the lead's history only. */
async function resubmitted(leadId: string, contact: Record<string, string>): Promise<string> {
  const at = new Date();
  await new IntakeStore(process.env.TABLE_NAME!, { outbox: stack.leads.outbox! }).join(leadId, {
    at,
    sourceId: 'web',
    contact,
    fields: {},
    fillContact: false,
    idempotencyUntil: at.getTime() + 60_000,
    expiresAt: Math.floor(at.getTime() / 1000) + 3_600,
  });
  return at.toISOString();
}

const useDetailsPath = (leadId: string, at: string) => `/portal/leads/${leadId}/resubmissions/${encodeURIComponent(at)}/use`;

describe('portal: details sent again', () => {
  it('given a held lead that a public form sent again with a phone and company, when its rep uses these details from My leads, then the lead takes them in one write with an event naming the rep', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const email = 'resent-details@example.com';
    const leadId = await stack.receiveLead({ firstName: 'Rosa', email, message: 'first' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const at = await resubmitted(leadId, { firstName: 'Rosa', email, phone: '+4917012345678', company: 'Rosa & Co', message: 'call me' });
    const rep = sessionFor(team.reps[0]!.id);

    const page = await handler(request('GET', '/portal/leads', { cookies: rep.cookies }));
    expect(page.body).toContain('Use these details');
    expect(page.body).toContain('Rosa &amp; Co');
    const action = /<form[^>]+action="([^"]+\/use)"/.exec(page.body ?? '')?.[1];
    expect(action).toBe(useDetailsPath(leadId, at));
    const used = await handler(request('POST', action!, { cookies: rep.cookies, form: { csrf: rep.csrf } }));

    expect(used.statusCode).toBe(303);
    expect(used.headers?.location).toBe('/portal/leads?ok=details');
    const lead = await stack.leads.get(leadId);
    // Filled in and replaced; the lead keeps its own message, the one it came in with.
    expect(lead?.contact).toEqual({ firstName: 'Rosa', email, phone: '+4917012345678', company: 'Rosa & Co', message: 'first' });
    expect(lead).toMatchObject({ status: 'OFFERED', ownerId: team.reps[0]!.id, attempt: 1 });
    const event = (await stack.history(leadId)).at(-1);
    expect(event).toMatchObject({
      kind: 'details-used',
      actor: `rep:${team.reps[0]!.id}`,
      detail: { resubmittedAt: at, set: { phone: '+4917012345678', company: 'Rosa & Co' }, previous: {} },
    });
    const after = await handler(request('GET', '/portal/leads', { cookies: rep.cookies, query: 'ok=details' }));
    expect(after.body).toContain('The lead now has the details sent again.');
    expect(after.body).not.toContain('Use these details');
  });

  it('given a resubmission of a lead, when its details are posted without the form token, by a rep who does not hold the lead, or for a lead or resubmission that does not exist, then 403 or 404 and the lead is unchanged', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'Kept', email: 'kept-details@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const at = await resubmitted(leadId, { email: 'kept-details@example.com', phone: '+4917099999999' });
    const owner = sessionFor(team.reps[0]!.id);
    const other = sessionFor(team.reps[1]!.id);

    const noToken = await handler(request('POST', useDetailsPath(leadId, at), { cookies: owner.cookies, form: {} }));
    const notTheirs = await handler(request('POST', useDetailsPath(leadId, at), { cookies: other.cookies, form: { csrf: other.csrf } }));
    const noLead = await handler(request('POST', useDetailsPath('no-such-lead', at), { cookies: owner.cookies, form: { csrf: owner.csrf } }));
    const noResubmission = await handler(request('POST', useDetailsPath(leadId, new Date(0).toISOString()), { cookies: owner.cookies, form: { csrf: owner.csrf } }));

    expect([noToken.statusCode, notTheirs.statusCode, noLead.statusCode, noResubmission.statusCode]).toEqual([403, 403, 404, 404]);
    expect(notTheirs.body).toContain('This is not your lead');
    expect((await stack.leads.get(leadId))?.contact).toEqual({ firstName: 'Kept', email: 'kept-details@example.com' });
    expect((await stack.history(leadId)).map((e) => e.kind)).toEqual(['received', 'offered', 'resubmitted']);
  });

  it('given two details taken over from one read of the lead (two tabs), when both commit, then the second is refused as a conflict and the first value stays', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const repId = team.reps[0]!.id;
    const leadId = await stack.receiveLead({ firstName: 'Tabs', email: 'two-tabs@example.com' }, team.id);
    const read = await stack.offerTo(leadId, repId);
    const use = (phone: string) => stack.leads.commit('use-details', { lead: read, at: new Date(), actor: `rep:${repId}`, rep: { id: repId }, contact: { phone } });

    await use('+4930111111');
    const second = use('+4930222222');

    await expect(second).rejects.toBeInstanceOf(LeadStateConflict);
    expect((await stack.leads.get(leadId))?.contact.phone).toBe('+4930111111');
    expect((await stack.history(leadId)).filter((e) => e.kind === 'details-used')).toHaveLength(1);
  });
});

describe('portal team view of a manager', () => {
  it('given a lead held by one rep, when the manager reassigns it by hand, then it is offered to the chosen rep, the previous owner is released and told', async () => {
    const team = await stack.addTeam([{ capacity: 0, role: 'manager' }, { capacity: 2 }, { capacity: 2 }]);
    const [manager, first, second] = team.reps;
    const leadId = await stack.receiveLead({ firstName: 'Stuck', lastName: 'Lead', email: 'stuck@example.com' }, team.id);
    await stack.offerTo(leadId, first!.id);
    await stack.drainRoutingQueue();
    const session = sessionFor(manager!.id);

    const page = await handler(request('GET', '/portal/team', { cookies: session.cookies }));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`Rep ${first!.id}`);
    const assigned = await handler(
      request('POST', `/portal/team/leads/${leadId}/assign`, { cookies: session.cookies, form: { csrf: session.csrf, repId: second!.id } }),
    );

    expect(assigned.headers?.location).toBe('/portal/team?ok=assigned');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: second!.id, attempt: 2 });
    expect(await stack.reps.get(first!.id)).toMatchObject({ openLeads: 0 });
    expect(await stack.reps.get(second!.id)).toMatchObject({ openLeads: 1 });
    // The assignment's own transaction carries the new owner's offer email and timer; the freed slot drains the queue.
    expect(await stack.drainRoutingQueue()).toEqual([{ drainTeam: team.id }]);
    expect((await stack.emailsTo(second!.email)).map((e) => e.subject)).toContain('New warm lead: Stuck Lead');
    expect((await stack.executions()).filter((execution) => execution.name.startsWith(`${leadId}-2-`))).toHaveLength(1);
    expect((await stack.emailsTo(first!.email)).map((e) => e.subject)).toContain('Lead moved on: Stuck Lead (warm)');
    expect(await stack.history(leadId)).toContainEqual(expect.objectContaining({ kind: 'assigned', actor: `manager:${manager!.id}` }));
  });

  it('given a rep who is not a manager, when they open the team view or assign a lead, then 403', async () => {
    const team = await stack.addTeam([{ capacity: 2 }, { capacity: 2 }]);
    const leadId = await stack.receiveLead({ firstName: 'NotYours', email: 'not-yours@example.com' }, team.id);
    await stack.offerTo(leadId, team.reps[0]!.id);
    const rep = sessionFor(team.reps[1]!.id);

    const view = await handler(request('GET', '/portal/team', { cookies: rep.cookies }));
    const assign = await handler(request('POST', `/portal/team/leads/${leadId}/assign`, { cookies: rep.cookies, form: { csrf: rep.csrf, repId: team.reps[1]!.id } }));

    expect([view.statusCode, assign.statusCode]).toEqual([403, 403]);
    expect(await stack.leads.get(leadId)).toMatchObject({ ownerId: team.reps[0]!.id });
  });
});

describe('portal responses, whatever the route', () => {
  const securityHeaders = {
    'content-security-policy': "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };

  it('given a page, a redirect, a refused form, an error and an unknown address, then each carries the security headers and is never cached', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = sessionFor(team.reps[0]!.id);

    const responses = [
      await handler(request('GET', '/portal/sign-in')),
      await handler(request('GET', '/portal/leads', { cookies: rep.cookies })),
      await handler(request('GET', '/portal/leads')),
      await handler(request('POST', '/portal/next', { cookies: rep.cookies, form: {} })),
      await handler(request('POST', '/portal/team/leads/some-lead/assign', { cookies: rep.cookies, form: { csrf: rep.csrf } })),
      await handler(request('GET', '/portal/nowhere', { cookies: rep.cookies })),
    ];

    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 303, 403, 400, 404]);
    for (const response of responses) expect(response.headers).toMatchObject({ ...securityHeaders, 'cache-control': 'no-store' });
    expect(responses[4]!.body).toContain('Choose a rep to assign the lead to');
    expect(responses[5]!.body).toContain('There is no such page.');
  });

  it('given no session, when an unknown address is opened or posted to, then the visitor is sent to sign in, as for every page', async () => {
    const opened = await handler(request('GET', '/portal/leads/some-lead'));
    const posted = await handler(request('POST', '/portal/nowhere', { form: { csrf: 'x' } }));

    expect([opened.statusCode, posted.statusCode]).toEqual([303, 303]);
    expect([opened.headers?.location, posted.headers?.location]).toEqual(['/portal/sign-in', '/portal/sign-in']);
  });

  it("given any visitor, when a page's stylesheet is fetched, then it is the portal CSS, cached for a year, and the page's CSP allows it", async () => {
    const page = await handler(request('GET', '/portal/sign-in'));
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page.body ?? '')?.[1] ?? '';
    const [path = '', query = ''] = href.split('?');

    const stylesheet = await handler(request('GET', path, { query }));

    expect(path).toBe('/portal/styles.css');
    expect(stylesheet.statusCode).toBe(200);
    expect(stylesheet.headers).toMatchObject({
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    expect(stylesheet.body).toBe(readFileSync(new URL('../../shared/views/portal/portal.css', import.meta.url), 'utf8'));
    expect(stylesheet.cookies ?? []).toEqual([]);
    expect(page.headers?.['content-security-policy']).toContain("style-src 'self'");
  });

  it('given a signed-in rep, when they sign out, then the session cookie is cleared and they are sent to sign in', async () => {
    const team = await stack.addTeam([{ capacity: 2 }]);
    const rep = sessionFor(team.reps[0]!.id);

    const response = await handler(request('POST', '/portal/sign-out', { cookies: rep.cookies, form: { csrf: rep.csrf } }));

    expect(response.statusCode).toBe(303);
    expect(response.headers?.location).toBe('/portal/sign-in');
    expect(response.cookies).toEqual([expect.stringMatching(/^lr_session=; Max-Age=0; Path=\/portal; HttpOnly/)]);
  });
});

describe('portal access of a rep an admin switched off, and signing out everywhere', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await stack.addTeam([
      { capacity: 0, role: 'manager' },
      { capacity: 2, role: 'manager' },
      { capacity: 2 },
      { capacity: 2 },
      { capacity: 2 },
      { capacity: 2 },
      { capacity: 2 },
    ]);
  });

  /** The admin's switch on the rep's record alone: what `reps disable` also does to their leads and sessions is tested through the admin API. */
  const switchOff = (repId: string) =>
    dynamoDocument.send(new UpdateCommand({ TableName: process.env.TABLE_NAME!, Key: repKey(repId), UpdateExpression: 'SET disabled = :yes', ExpressionAttributeValues: { ':yes': true } }));
  const profileForm = (csrf: string, capacity: string) => ({ csrf, active: 'on', products: '', languages: '', countries: '', regions: '', postalPrefixes: '', capacity, timeZone: 'UTC', outOfOfficeUntil: '' });

  it('given the session of a rep an admin switched off, when any portal page is opened or posted to, then each answers 403 saying so, clears the cookie, and nothing changes', async () => {
    const off = team.reps[1]!;
    const leadId = await stack.receiveLead({ firstName: 'Held', email: 'held.by.off@example.com' }, team.id);
    await stack.offerTo(leadId, off.id);
    const [waiting] = await queuedLeads(team, 1);
    const session = sessionFor(off.id);
    await switchOff(off.id);
    const form = { csrf: session.csrf };

    const responses = [
      await handler(request('GET', '/portal', { cookies: session.cookies })),
      await handler(request('GET', '/portal/leads', { cookies: session.cookies })),
      await handler(request('POST', `/portal/leads/${leadId}/accept`, { cookies: session.cookies, form })),
      await handler(request('GET', '/portal/next', { cookies: session.cookies })),
      await handler(request('POST', '/portal/next', { cookies: session.cookies, form })),
      await handler(request('GET', '/portal/profile', { cookies: session.cookies })),
      await handler(request('POST', '/portal/profile', { cookies: session.cookies, form: profileForm(session.csrf, '1') })),
      await handler(request('GET', '/portal/team', { cookies: session.cookies })),
      await handler(request('POST', `/portal/team/leads/${waiting}/assign`, { cookies: session.cookies, form: { ...form, repId: off.id } })),
      await handler(request('POST', '/portal/sign-out', { cookies: session.cookies, form })),
      await handler(request('GET', '/portal/nowhere', { cookies: session.cookies })),
    ];

    for (const response of responses) {
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('Your account is switched off');
      expect(response.cookies).toEqual([expect.stringMatching(/^lr_session=; Max-Age=0;/)]);
    }
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: off.id, attempt: 1 });
    expect((await stack.history(leadId)).map((event) => event.kind)).toEqual(['received', 'offered']);
    expect(await stack.leads.get(waiting!)).toMatchObject({ status: 'QUEUED' });
    expect(await stack.reps.get(off.id)).toMatchObject({ capacity: 2, openLeads: 1 });
  });

  it('given a rep an admin switched off, when they ask for a sign-in link or confirm one sent before, then no email goes out and the link gives no session', async () => {
    const off = team.reps[2]!;
    const { token } = issueMagicLink(stack.sessionKey, off.id, new Date());
    await switchOff(off.id);
    const signInForm = await handler(request('GET', '/portal/sign-in'));
    const linkPage = await handler(request('GET', `/portal/auth/${token}`));

    const asked = await handler(request('POST', '/portal/sign-in', { cookies: jarOf(signInForm), form: { csrf: csrfIn(signInForm), email: off.email } }));
    const confirmed = await handler(request('POST', `/portal/auth/${token}`, { cookies: jarOf(linkPage), form: { csrf: csrfIn(linkPage) } }));

    expect(asked.statusCode).toBe(200);
    expect(await stack.emailsTo(off.email)).toEqual([]);
    expect(confirmed.statusCode).toBe(403);
    expect(confirmed.body).toContain('Your account is switched off');
    expect(jarOf(confirmed).some((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it('given a rep signed in on two devices with a sign-in link still unused, when they sign out on one, then both sessions and the link stop working, and a new link signs them in', async () => {
    const rep = team.reps[3]!;
    const phone = sessionFor(rep.id);
    const laptop = sessionFor(rep.id);
    const before = issueMagicLink(stack.sessionKey, rep.id, new Date()).token;

    const signedOut = await handler(request('POST', '/portal/sign-out', { cookies: phone.cookies, form: { csrf: phone.csrf } }));
    const phoneAgain = await handler(request('GET', '/portal/leads', { cookies: phone.cookies }));
    const laptopAgain = await handler(request('POST', '/portal/next', { cookies: laptop.cookies, form: { csrf: laptop.csrf } }));
    const beforePage = await handler(request('GET', `/portal/auth/${before}`));
    const beforeConfirmed = await handler(request('POST', `/portal/auth/${before}`, { cookies: jarOf(beforePage), form: { csrf: csrfIn(beforePage) } }));

    expect(signedOut).toMatchObject({ statusCode: 303, headers: { location: '/portal/sign-in' } });
    for (const replayed of [phoneAgain, laptopAgain]) {
      expect(replayed).toMatchObject({ statusCode: 303, headers: { location: '/portal/sign-in' } });
      expect(replayed.cookies).toEqual([expect.stringMatching(/^lr_session=; Max-Age=0;/)]);
    }
    expect(beforeConfirmed.statusCode).toBe(410);
    expect(jarOf(beforeConfirmed).some((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(await stack.reps.get(rep.id)).toMatchObject({ sessionVersion: 1 });

    const fresh = issueMagicLink(stack.sessionKey, rep.id, new Date(), 1).token;
    const freshPage = await handler(request('GET', `/portal/auth/${fresh}`));
    const freshConfirmed = await handler(request('POST', `/portal/auth/${fresh}`, { cookies: jarOf(freshPage), form: { csrf: csrfIn(freshPage) } }));
    const session = jarOf(freshConfirmed).find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))!;
    expect((await handler(request('GET', '/portal/leads', { cookies: [session] }))).statusCode).toBe(200);
  });

  it('given a maximum the admin set, when the rep saves a capacity above it, then 400 shows the form naming the maximum and nothing changes; at the maximum it saves', async () => {
    const rep = team.reps[4]!;
    await dynamoDocument.send(
      new UpdateCommand({ TableName: process.env.TABLE_NAME!, Key: repKey(rep.id), UpdateExpression: 'SET maxCapacity = :max', ExpressionAttributeValues: { ':max': 6 } }),
    );
    const session = sessionFor(rep.id);

    const page = await handler(request('GET', '/portal/profile', { cookies: session.cookies }));
    const above = await handler(request('POST', '/portal/profile', { cookies: session.cookies, form: profileForm(session.csrf, '8') }));
    const unchanged = await stack.reps.get(rep.id);
    const atMost = await handler(request('POST', '/portal/profile', { cookies: session.cookies, form: profileForm(session.csrf, '6') }));

    expect(page.body).toMatch(/name="capacity"[^>]* max="6"/);
    expect(above.statusCode).toBe(400);
    expect(above.body).toContain('enter a whole number from 0 to 6 (6 is the most your admin allows)');
    expect(above.body).toMatch(/id="f-capacity" name="capacity" aria-invalid="true"/);
    expect(unchanged).toMatchObject({ capacity: 2 });
    expect(atMost).toMatchObject({ statusCode: 303, headers: { location: '/portal/profile?ok=profile' } });
    expect(await stack.reps.get(rep.id)).toMatchObject({ capacity: 6, maxCapacity: 6 });
  });

  it('given a rep an admin switched off, when their manager assigns them a lead by hand, then 409 says why and the lead stays with its owner', async () => {
    const [manager, , , , , holder, off] = team.reps;
    const leadId = await stack.receiveLead({ firstName: 'Kept', email: 'kept.with.owner@example.com' }, team.id);
    await stack.offerTo(leadId, holder!.id);
    await switchOff(off!.id);
    const session = sessionFor(manager!.id);

    const response = await handler(request('POST', `/portal/team/leads/${leadId}/assign`, { cookies: session.cookies, form: { csrf: session.csrf, repId: off!.id } }));

    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('switched off by an admin');
    expect(await stack.leads.get(leadId)).toMatchObject({ status: 'OFFERED', ownerId: holder!.id, attempt: 1 });
    expect(await stack.reps.get(off!.id)).toMatchObject({ openLeads: 0 });
  });
});
