import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi, type ExpectStatic } from 'vitest';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import { stampRosterChange } from '#shared/adapters/table-items.ts';
import { sweepGraceMs } from '#shared/config/composition.ts';
import type { Lead } from '#shared/domain/lead.ts';
import type { SentEmail } from './inbox.ts';
import type { Fault, FaultService } from '../support/fault-proxy.ts';
import { addReps, link, postForm, scaled, startFaultyStack, TIME_SCALE, type FaultyStack } from './faulty-stack.ts';
import { callers, RUNTIME_CALLS } from './proxied-stack.ts';

/**
 * For each step of a lead's life, an AWS call of that step fails (after the SDK's own retries),
 * injected by a proxy in front of the emulator so the real client and server stay in the loop.
 * Whatever failed, the lead must end where it belongs: offered with exactly one offer email and
 * a live timer, accepted with its timer, queued with the manager told, nurtured with the
 * marketing email sent, and every follow-up effect done exactly once.
 *
 * Each case has a team of its own and targets its fault at its own lead (by id or name), so the
 * cases run at once on one stack.
 */

let faulty: FaultyStack;
let sqs: SQSClient;

beforeAll(async () => {
  faulty = await startFaultyStack();
  sqs = new SQSClient({ endpoint: faulty.stack.endpoints.sqs, region: faulty.stack.region, credentials: LOCAL_CREDENTIALS });
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await faulty?.stop();
});

const WITHIN = { timeout: 40_000, interval: 200 };
const manager = (teamId: string) => `manager.${teamId}@example.com`;
const person = (name: string, extra: Record<string, string> = {}) => ({ firstName: name, lastName: 'Fault', email: `${name.toLowerCase()}@leads.example.com`, ...extra });

async function lead(leadId: string): Promise<Lead> {
  const found = await faulty.leads.get(leadId);
  if (!found) throw new Error(`no lead ${leadId}`);
  return found;
}

const emailsTo = async (address: string, subjectPart: string): Promise<SentEmail[]> =>
  (await faulty.inbox()).filter((email) => email.destination.to.includes(address) && email.subject.includes(subjectPart));

/**
 * The checks each case ends with, bound to the case's own `expect`: concurrent tests must use
 * the one their context hands them.
 */
function checks(expect: ExpectStatic) {
  async function waitForEmail(address: string, subjectPart: string): Promise<SentEmail> {
    await expect.poll(async () => (await emailsTo(address, subjectPart)).length, WITHIN).toBeGreaterThanOrEqual(1);
    return (await emailsTo(address, subjectPart))[0]!;
  }

  /** Every effect the lead's transitions recorded is done: performed, and only once. */
  async function expectEffectsDone(leadId: string): Promise<void> {
    await expect
      .poll(async () => (await faulty.leads.effects(leadId)).filter((effect) => effect.status !== 'done').map((effect) => `${effect.purpose}:${effect.status}`), WITHIN)
      .toEqual([]);
  }

  /** Exactly one SLA timer for this attempt of the lead is running. */
  async function expectTimer(leadId: string, attempt: number): Promise<void> {
    await expect.poll(async () => (await faulty.executions()).filter((e) => e.name.startsWith(`${leadId}-${attempt}-`) && e.status === 'RUNNING').length, WITHIN).toBe(1);
  }

  /** Offered to `rep` at `attempt`, with exactly one offer email for it and a running timer for that attempt. */
  async function expectOffered(leadId: string, rep: { id: string; email: string }, name: string, attempt: number): Promise<void> {
    await expect.poll(async () => (({ status, ownerId, attempt: a }) => ({ status, ownerId, attempt: a }))(await lead(leadId)), WITHIN).toEqual({
      status: 'OFFERED',
      ownerId: rep.id,
      attempt,
    });
    await expectEffectsDone(leadId);
    expect(await emailsTo(rep.email, `lead: ${name} Fault`)).toHaveLength(1);
    await expectTimer(leadId, attempt);
  }

  /** The lead's current owner once it has one, and the other of two reps. */
  async function ownerAndOther(leadId: string, reps: readonly { id: string; email: string }[]) {
    await expect.poll(async () => (await lead(leadId)).ownerId, WITHIN).toBeDefined();
    const { ownerId } = await lead(leadId);
    return { owner: reps.find((rep) => rep.id === ownerId)!, other: reps.find((rep) => rep.id !== ownerId)! };
  }

  return { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther };
}

/**
 * Arms a fault and returns whether it was taken: a case whose fault never fired would pass
 * without testing anything.
 */
function arm(service: FaultService, fault: Fault): () => boolean {
  const proxy = faulty.proxies[service];
  const since = proxy.calls.length;
  proxy.fail(fault);
  const matches = (body: string) => (fault.match === undefined ? true : typeof fault.match === 'string' ? body.includes(fault.match) : fault.match.test(body));
  return () => proxy.calls.slice(since).some((call) => call.failed !== undefined && (!fault.operation || call.operation === fault.operation) && matches(call.body));
}

/** A routing message straight onto the queue, as the portal sends when a rep becomes available. */
async function drain(teamId: string): Promise<void> {
  const queue = Object.entries(faulty.stack.resources.queues).find(([id]) => id.startsWith('RoutingQueue'))![1];
  await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ drainTeam: teamId }) }));
}

/**
 * A rep switched on (by an admin or their own profile), directly in the table, stamped in the
 * roster change index as every write of a rep is, so the routers' copies of the team see it.
 */
async function setActive(repId: string): Promise<void> {
  const update = stampRosterChange({ UpdateExpression: 'SET active = :true', ExpressionAttributeValues: { ':true': true } }, repId);
  await faulty.db.send(new UpdateCommand({ TableName: faulty.stack.tableName, Key: { pk: `REP#${repId}`, sk: 'PROFILE' }, ...update }));
}

describe('ingest: the lead is stored, but sending it to routing fails', () => {
  // The message carries only the new lead's id, so these faults take the next send: nothing else runs meanwhile.
  it.each(['throttle', 'timeout'] as const)('given SQS answering %s to the routing send, when a lead is posted, then it is kept (202) and still offered, with one email and a timer', async (kind) => {
    const { expectOffered } = checks(expect);
    const name = kind === 'throttle' ? 'Ingestthrottle' : 'Ingesttimeout';
    const [rep] = await addReps(faulty, kind === 'throttle' ? 't19' : 't20', name.toLowerCase(), [{}]);
    const taken = arm('sqs', { operation: 'SendMessage', kind });

    const leadId = await faulty.post(person(name, { routeTo: kind === 'throttle' ? 't19' : 't20' }));

    await expectOffered(leadId, rep!, name, 1);
    expect(taken()).toBe(true);
  });
});

describe('every later step fails once at one of its AWS calls, and the lead still ends where it belongs', () => {
  it.concurrent('route: the offer email is throttled, then sent once by the relay', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't01', 'routeses', [{}]);
    const taken = arm('ses', { operation: 'SendEmail', match: 'Routeses Fault', kind: 'throttle' });

    const leadId = await faulty.post(person('Routeses', { routeTo: 't01' }));

    await expectOffered(leadId, rep!, 'Routeses', 1);
    expect(taken()).toBe(true);
  });

  it.concurrent('route: the SLA timer cannot be started (5xx), then the relay starts it', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't02', 'routesfn', [{ active: false }]);
    const leadId = await faulty.post(person('Routesfn', { routeTo: 't02' }));
    await expect.poll(async () => (await lead(leadId)).status, WITHIN).toBe('QUEUED');
    const taken = arm('sfn', { operation: 'StartExecution', match: `${leadId}-1-`, kind: 'server-error' });

    await setActive(rep!.id);
    await drain('t02');

    await expectOffered(leadId, rep!, 'Routesfn', 1);
    expect(taken()).toBe(true);
  });

  it.concurrent('route: the offer transaction is throttled, then the lead is routed again and offered once', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't03', 'routeddb', [{ active: false }]);
    const leadId = await faulty.post(person('Routeddb', { routeTo: 't03' }));
    await expect.poll(async () => (await lead(leadId)).status, WITHIN).toBe('QUEUED');
    const taken = arm('dynamodb', { operation: 'TransactWriteItems', match: `LEAD#${leadId}`, kind: 'throttle' });

    await setActive(rep!.id);
    await drain('t03');
    // The failed drain is redelivered only after the queue's visibility timeout; the next rep to free capacity, or this drain, offers it.
    await expect.poll(async () => faulty.proxies.dynamodb.calls.some((call) => call.failed && call.operation === 'TransactWriteItems'), WITHIN).toBe(true);
    await drain('t03');

    await expectOffered(leadId, rep!, 'Routeddb', 1);
    expect(taken()).toBe(true);
  });

  // A 5xx, not a throttle: the SDK retries a throttle only after a second or more, and the rep must be able to try again within the accept window.
  it.concurrent('accept: the accept transaction fails (5xx), the rep sees an error and accepts again, and the lead is theirs with its timer', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't04', 'accept', [{}]);
    const leadId = await faulty.post(person('Accept', { routeTo: 't04' }));
    const offer = await waitForEmail(rep!.email, 'Accept Fault');
    const taken = arm('dynamodb', { operation: 'TransactWriteItems', match: `LEAD#${leadId}`, kind: 'server-error' });

    const failed = await postForm(link(offer, 'Accept lead'));
    const again = await postForm(link(offer, 'Accept lead'));

    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(again.status).toBe(200);
    expect(await lead(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: rep!.id });
    await expectTimer(leadId, 1);
    expect(taken()).toBe(true);
  });

  it.concurrent('pass: sending the lead back to routing fails, then the relay sends it and the next rep gets it', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [first, second] = await addReps(faulty, 't05', 'pass', [{}, {}]);
    const leadId = await faulty.post(person('Pass', { routeTo: 't05' }));
    const { owner, other } = await ownerAndOther(leadId, [first!, second!]);
    const offer = await waitForEmail(owner.email, 'Pass Fault');
    const taken = arm('sqs', { operation: 'SendMessage', match: leadId, kind: 'throttle' });

    expect((await postForm(link(offer, 'Pass to someone else'), 'reason=busy')).status).toBe(200);

    await expectOffered(leadId, other, 'Pass', 2);
    expect(taken()).toBe(true);
  });

  it.concurrent('expire: the accept window passes and the reroute fails, then the relay reroutes it to the next rep', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [first, second] = await addReps(faulty, 't06', 'expire', [{}, {}]);
    const leadId = await faulty.post(person('Expire', { routeTo: 't06' }));
    const { other } = await ownerAndOther(leadId, [first!, second!]);
    const taken = arm('sqs', { operation: 'SendMessage', match: leadId, kind: 'server-error' });

    await expectOffered(leadId, other, 'Expire', 2);
    expect(taken()).toBe(true);
  });

  it.concurrent('expire: the timer step that takes the offer back is throttled, then its retry does it', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [first, second] = await addReps(faulty, 't07', 'expireddb', [{}, {}]);
    const leadId = await faulty.post(person('Expireddb', { routeTo: 't07' }));
    const { other } = await ownerAndOther(leadId, [first!, second!]);
    const taken = arm('dynamodb', { operation: 'TransactWriteItems', match: `LEAD#${leadId}`, kind: 'throttle' });

    await expectOffered(leadId, other, 'Expireddb', 2);
    expect((await faulty.leads.history(leadId)).filter((event) => event.kind === 'offer-expired')).toHaveLength(1);
    expect(taken()).toBe(true);
  });

  it.concurrent('remind: the reminder email is throttled, then sent once', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't08', 'remind', [{}]);
    const leadId = await faulty.post(person('Remind', { routeTo: 't08' }));
    const offer = await waitForEmail(rep!.email, 'Remind Fault');
    expect((await postForm(link(offer, 'Accept lead'))).status).toBe(200);
    const taken = arm('ses', { operation: 'SendEmail', match: 'Reminder: contact Remind Fault', kind: 'throttle' });

    await waitForEmail(rep!.email, 'Reminder: contact Remind Fault');
    await expectEffectsDone(leadId);
    expect(await emailsTo(rep!.email, 'Reminder: contact Remind Fault')).toHaveLength(1);
    expect(taken()).toBe(true);
  });

  it.concurrent('escalate: the escalation email is refused (5xx), then the manager gets it once', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't09', 'escalate', [{}]);
    const leadId = await faulty.post(person('Escalate', { routeTo: 't09' }));
    const offer = await waitForEmail(rep!.email, 'Escalate Fault');
    expect((await postForm(link(offer, 'Accept lead'))).status).toBe(200);
    const taken = arm('ses', { operation: 'SendEmail', match: 'Not contacted in time: Escalate Fault', kind: 'server-error' });

    await waitForEmail(manager('t09'), 'Not contacted in time: Escalate Fault');
    await expectEffectsDone(leadId);
    expect(await emailsTo(manager('t09'), 'Not contacted in time: Escalate Fault')).toHaveLength(1);
    expect(taken()).toBe(true);
  });

  it.concurrent('escalate: the escalation transaction is throttled, then the timer step retries it and the manager is told once', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't10', 'escalateddb', [{}]);
    const leadId = await faulty.post(person('Escalateddb', { routeTo: 't10' }));
    const offer = await waitForEmail(rep!.email, 'Escalateddb Fault');
    expect((await postForm(link(offer, 'Accept lead'))).status).toBe(200);
    await waitForEmail(rep!.email, 'Reminder: contact Escalateddb Fault');
    const taken = arm('dynamodb', { operation: 'TransactWriteItems', match: `LEAD#${leadId}`, kind: 'throttle' });

    await waitForEmail(manager('t10'), 'Not contacted in time: Escalateddb Fault');
    await expectEffectsDone(leadId);
    expect(await emailsTo(manager('t10'), 'Not contacted in time: Escalateddb Fault')).toHaveLength(1);
    expect((await faulty.leads.history(leadId)).filter((event) => event.kind === 'escalated')).toHaveLength(1);
    expect(taken()).toBe(true);
  });

  it.concurrent('reassign: at the deadline the lead is taken back and its reroute fails, then the relay reroutes it to a colleague', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [first, second] = await addReps(faulty, 'reassigning', 'reassign', [{}, {}]);
    const leadId = await faulty.post(person('Reassign', { routeTo: 'reassigning' }));
    const { owner, other } = await ownerAndOther(leadId, [first!, second!]);
    const offer = await waitForEmail(owner.email, 'Reassign Fault');
    expect((await postForm(link(offer, 'Accept lead'))).status).toBe(200);
    const taken = arm('sqs', { operation: 'SendMessage', match: leadId, kind: 'throttle' });

    await expectOffered(leadId, other, 'Reassign', 2);
    expect((await faulty.leads.history(leadId)).map((event) => event.kind)).toContain('reassigned');
    expect(taken()).toBe(true);
  });

  it.concurrent('claim: every rep passed, one claims it from the invitation, and starting the timer fails, then the relay starts it', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const reps = await addReps(faulty, 't11', 'claim', [{}, {}]);
    const leadId = await faulty.post(person('Claim', { routeTo: 't11' }));
    // Each rep it is offered to passes on it: it is then open to the team.
    for (let attempt = 1; attempt <= 2; attempt++) {
      await expect.poll(async () => (({ status, attempt: a }) => `${status}/${a}`)(await lead(leadId)), WITHIN).toBe(`OFFERED/${attempt}`);
      const { ownerId } = await lead(leadId);
      const holder = reps.find((rep) => rep.id === ownerId)!;
      const offer = await waitForEmail(holder.email, 'lead: Claim Fault');
      expect((await postForm(link(offer, 'Pass to someone else'))).status).toBe(200);
    }
    const invitation = await waitForEmail(reps[0]!.email, 'Open to');
    const taken = arm('sfn', { operation: 'StartExecution', match: `${leadId}-3-`, kind: 'server-error' });

    expect((await postForm(link(invitation, 'Claim lead'))).status).toBe(200);

    expect(await lead(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: reps[0]!.id, attempt: 3 });
    await expectEffectsDone(leadId);
    await expectTimer(leadId, 3);
    expect(taken()).toBe(true);
  });

  it.concurrent('pull: a rep pulls the queued lead and starting its timer times out, then the relay starts it', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [rep] = await addReps(faulty, 't12', 'pull', [{ active: false }]);
    const leadId = await faulty.post(person('Pull', { routeTo: 't12' }));
    await expect.poll(async () => (await lead(leadId)).status, WITHIN).toBe('QUEUED');
    await setActive(rep!.id);
    const taken = arm('sfn', { operation: 'StartExecution', match: `${leadId}-1-`, kind: 'timeout' });

    const pulled = await faulty.portal(rep!.id, 'POST', '/portal/next', {});

    expect(pulled.status).toBe(200);
    expect(await lead(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: rep!.id, attempt: 1 });
    await expectEffectsDone(leadId);
    await expectTimer(leadId, 1);
    expect(taken()).toBe(true);
  });

  it.concurrent("assign by hand: the new owner's offer email is throttled, then sent once, and the previous owner is told", async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [first, second, boss] = await addReps(faulty, 't13', 'assign', [{}, { active: false }, { role: 'manager', capacity: 0 }]);
    const leadId = await faulty.post(person('Assign', { routeTo: 't13' }));
    await waitForEmail(first!.email, 'Assign Fault');
    await setActive(second!.id);
    const taken = arm('ses', { operation: 'SendEmail', match: new RegExp(`${second!.email.replace('@', '%40')}|${second!.email}`), kind: 'throttle' });

    const assigned = await faulty.portal(boss!.id, 'POST', `/portal/team/leads/${leadId}/assign`, { repId: second!.id });

    expect(assigned.status).toBe(303);
    await expectOffered(leadId, second!, 'Assign', 2);
    expect(await emailsTo(first!.email, 'Lead moved on: Assign Fault')).toHaveLength(1);
    expect(taken()).toBe(true);
  });

  it.concurrent("use these details: the owner takes over the phone a public resubmission brought, the transaction fails once (5xx), and the retry takes it", async ({ expect }) => {
    const { waitForEmail } = checks(expect);
    const [rep] = await addReps(faulty, 't21', 'details', [{}]);
    const leadId = await faulty.post(person('Details', { routeTo: 't21' }));
    const offer = await waitForEmail(rep!.email, 'Details Fault');
    expect((await postForm(link(offer, 'Accept lead'))).status).toBe(200);
    await faulty.post(person('Details', { routeTo: 't21', phone: '+49 30 5550100', message: 'Call me on this number' }));
    const resubmitted = await vi.waitFor(async () => {
      const event = (await faulty.leads.history(leadId)).find((e) => e.kind === 'resubmitted');
      if (!event) throw new Error('the resubmission is not in the history yet');
      return event;
    }, WITHIN);
    // My leads reads the history for what the resubmission brought (a query the role must allow).
    const page = await faulty.portal(rep!.id, 'GET', '/portal/leads');
    expect(await page.text()).toContain('Use these details');
    const path = `/portal/leads/${leadId}/resubmissions/${encodeURIComponent(resubmitted.at)}/use`;
    // Only the use-details transaction: the lead's timers (its reminder is due meanwhile) commit theirs too.
    const taken = arm('dynamodb', { operation: 'TransactWriteItems', match: new RegExp(`^(?=[\\s\\S]*LEAD#${leadId})(?=[\\s\\S]*"details-used")`), kind: 'server-error' });

    const failed = await faulty.portal(rep!.id, 'POST', path, {});
    const again = await faulty.portal(rep!.id, 'POST', path, {});

    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(again.status).toBe(303);
    expect((await lead(leadId)).contact.phone).toBe('+49305550100');
    expect(taken()).toBe(true);
  });

  it.concurrent('release: the owner hands the lead back and its reroute fails, then the relay reroutes it to a colleague', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [first, second] = await addReps(faulty, 't14', 'release', [{}, {}]);
    const leadId = await faulty.post(person('Release', { routeTo: 't14' }));
    const { owner, other } = await ownerAndOther(leadId, [first!, second!]);
    const taken = arm('sqs', { operation: 'SendMessage', match: leadId, kind: 'server-error' });

    const released = await faulty.portal(owner.id, 'POST', `/portal/leads/${leadId}/release`, {});

    expect(released.status).toBe(303);
    await expectOffered(leadId, other, 'Release', 2);
    expect(taken()).toBe(true);
  });

  it.concurrent("bounce: the owner's address bounces and the reroute fails, then the relay reroutes it to a colleague", async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const [first, second] = await addReps(faulty, 't15', 'bounce', [{}, {}]);
    const leadId = await faulty.post(person('Bounce', { routeTo: 't15' }));
    const { owner, other } = await ownerAndOther(leadId, [first!, second!]);
    const taken = arm('sqs', { operation: 'SendMessage', match: leadId, kind: 'throttle' });

    await faulty.bounce(owner.email);

    await expectOffered(leadId, other, 'Bounce', 2);
    expect(taken()).toBe(true);
  });

  it.concurrent('nurture: the marketing email is throttled, then sent once', async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    const taken = arm('ses', { operation: 'SendEmail', match: 'Lead for nurturing: Nurture Fault', kind: 'throttle' });

    const leadId = await faulty.post(person('Nurture', { interest: 'none' }));

    await expect.poll(async () => (await lead(leadId)).status, WITHIN).toBe('NURTURE');
    await expectEffectsDone(leadId);
    expect(await emailsTo('marketing@integration.example.com', 'Lead for nurturing: Nurture Fault')).toHaveLength(1);
    expect(taken()).toBe(true);
  });

  it.concurrent("queue: nobody can take the lead and the manager's notice is throttled, then the manager is told once", async ({ expect }) => {
    const { waitForEmail, expectEffectsDone, expectTimer, expectOffered, ownerAndOther } = checks(expect);
    await addReps(faulty, 't17', 'queue', [{ active: false }]);
    const taken = arm('ses', { operation: 'SendEmail', match: 'queue: Queue Fault', kind: 'throttle' });

    const leadId = await faulty.post(person('Queue', { routeTo: 't17' }));

    await expect.poll(async () => (await lead(leadId)).status, WITHIN).toBe('QUEUED');
    await expectEffectsDone(leadId);
    expect(await emailsTo(manager('t17'), 'queue: Queue Fault')).toHaveLength(1);
    await expectTimer(leadId, 0);
    expect(taken()).toBe(true);
  });

  it.concurrent('reassign, then queue: a missed lead nobody else can take waits in the queue at the same attempt, with a watcher of its own, and the manager hears of its new deadline too', async ({ expect }) => {
    const { waitForEmail, expectTimer } = checks(expect);
    const [rep] = await addReps(faulty, 't16', 'requeued', [{}]);
    const leadId = await faulty.post(person('Requeued', { routeTo: 't16' }));
    const offer = await waitForEmail(rep!.email, 'Requeued Fault');
    expect((await postForm(link(offer, 'Accept lead'))).status).toBe(200);

    // At the deadline it is taken from its only rep and queued again at attempt 1, with a fresh SLA.
    await expect.poll(async () => (await lead(leadId)).status, WITHIN).toBe('QUEUED');
    expect(await lead(leadId)).toMatchObject({ attempt: 1, missedBy: [rep!.id] });
    await expectTimer(leadId, 1);
    await expect.poll(async () => (await emailsTo(manager('t16'), 'Not contacted in time: Requeued Fault')).length, { ...WITHIN, timeout: 90_000 }).toBe(2);
  }, 150_000);
});

describe('the sweeper, when an effect record is lost', () => {
  it('given a lead whose routing record is deleted by hand (a lost stream record), then it is still offered within two sweeper periods', async () => {
    const [rep] = await addReps(faulty, 't18', 'lost', [{}]);
    // Routing cannot be sent while the record is deleted, so neither the fast path nor the relay gets to it first.
    const taken = arm('sqs', { operation: 'SendMessage', kind: 'server-error', times: Infinity });
    const leadId = await faulty.post(person('Lost', { routeTo: 't18' }));
    // Deleted once the committing function has given up on it (pending again for the relay): its
    // own retries may outlast the 202, and one after the fault is lifted would route the lead.
    const routing = await vi.waitFor(
      async () => {
        const [effect] = await faulty.leads.effects(leadId);
        if (effect?.status !== 'pending') throw new Error(`the routing effect is ${effect?.status ?? 'missing'}, not yet pending`);
        return effect;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(routing).toMatchObject({ purpose: 'route' });
    await faulty.db.send(new DeleteCommand({ TableName: faulty.stack.tableName, Key: { pk: `LEAD#${leadId}`, sk: `EFFECT#${routing.id}` } }));
    expect(taken()).toBe(true);
    // No send still in flight (an SDK retry of the relay's or the fast path's) when the fault is lifted.
    await expect
      .poll(() => Date.now() - Math.max(0, ...faulty.proxies.sqs.calls.filter((call) => call.operation === 'SendMessage').map((call) => call.at.getTime())), { timeout: 20_000, interval: 200 })
      .toBeGreaterThan(2_000);
    faulty.proxies.sqs.reset();

    // Due for the sweeper its grace (a scaled minute, at least the floor) after it arrived, and swept within the next two runs, a minute apart.
    await expect.poll(async () => (await lead(leadId)).status, { timeout: sweepGraceMs(TIME_SCALE) + 2 * scaled(1) + 3_000, interval: 100 }).toBe('OFFERED');

    expect((await faulty.leads.history(leadId)).map((event) => event.kind)).toEqual(['received', 'swept', 'offered']);
    expect((await lead(leadId)).ownerId).toBe(rep!.id);
  });
});

// Last, once every case above is done (suites run one after another).
describe('the permissions behind every case', () => {
  it("given the roles of the synthesized stack, when every call the functions made above is judged as IAM would judge it, then each is one its function's role allows", () => {
    const access = faulty.access();

    expect(access.refused).toEqual([]);
    expect(access.unattributed).toEqual(RUNTIME_CALLS);
    // The cases drove every function but the admin API's.
    expect(callers(access)).toEqual(['ActionsFunction', 'EffectsFunction', 'EscalateFunction', 'FeedbackFunction', 'IngestFunction', 'PortalFunction', 'RouteFunction', 'SweeperFunction']);
  });
});
