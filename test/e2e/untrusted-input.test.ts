import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#infra/local/start.ts';
import { readInbox, waitForEmails as waitForEmailsIn, type SentEmail } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * What people and bots put into forms, on the running local stack: a name that tries to add an
 * email header, and personal data that must reach the rep but never a log line. Every function
 * logs at DEBUG here, the most verbose level, into `lines`.
 */

let stack: LocalStack;
const lines: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ logLevel: 'DEBUG', log: (line) => lines.push(line), warm: true });
});

afterAll(async () => {
  await stack?.stop();
});

/** A homeowner in Hamburg asking about solar: warm under the demo scoring, for the DACH team. */
const hamburgSolar = { product: 'solar', country: 'DE', postalCode: '20095', source: 'website' };

const post = (body: string, contentType = 'application/json') =>
  fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: { 'content-type': contentType }, body, redirect: 'manual' });

const waitForEmails = (match: (email: SentEmail) => boolean, what: string, count = 1) => waitForEmailsIn(stack.inboxUrl, match, { count, what, timeout: 30_000 });

function link(email: SentEmail, label: string): string {
  const match = new RegExp(`href="([^"]+)"[^>]*>${label}<`).exec(email.body.html ?? '');
  if (!match) throw new Error(`no "${label}" link in ${email.subject}`);
  return match[1]!.replaceAll('&amp;', '&');
}

/** The cookies a response sets, as a browser sends them back. */
const cookiesOf = (response: Response) => response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]!).join('; ');
const csrfIn = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

const postForm = (url: string, form: Record<string, string>, cookie = '') =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) }, body: new URLSearchParams(form).toString() });

describe('a name that tries to add an email header', () => {
  it('given a lead whose name carries CR/LF and a Bcc header, when it is offered, then the offer email has its subject on one line', async () => {
    const response = await post(JSON.stringify({ ...hamburgSolar, firstName: 'Dana\r\nBcc: x@evil.test', lastName: 'Injected', email: 'dana.injected@example.com' }));
    expect(response.status).toBe(202);

    const [offer] = await waitForEmails((email) => email.subject.startsWith('New warm lead: Dana'), 'offer emails for Dana');

    expect(offer!.subject).toBe('New warm lead: Dana Bcc: x@evil.test Injected (solar)');
    expect(offer!.subject).not.toMatch(/[\r\n\u2028\u2029]/);
  });
});

describe('personal data in the logs', () => {
  /** In everything a person typed; lower case, as emails are stored. None of its letters is a hex digit, so no id can contain it. */
  const MARKER = 'qzpiim';
  const person = {
    ...hamburgSolar,
    firstName: `Mira${MARKER}`,
    lastName: `Stein${MARKER}`,
    email: `mira.${MARKER}@example.com`,
    phone: '+49 40 7654321',
    company: `${MARKER} Solar GmbH`,
    message: `Please call me, ${MARKER}, after 5pm.`,
  };

  it('given invalid, valid, form and repeated posts full of a marker, routed, accepted and seen in the portal, then no log line of any function carries it', async () => {
    // Unreadable JSON whose parser message would quote it; its answer says where, never what.
    for (const body of [MARKER, `{"email":"${MARKER}@example.com","name":${MARKER}}`, `{"name":"${MARKER}" "x":1}`]) {
      const refused = await post(body);
      expect(refused.status).toBe(400);
      expect(await refused.text()).not.toContain(MARKER);
    }
    // Valid JSON but not a lead: every field named in the answer, no value quoted in a log.
    expect((await post(JSON.stringify({ ...person, email: `${MARKER}@`, phone: `${MARKER}` }))).status).toBe(422);

    const received = await post(JSON.stringify(person));
    expect(received.status).toBe(202);
    const { leadId } = (await received.json()) as { leadId: string };
    const form = new URLSearchParams({ ...hamburgSolar, name: `Otto ${MARKER}`, email: `otto.${MARKER}@example.com`, message: `Form ${MARKER}` }).toString();
    expect((await post(form, 'application/x-www-form-urlencoded')).status).toBeLessThan(400);

    const [offer] = await waitForEmails((email) => email.subject.startsWith(`New warm lead: Mira${MARKER}`), 'offer emails for Mira');
    const repAddress = offer!.destination.to[0]!;
    const acceptUrl = link(offer!, 'Accept lead');
    expect((await fetch(acceptUrl)).status).toBe(200);
    expect((await postForm(acceptUrl, {})).status).toBe(200);

    // The same person again, now with the rep holding the lead: it joins the lead (a public form
    // answers it as a new one), and the rep is told.
    const again = await post(JSON.stringify({ ...person, message: `Me again, ${MARKER}.` }));
    const answer = (await again.json()) as { leadId: string; status: string };
    expect(answer.status).toBe('received');
    expect(answer.leadId).not.toBe(leadId);
    await waitForEmails((email) => email.subject.startsWith('Got in touch again') && email.destination.to.includes(repAddress), 'resubmission notices');

    // The rep signs in to the portal and opens their leads; a stranger asks for a link too.
    const signInForm = await fetch(`${stack.apiUrl}/portal/sign-in`);
    const preSession = cookiesOf(signInForm);
    const csrf = csrfIn(await signInForm.text());
    expect((await postForm(`${stack.apiUrl}/portal/sign-in`, { csrf, email: `${MARKER}@example.com` }, preSession)).status).toBe(200);
    expect((await postForm(`${stack.apiUrl}/portal/sign-in`, { csrf, email: repAddress }, preSession)).status).toBe(200);
    const [signInEmail] = await waitForEmails((email) => email.subject === 'Your sign-in link for the lead portal' && email.destination.to.includes(repAddress), 'sign-in emails');
    const magicLink = link(signInEmail!, 'Sign in');
    const confirm = await fetch(magicLink);
    const signedIn = await postForm(magicLink, { csrf: csrfIn(await confirm.text()) }, cookiesOf(confirm));
    expect(signedIn.status).toBe(303);
    const myLeads = await fetch(`${stack.apiUrl}/portal/leads`, { headers: { cookie: cookiesOf(signedIn) } });
    expect(await myLeads.text()).toContain(`Mira${MARKER}`);

    // Every function wrote lines (a silent stack must not pass), and none of them has the marker.
    const functionLines = lines.filter((line) => line.startsWith('{') && line.includes('"service"'));
    expect(functionLines.length).toBeGreaterThan(10);
    expect(functionLines.map((line) => (JSON.parse(line) as { function_name?: string }).function_name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/Ingest/i), expect.stringMatching(/Route/i), expect.stringMatching(/Actions/i), expect.stringMatching(/Portal/i)]),
    );
    expect(lines.filter((line) => line.toLowerCase().includes(MARKER))).toEqual([]);
    expect(await readInbox(stack.inboxUrl)).toEqual(expect.arrayContaining([expect.objectContaining({ subject: expect.stringContaining(MARKER) })]));
  });
});
