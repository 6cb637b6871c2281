import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import { resolveFunctionId } from '#infra/local/invoke.ts';
import type { LocalStack } from '#infra/local/start.ts';
import { LeadStore } from '#shared/adapters/lead-store.ts';
import { AdminRepStore } from '#shared/adapters/admin-rep-store.ts';
import type { Lead } from '#shared/domain/lead.ts';
import { readInbox, type SentEmail as Sent } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * An SES bounce on the running local stack: the sample notification of
 * `events/feedback/ses-bounce.json` (Ana's address bounced) goes to the FeedbackFunction as
 * SNS would deliver it, and the demo team carries on without her.
 */

/** A warm router reads a team's roster at most every five seconds (RosterCache), and so sees a new mark that much later. */
const ROSTER_CACHE_MS = 5_000;

let stack: LocalStack;
let leads: LeadStore;
let reps: AdminRepStore;
let feedbackFunction: string;

beforeAll(async () => {
  stack = await startTestStack();
  // The stack names its functions with a hash; the running stack lists them.
  const id = resolveFunctionId('FeedbackFunction', stack.functionIds);
  if (!id) throw new Error(`no FeedbackFunction in the stack; it has ${stack.functionIds.join(', ')}`);
  feedbackFunction = id;
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: LOCAL_CREDENTIALS }));
  leads = new LeadStore(stack.tableName, db);
  reps = new AdminRepStore(stack.tableName, db);
});

afterAll(async () => {
  await stack?.stop();
});

/** A homeowner in Hamburg asking about solar: warm, for the DACH team, where Ana is first in line on a fresh stack. */
async function postLead(firstName: string, lastName: string): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ firstName, lastName, email: `${firstName.toLowerCase()}@example.com`, product: 'solar', country: 'DE', postalCode: '20095', source: 'website' }),
  });
  expect(response.status).toBe(202);
  return z.object({ leadId: z.string() }).parse(await response.json()).leadId;
}

const inbox = (): Promise<Sent[]> => readInbox(stack.inboxUrl);

/** Waits until `probe` gives something, and returns it; fails after `timeout` naming `what`. */
function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeout = 20_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const found = await probe();
      if (found === undefined) throw new Error(`gave up waiting for ${what} after ${timeout} ms`);
      return found;
    },
    { timeout, interval: 200 },
  );
}

const offered = (leadId: string) => async (): Promise<Lead | undefined> => {
  const lead = await leads.get(leadId);
  return lead?.status === 'OFFERED' ? lead : undefined;
};

const emailTo = (address: string, subject: string) => async () => (await inbox()).find((e) => e.destination.to.includes(address) && e.subject === subject);

describe('an SES bounce on the local stack', () => {
  it("given Ana's offer email bounced, when the FeedbackFunction gets the sample bounce, then her lead goes to a colleague, new leads skip her, and the DACH manager is emailed once", async () => {
    const firstId = await postLead('Bruno', 'Bounce');
    const first = await eventually(offered(firstId), 'the first offer');
    expect(first.ownerId).toBe('ana');
    await eventually(emailTo('ana@demo.example.com', 'New warm lead: Bruno Bounce (solar)'), "Ana's offer email");
    const sample: unknown = JSON.parse(readFileSync(new URL('../../events/feedback/ses-bounce.json', import.meta.url), 'utf8'));

    const result = await stack.invoke(feedbackFunction, sample);

    expect(result).toMatchObject({ results: [{ outcomes: [{ address: 'ana@demo.example.com', kind: 'marked', repId: 'ana', takenBack: [firstId] }] }] });
    expect((await reps.get('ana'))?.unreachable).toMatchObject({ reason: 'bounce', address: 'ana@demo.example.com', subType: 'General' });
    const reoffered = await eventually(async () => ((await leads.get(firstId))?.attempt === 2 ? offered(firstId)() : undefined), 'the lead offered again');
    expect(reoffered.ownerId).not.toBe('ana');
    const colleague = await reps.get(reoffered.ownerId!);
    await eventually(emailTo(colleague!.email, 'New warm lead: Bruno Bounce (solar)'), "the colleague's offer email");

    const notice = await eventually(emailTo('sales.manager@demo.example.com', 'Lead emails to Ana Souza bounce: no new leads for them until the address is fixed'), "the manager's email");
    expect(notice.body.text).toContain('Lead emails to Ana Souza (rep ana, DACH inside sales) at ana@demo.example.com cannot be delivered');
    expect(notice.body.text).toContain('Bruno Bounce');
    expect(notice.body.text).toContain('npm run admin -- import-reps reps.csv');

    // The same notification again, as SNS may redeliver it: nothing more happens.
    const emailsBefore = (await inbox()).length;
    const again = await stack.invoke(feedbackFunction, sample);
    expect(again).toMatchObject({ results: [{ outcomes: [{ kind: 'already-marked', takenBack: [], told: [] }] }] });
    expect(await leads.get(firstId)).toMatchObject({ status: 'OFFERED', attempt: 2, ownerId: reoffered.ownerId });
    expect((await leads.history(firstId)).filter((event) => event.kind === 'offer-undeliverable')).toHaveLength(1);
    expect((await reps.get('ana'))?.unreachable).toMatchObject({ reason: 'bounce', address: 'ana@demo.example.com' });

    // Waits out the roster cache of a warm router: a fixed window, not a state to poll for.
    await new Promise((resolve) => setTimeout(resolve, ROSTER_CACHE_MS));
    expect((await inbox()).length).toBe(emailsBefore);
    const secondId = await postLead('Nora', 'Next');
    const second = await eventually(offered(secondId), 'the second offer');
    expect(second.ownerId).not.toBe('ana');
    expect((await inbox()).filter((e) => e.destination.to.includes('ana@demo.example.com') && e.subject.includes('Nora Next'))).toEqual([]);
    expect((await inbox()).filter((e) => e.subject.startsWith('Lead emails to Ana Souza bounce'))).toHaveLength(1);
  });
});
