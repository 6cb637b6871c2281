import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#infra/local/start.ts';
import { launchChromium, screenshots } from './browser.ts';
import { waitForEmails, type SentEmail } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * Reps and a manager use the portal on a phone in Debian's Chromium against the local demo
 * stack: sign in with the link from the real email in the local inbox, edit the profile and see
 * routing follow it, pull a lead, mark it contacted, and reassign a lead by hand. Every page is
 * checked with axe-core; screenshots land in test-results/screenshots/.
 */

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack(),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The newest email in the inbox that matches, once there is one. */
async function waitForEmail(match: (email: SentEmail) => boolean): Promise<SentEmail> {
  return (await waitForEmails(stack.inboxUrl, match)).at(-1)!;
}

function hrefOf(email: SentEmail, label: string): string {
  const link = [...(email.body.html ?? '').matchAll(/href="([^"]+)"[^>]*>([^<]*)</g)].find((match) => match[2] === label);
  if (!link) throw new Error(`no "${label}" link in "${email.subject}"`);
  return link[1]!.replaceAll('&amp;', '&');
}

/** A phone-sized browser; CSP forbids scripts on the pages, so axe is injected past it. */
async function phone(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  return { context, page: await context.newPage() };
}

/** axe-core's WCAG 2 A and AA rules on the page as shown; serious and critical findings fail the test. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ path: axePath });
  const { passes, violations } = await page.evaluate(async () => {
    type Rule = { id: string; impact: string; nodes: unknown[] };
    const axe = (globalThis as unknown as { axe: { run: (options: object) => Promise<{ passes: Rule[]; violations: Rule[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return { passes: result.passes.length, violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) };
  });
  // The check ran on real content: rules such as colour contrast and labels passed.
  expect(passes, name).toBeGreaterThan(5);
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), name).toEqual([]);
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: new URL(`portal-${name}.png`, screenshots).pathname, fullPage: true });
}

/** Sign-in links already used, so a second sign-in waits for its own email. */
const used = new Set<string>();

/** Signs in through the real flow: the form, the email in the inbox, the confirm button. */
async function signIn(page: Page, email: string, check = false): Promise<void> {
  await page.goto(`${stack.apiUrl}/portal`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  if (check) await expectAccessible(page, 'sign-in');
  await page.getByLabel('Work email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).tap();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  if (check) await expectAccessible(page, 'check-email');
  const message = await waitForEmail((e) => e.destination.to.includes(email) && e.subject === 'Your sign-in link for the lead portal' && !used.has(hrefOf(e, 'Sign in')));
  used.add(hrefOf(message, 'Sign in'));
  await page.goto(hrefOf(message, 'Sign in'));
  await page.getByRole('heading', { name: 'Sign in to the lead portal' }).waitFor();
  if (check) await expectAccessible(page, 'confirm-sign-in');
  await page.getByRole('button', { name: 'Sign in' }).tap();
  await page.getByRole('heading', { name: 'My leads' }).waitFor();
}

async function postLead(fields: Record<string, string>): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { leadId: string }).leadId;
}

/** A weekday in Berlin that is neither today nor tomorrow there, as the profile form names it. */
function anotherDay(): string {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const today = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', weekday: 'short' }).format(new Date()).toLowerCase().slice(0, 3);
  return days[(days.indexOf(today) + 3) % 7]!;
}

describe('the rep portal in a browser', () => {
  it('given the CSP as the portal sends it, when a rep opens the sign-in page, then its stylesheet loads and styles the page, with no policy violated', async () => {
    // Not `phone()`: that context bypasses the CSP to inject axe.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) refused.push(message.text());
    });
    const fetched: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/portal/styles.css') fetched.push(response.status());
    });

    // Load waits for the stylesheet, or for the CSP to refuse it.
    await page.goto(`${stack.apiUrl}/portal/sign-in`);

    expect(refused).toEqual([]);
    expect(fetched).toEqual([200]);
    // DevTools evaluation is not page script, so the CSP does not stop it.
    const styled = await page.evaluate(() => {
      type Style = { fontSize: string; minHeight: string };
      const g = globalThis as unknown as { document: { body: object; querySelector: (selector: string) => object }; getComputedStyle: (element: object) => Style };
      return { body: g.getComputedStyle(g.document.body).fontSize, button: g.getComputedStyle(g.document.querySelector('button.big')).minHeight };
    });
    expect(styled).toEqual({ body: '17px', button: '56px' });
    await context.close();
  });

  it('given a franchise agent, when she limits her hours, then a lead waits in the queue; she pulls it and marks it contacted', async () => {
    const { context, page } = await phone();
    await signIn(page, 'ida@munich-solar.example.com', true);
    await expectAccessible(page, 'my-leads-empty');

    await page.getByRole('link', { name: 'Profile' }).tap();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    await expectAccessible(page, 'profile');
    await page.locator(`[name="hours-${anotherDay()}"]`).fill('09:00-17:00');
    await page.getByRole('button', { name: 'Save profile' }).tap();
    await page.getByText('Your profile is saved.').waitFor();

    // Routing follows the profile at once: outside her hours now, the lead waits for her.
    const leadId = await postLead({ firstName: 'Max', lastName: 'Huber', email: 'max@example.de', phone: '+49 89 1234567', product: 'solar', country: 'DE', postalCode: '80331', source: 'website' });
    await expect.poll(async () => (await fetch(`${stack.apiUrl}/leads/${leadId}`, { headers: { authorization: `Bearer ${adminKey()}` } }).then((r) => r.json()) as { lead: { status: string } }).lead.status, { timeout: 15_000 }).toBe('QUEUED');

    await page.getByRole('link', { name: 'Next lead' }).tap();
    await page.getByText('One lead is waiting in your team queue.').waitFor();
    await expectAccessible(page, 'next-lead');
    await page.getByRole('button', { name: 'Get the next lead' }).tap();
    await page.getByRole('heading', { name: 'This lead is yours' }).waitFor();
    await expectAccessible(page, 'next-lead-claimed');
    await page.getByRole('link', { name: 'My leads' }).first().tap();
    await page.getByRole('heading', { name: 'Max Huber' }).waitFor();
    await expectAccessible(page, 'my-leads');
    await page.getByRole('button', { name: /^I contacted them/ }).tap();
    await page.getByText('Marked as contacted').waitFor();

    const { lead } = (await (await fetch(`${stack.apiUrl}/leads/${leadId}`, { headers: { authorization: `Bearer ${adminKey()}` } })).json()) as { lead: { status: string; ownerId: string } };
    expect(lead).toMatchObject({ status: 'CONTACTED', ownerId: 'ida' });
    await context.close();
  });

  it('given a lead nobody in the team can take, when the manager assigns it by hand, then the chosen rep gets the offer email', async () => {
    // Nobody in the DACH team speaks Italian: the lead waits in the team queue.
    const leadId = await postLead({ firstName: 'Giulia', lastName: 'Rossi', email: 'giulia@example.it', product: 'solar', country: 'DE', postalCode: '20095', language: 'it', source: 'website' });
    const { context, page } = await phone();
    await signIn(page, 'sales.manager@demo.example.com');

    await page.getByRole('link', { name: 'Team' }).tap();
    await page.getByRole('heading', { name: /^Team / }).waitFor();
    await expect.poll(async () => {
      await page.reload();
      return page.getByLabel('Assign to (Giulia Rossi)').count();
    }, { timeout: 15_000 }).toBe(1);
    await expectAccessible(page, 'team');
    await page.getByLabel('Assign to (Giulia Rossi)').selectOption('ana');
    await page.getByRole('button', { name: 'Assign Giulia Rossi' }).tap();
    await page.getByText('Lead assigned').waitFor();
    await expectAccessible(page, 'team-assigned');

    const offer = await waitForEmail((e) => e.destination.to.includes('ana@demo.example.com') && e.subject === 'New warm lead: Giulia Rossi (solar)');
    expect(hrefOf(offer, 'Accept lead')).toContain('/a/');
    const { history } = (await (await fetch(`${stack.apiUrl}/leads/${leadId}`, { headers: { authorization: `Bearer ${adminKey()}` } })).json()) as { history: { kind: string; actor: string }[] };
    expect(history).toContainEqual(expect.objectContaining({ kind: 'assigned', actor: 'manager:sofia' }));
    await context.close();
  });
});

function adminKey(): string {
  return Object.entries(stack.secrets).find(([id]) => id.startsWith('AdminApiKey'))![1];
}
