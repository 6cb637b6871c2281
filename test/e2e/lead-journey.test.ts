import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import type { LocalStack } from '#infra/local/start.ts';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { readInbox, waitForEmails as waitForEmailsIn, type SentEmail as Sent } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * A lead's life on the running local stack, as a rep and a manager see it: the webhook, the
 * offer email in the inbox, the links in it, and the deadline escalation. Durations run 120
 * times faster (the 30-minute deadline passes in 15 seconds) through the same state machine.
 */

const TIME_SCALE = 120;
const CONTACT_DEADLINE_MS = (30 * 60_000) / TIME_SCALE;
/** The demo config's accept window for warm leads: 15 minutes, 7.5 seconds here. */
const ACCEPT_WINDOW_MS = (15 * 60_000) / TIME_SCALE;

let stack: LocalStack;
let leads: LeadStore;

beforeAll(async () => {
  // Every function ready before the first lead: at this scale the sweeper's grace is seconds,
  // and cold starts on a busy machine would have it race the first routing.
  stack = await startTestStack({ timeScale: String(TIME_SCALE), warm: true });
  const db = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: LOCAL_CREDENTIALS });
  leads = new LeadStore(stack.tableName, DynamoDBDocumentClient.from(db));
});

afterAll(async () => {
  await stack?.stop();
});

/** A homeowner in Hamburg asking about solar: warm under the demo scoring, for the DACH team. */
const hamburgSolar = { product: 'solar', country: 'DE', postalCode: '20095', source: 'website' };

async function postLead(fields: Record<string, string>): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...hamburgSolar, ...fields }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { leadId: string }).leadId;
}

const inbox = (): Promise<Sent[]> => readInbox(stack.inboxUrl);

/** Waits until `count` emails match (at most `timeout` ms), and returns every one that does. */
const waitForEmails = (match: (email: Sent) => boolean, count = 1, timeout = 20_000): Promise<Sent[]> => waitForEmailsIn(stack.inboxUrl, match, { count, timeout });

/** The statuses of the lead's SLA timer executions (named `<leadId>-<attempt>-<effect>`). */
async function timerStatuses(leadId: string): Promise<string[]> {
  const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region: stack.region, credentials: LOCAL_CREDENTIALS });
  try {
    const statuses: string[] = [];
    for (const stateMachineArn of stack.stateMachineArns) {
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
        for (const execution of page.executions ?? []) if (execution.name?.startsWith(`${leadId}-`)) statuses.push(execution.status ?? '');
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return statuses;
  } finally {
    sfn.destroy();
  }
}

function link(email: Sent, label: string): string {
  const html = email.body.html ?? '';
  const match = new RegExp(`href="([^"]+)"[^>]*>${label}<`).exec(html);
  if (!match) throw new Error(`no "${label}" link in ${email.subject}`);
  return match[1]!.replaceAll('&amp;', '&');
}

const postForm = (url: string, form = '') =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });

describe('a lead on the local stack', () => {
  it('given a posted lead, when the rep accepts it from the email, marks it contacted and closes it as won, then each step is recorded', async () => {
    const leadId = await postLead({ firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', phone: '+1 202 555 0100' });
    const [offer] = await waitForEmails((e) => e.subject === 'New warm lead: Grace Hopper (solar)');
    expect(offer).toBeDefined();
    const acceptUrl = link(offer!, 'Accept lead');
    expect(acceptUrl.startsWith(`${stack.apiUrl}/a/`)).toBe(true);

    const opened = await fetch(acceptUrl);
    const probed = await fetch(acceptUrl, { method: 'HEAD' });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('Accept this lead?');
    expect(probed.status).toBe(200);
    expect(await leads.get(leadId)).toMatchObject({ status: 'OFFERED' });

    const accepted = await postForm(acceptUrl);
    const acceptedPage = await accepted.text();
    expect(accepted.status).toBe(200);
    expect(acceptedPage).toContain('Lead accepted');
    expect(await leads.get(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: expect.any(String) });

    const contactedAction = /<form method="post" action="([^"]+)"/.exec(acceptedPage)?.[1];
    expect(contactedAction).toBeDefined();
    const contacted = await postForm(new URL(contactedAction!, acceptUrl).href);
    const contactedPage = await contacted.text();
    expect(contactedPage).toContain('Marked as contacted');
    expect(await leads.get(leadId)).toMatchObject({ status: 'CONTACTED' });

    const wonAction = /<form method="post" action="([^"]+)"[^>]*><button type="submit">Won</.exec(contactedPage)?.[1];
    expect(wonAction).toBeDefined();
    const won = await postForm(new URL(wonAction!, acceptUrl).href);
    expect(await won.text()).toContain('Closed as won');
    expect(await leads.get(leadId)).toMatchObject({ status: 'CLOSED', outcome: 'won' });
    expect((await leads.history(leadId)).map((event) => event.kind)).toEqual(['received', 'offered', 'accepted', 'contacted', 'closed']);
  });

  it('given a posted lead, when the rep passes on it, then it is offered to a colleague', async () => {
    const leadId = await postLead({ firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com' });
    const [first] = await waitForEmails((e) => e.subject === 'New warm lead: Alan Turing (solar)');
    expect(first).toBeDefined();

    const passed = await postForm(link(first!, 'Pass to someone else'), 'reason=Out+of+my+territory');
    expect(await passed.text()).toContain('Lead passed on');

    const offers = await waitForEmails((e) => e.subject === 'New warm lead: Alan Turing (solar)', 2);
    expect(offers).toHaveLength(2);
    expect(offers[1]!.destination.to[0]).not.toBe(first!.destination.to[0]);
    expect(await leads.get(leadId)).toMatchObject({ status: 'OFFERED', attempt: 2, excludedReps: [expect.any(String)] });
  });

  it('given an offer nobody answers, when its accept window passes, then the lead is offered to a colleague and the first rep is told', async () => {
    const leadId = await postLead({ firstName: 'Quiet', lastName: 'Offer', email: 'quiet@example.com' });
    const [first] = await waitForEmails((e) => e.subject === 'New warm lead: Quiet Offer (solar)');
    expect(first).toBeDefined();
    const firstRep = first!.destination.to[0]!;

    const offers = await waitForEmails((e) => e.subject === 'New warm lead: Quiet Offer (solar)', 2, ACCEPT_WINDOW_MS + 20_000);
    expect(offers).toHaveLength(2);
    expect(offers[1]!.destination.to[0]).not.toBe(firstRep);
    expect((await waitForEmails((e) => e.subject === 'Lead moved on: Quiet Offer (solar, warm)' && e.destination.to[0] === firstRep))).toHaveLength(1);
    expect(await leads.get(leadId)).toMatchObject({ status: 'OFFERED', attempt: 2 });
    expect((await leads.history(leadId)).map((event) => event.kind)).toEqual(['received', 'offered', 'offer-expired', 'offered']);
    // The first offer's links no longer act: the page says the lead moved on.
    const stale = await postForm(link(first!, 'Accept lead'));
    expect(stale.status).toBe(409);
  });

  it('given an ignored, an accepted, a contacted and a missed enterprise lead, when the contact deadline passes, then the owners are reminded and the manager gets each uncontacted one with its history', async () => {
    const ignoredId = await postLead({ firstName: 'Ignored', lastName: 'Lead', email: 'ignored@example.com' });
    const acceptedId = await postLead({ firstName: 'Accepted', lastName: 'Lead', email: 'accepted@example.com' });
    const handledId = await postLead({ firstName: 'Handled', lastName: 'Lead', email: 'handled@example.com' });
    // Commercial projects go to the enterprise team, which takes missed leads away from their owner.
    const missedId = await postLead({ firstName: 'Missed', lastName: 'Project', email: 'missed@example.com', segment: 'commercial' });

    const [acceptedOffer] = await waitForEmails((e) => e.subject === 'New warm lead: Accepted Lead (solar)');
    await postForm(link(acceptedOffer!, 'Accept lead'));
    const accepter = acceptedOffer!.destination.to[0]!;
    const [handledOffer] = await waitForEmails((e) => e.subject === 'New warm lead: Handled Lead (solar)');
    const acceptedPage = await (await postForm(link(handledOffer!, 'Accept lead'))).text();
    const contactedAction = /<form method="post" action="([^"]+)"/.exec(acceptedPage)![1]!;
    await postForm(new URL(contactedAction, link(handledOffer!, 'Accept lead')).href);
    const [missedOffer] = await waitForEmails((e) => e.subject === 'New warm lead: Missed Project (solar)');
    expect(missedOffer!.destination.to).toEqual(['frank@demo.example.com']);
    await postForm(link(missedOffer!, 'Accept lead'));

    // Ten minutes before the 30-minute deadline (5 seconds here), the owner is reminded.
    const [reminder] = await waitForEmails((e) => e.subject.startsWith('Reminder: contact Accepted Lead (solar, warm) by'), 1, CONTACT_DEADLINE_MS);
    expect(reminder!.destination.to).toEqual([accepter]);
    expect(reminder!.body.text).toMatch(/before \w{3} \d{1,2} \w{3}, \d{2}:\d{2} (CET|CEST|GMT\+\d)/);

    // Leads of the earlier tests are escalated too; only these three count here.
    const escalations = await waitForEmails((e) => /^Not contacted in time: (Ignored Lead|Accepted Lead|Missed Project) /.test(e.subject), 3, CONTACT_DEADLINE_MS + 20_000);
    const escalation = (name: string) => escalations.find((e) => e.subject === `Not contacted in time: ${name} (solar, warm)`);
    expect(escalation('Ignored Lead')?.destination.to).toEqual(['sales.manager@demo.example.com']);
    expect(escalation('Accepted Lead')?.destination.to).toEqual(['sales.manager@demo.example.com']);
    expect(escalation('Accepted Lead')?.body.text).toMatch(/History:\n- .+ \| received \| webhook[^\n]*\n- .+ \| offered \| router, to \w+[^\n]*\n- .+ \| accepted \| \w+ \| OFFERED → ACCEPTED/);
    expect(escalation('Accepted Lead')?.body.text).toContain('It stays with');
    expect(escalation('Missed Project')?.destination.to).toEqual(['enterprise.manager@demo.example.com']);
    expect(escalation('Missed Project')?.body.text).toContain('It has been taken from Frank');
    // The email goes out before the escalation is recorded (a retry may repeat it, never lose it).
    for (const id of [ignoredId, acceptedId, missedId]) {
      await expect.poll(async () => (await leads.history(id)).map((event) => event.kind), { timeout: 5_000 }).toContain('escalated');
    }
    expect(await leads.get(acceptedId)).toMatchObject({ status: 'ACCEPTED' });
    // Nobody else in the enterprise team: the missed lead waits in its queue, Frank is told and not invited back.
    await expect.poll(async () => (await leads.get(missedId))?.status, { timeout: 5_000 }).toBe('QUEUED');
    expect(await waitForEmails((e) => e.subject === 'Lead moved on: Missed Project (solar, warm)' && e.destination.to[0] === 'frank@demo.example.com')).toHaveLength(1);
    expect((await inbox()).filter((e) => e.subject.startsWith('Open to Commercial projects: Missed Project'))).toEqual([]);

    // The handled lead's deadline passed at the same time: once its timer has run its last step, nothing went out about it.
    await expect.poll(() => timerStatuses(handledId), { timeout: 20_000, interval: 200 }).toEqual(['SUCCEEDED']);
    const aboutHandled = (await inbox()).filter((e) => e.subject.includes('Handled Lead') && !e.subject.startsWith('New warm lead'));
    expect(aboutHandled).toEqual([]);
    expect((await leads.history(handledId)).map((event) => event.kind)).toEqual(['received', 'offered', 'accepted', 'contacted']);
  });

  it('given a lead both reps of a franchisee pass on, then it waits in their queue, the owner is told, both are invited to claim it, and the first claim wins', async () => {
    const leadId = await postLead({ firstName: 'Nobody', lastName: 'Wants', email: 'nobody@example.com', postalCode: '10115' });
    const offer = (n: number) => waitForEmails((e) => e.subject === 'New warm lead: Nobody Wants (solar)', n);
    const [first] = await offer(1);
    await postForm(link(first!, 'Pass to someone else'), 'reason=Too+far');
    const offers = await offer(2);
    expect(offers).toHaveLength(2);
    await postForm(link(offers[1]!, 'Pass to someone else'), 'reason=Fully+booked');

    const invitations = await waitForEmails((e) => e.subject === 'Open to Berlin Solar GmbH (franchisee): Nobody Wants (solar, warm)', 2);
    expect(invitations.map((e) => e.destination.to[0]).sort()).toEqual(['greta@berlin-solar.example.com', 'hans@berlin-solar.example.com']);
    const [notice] = await waitForEmails((e) => e.subject === 'Waiting in the Berlin Solar GmbH (franchisee) queue: Nobody Wants (solar, warm)');
    expect(notice!.destination.to).toEqual(['owner@berlin-solar.example.com']);
    expect(await leads.get(leadId)).toMatchObject({ status: 'QUEUED' });

    const [hansInvite] = invitations.filter((e) => e.destination.to[0] === 'hans@berlin-solar.example.com');
    const [gretaInvite] = invitations.filter((e) => e.destination.to[0] === 'greta@berlin-solar.example.com');
    expect(await (await fetch(link(hansInvite!, 'Claim lead'))).text()).toContain('Claim this lead?');
    const claimed = await postForm(link(hansInvite!, 'Claim lead'));
    expect(await claimed.text()).toContain('Lead claimed');
    const late = await postForm(link(gretaInvite!, 'Claim lead'));
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('A colleague claimed it first');

    expect(await leads.get(leadId)).toMatchObject({ status: 'ACCEPTED', ownerId: 'hans', attempt: 3 });
    expect((await leads.history(leadId)).map((event) => event.kind)).toEqual([
      'received',
      'offered',
      'passed',
      'offered',
      'passed',
      'queued',
      'opened-to-team',
      'claimed',
    ]);
  });
});
