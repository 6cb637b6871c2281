import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import { startLandingServer, type LandingServer } from '#infra/local/landing.ts';
import { loadSeedFile } from '#infra/local/seed.ts';
import type { LocalStack } from '#infra/local/start.ts';
import { launchChromium, screenshots } from './browser.ts';
import { readInbox, waitForEmails } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * A homeowner fills in the sample landing page of events/landing on a phone, in Debian's
 * Chromium, against the local stack: with JavaScript (JSON post, inline thank-you, errors next
 * to their fields), without it (plain form post, 303 to thanks.html), and with a double tap.
 * Each lead must land once, normalized, and reach a rep. axe-core checks the pages.
 */

const TIME_SCALE = 60;
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const repEmails = loadSeedFile().reps.map((rep) => rep.email);

let stack: LocalStack;
let browser: Browser;
let landing: LandingServer;
let db: DynamoDBDocumentClient;
let configDir: string;
let webhookUrl: string;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The demo config, its `website` source moved to the test's landing origin. */
const DemoConfig = z.looseObject({
  intake: z.looseObject({ sources: z.array(z.looseObject({ id: z.string() })) }),
});

function configForLanding(origin: string): string {
  const demo = DemoConfig.parse(JSON.parse(readFileSync(new URL('../../infra/stacks/demo.json', import.meta.url), 'utf8')));
  const sources = demo.intake.sources.map((source) =>
    source.id === 'website' ? { ...source, allowedOrigins: [origin], thankYouUrl: `${origin}/thanks.html` } : source,
  );
  configDir = mkdtempSync(join(tmpdir(), 'lead-router-landing-'));
  const file = join(configDir, 'demo.json');
  writeFileSync(file, JSON.stringify({ ...demo, intake: { ...demo.intake, sources } }, null, 2));
  return file;
}

beforeAll(async () => {
  const landingPort = await freePort();
  const config = configForLanding(`http://localhost:${landingPort}`);
  [stack, browser] = await Promise.all([
    startTestStack({ config, timeScale: String(TIME_SCALE) }),
    launchChromium(),
  ]);
  webhookUrl = `${stack.apiUrl}/sources/website/leads`;
  landing = await startLandingServer({ port: landingPort, webhookUrl });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: LOCAL_CREDENTIALS }));
});

afterAll(async () => {
  await landing?.stop();
  await browser?.close();
  await stack?.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/** A phone-sized browser; CSP allows no foreign scripts, so axe is injected past it. */
async function phone(javaScriptEnabled = true): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true, javaScriptEnabled });
  return { context, page: await context.newPage() };
}

interface Homeowner {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone?: string;
  readonly postalCode: string;
  readonly country: string;
  readonly product: string;
  readonly timeline: string;
  readonly message?: string;
}

const homeowner = (overrides: Partial<Homeowner> & Pick<Homeowner, 'lastName' | 'email'>): Homeowner => ({
  firstName: 'Mia',
  postalCode: '20095',
  country: 'Germany',
  product: 'Heat pump',
  timeline: 'Within a month',
  ...overrides,
});

/** Fills the form as a person does, finding each control by its label. */
async function fillForm(page: Page, person: Homeowner): Promise<void> {
  await page.getByLabel('First name').fill(person.firstName);
  await page.getByLabel('Last name').fill(person.lastName);
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(person.email);
  if (person.phone) await page.getByRole('textbox', { name: /^Phone/ }).fill(person.phone);
  await page.getByLabel('Postcode').fill(person.postalCode);
  await page.getByLabel('Country').selectOption({ label: person.country });
  await page.getByLabel('I am interested in').selectOption({ label: person.product });
  await page.getByRole('radio', { name: person.timeline }).check();
  if (person.message) await page.getByLabel(/Anything we should know/).fill(person.message);
  await page.getByRole('checkbox', { name: /may contact me/ }).check();
}

const submitButton = (page: Page) => page.getByRole('button', { name: 'Request my free quote' });

/** axe-core's WCAG 2 A and AA rules on the page as shown, no sideways scrolling, and a screenshot. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ path: axePath });
  const { passes, violations } = await page.evaluate(async () => {
    type Rule = { id: string; impact: string; nodes: unknown[] };
    const axe = (globalThis as unknown as { axe: { run: (options: object) => Promise<{ passes: Rule[]; violations: Rule[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return { passes: result.passes.length, violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) };
  });
  expect(passes, name).toBeGreaterThan(5);
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), name).toEqual([]);
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: new URL(`landing-${name}.png`, screenshots).pathname, fullPage: true });
}

/** Leads in the table from this email address (the admin API has no search, the table does). */
async function leadsFrom(email: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const pages = paginateScan(
    { client: db },
    {
      TableName: stack.tableName,
      FilterExpression: '#type = :lead AND contact.email = :email',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':lead': 'lead', ':email': email },
    },
  );
  for await (const page of pages) found.push(...(page.Items ?? []));
  return found;
}

function adminKey(): string {
  return Object.entries(stack.secrets).find(([id]) => id.startsWith('AdminApiKey'))![1];
}

const AdminLead = z.object({
  lead: z.looseObject({
    id: z.string(),
    contact: z.looseObject({ phone: z.string().optional(), email: z.string().optional() }),
    fields: z.record(z.string(), z.string()),
  }),
});

async function adminLead(leadId: string): Promise<z.infer<typeof AdminLead>['lead']> {
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}`, { headers: { authorization: `Bearer ${adminKey()}` } });
  expect(response.status).toBe(200);
  return AdminLead.parse(await response.json()).lead;
}

/** The offer email about this lead to one of the demo reps, once it is in the inbox. */
async function waitForOffer(name: string): Promise<{ to: string; subject: string }> {
  const [offer] = await waitForEmails(stack.inboxUrl, (e) => e.subject.includes(name) && repEmails.includes(e.destination.to[0] ?? ''), { what: `offer emails for ${name}` });
  return { to: offer!.destination.to[0]!, subject: offer!.subject };
}

describe('the sample landing page in a browser', () => {
  it('given a phone with JavaScript, when the form is sent, then the thank-you shows in place and the lead reaches a rep with its phone in E.164 and its campaign', async () => {
    const { context, page } = await phone();
    await page.goto(`${landing.url}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-heat-pumps`);
    await fillForm(page, homeowner({ lastName: 'Landing', email: 'mia.landing@example.de', phone: '030 5550 1001', message: 'Old oil boiler, 140 m²' }));
    const posted = page.waitForResponse((response) => response.url() === webhookUrl && response.request().method() === 'POST');

    await submitButton(page).tap();

    const response = await posted;
    expect(response.status()).toBe(202);
    const { leadId } = z.object({ leadId: z.string() }).parse(await response.json());
    await page.getByRole('heading', { name: 'Thank you, Mia!' }).waitFor();
    expect(await page.locator('form#lead-form').isHidden()).toBe(true);
    await expectAccessible(page, 'thank-you-inline');

    const offer = await waitForOffer('Mia Landing');
    expect(repEmails).toContain(offer.to);
    const lead = await adminLead(leadId);
    expect(lead.contact.phone).toBe('+493055501001');
    expect(lead.fields.utm_campaign).toBe('spring-heat-pumps');
    await context.close();
  });

  it('given a phone without JavaScript, when the form is sent, then the browser lands on thanks.html and the lead is stored', async () => {
    const { context, page } = await phone(false);
    await page.goto(landing.url);
    await fillForm(page, homeowner({ firstName: 'Jonas', lastName: 'Plainform', email: 'jonas.plainform@example.de', phone: '040 5550 1002', product: 'Solar panels' }));

    await submitButton(page).tap();

    await page.waitForURL(`${landing.url}/thanks.html`);
    await page.getByRole('heading', { name: 'Thank you, we have your request' }).waitFor();
    await expect.poll(() => leadsFrom('jonas.plainform@example.de'), { timeout: 10_000 }).toHaveLength(1);
    const [stored] = await leadsFrom('jonas.plainform@example.de');
    expect(stored).toMatchObject({ contact: expect.objectContaining({ phone: '+494055501002', product: 'solar' }) });
    await context.close();
  });

  it('given an email address the server refuses, when the form is sent with JavaScript, then the error shows next to the email field and nothing is stored', async () => {
    const { context, page } = await phone();
    await page.goto(landing.url);
    // Passes the browser's own email check (no dot needed there), not the server's.
    await fillForm(page, homeowner({ lastName: 'Typo', email: 'anna@example' }));
    const posted = page.waitForResponse((response) => response.url() === webhookUrl && response.request().method() === 'POST');

    await submitButton(page).tap();

    expect((await posted).status()).toBe(422);
    const email = page.getByRole('textbox', { name: 'Email', exact: true });
    const error = page.locator('.field', { has: page.locator('#email') }).locator('.field-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/email/i);
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect((await email.getAttribute('aria-describedby'))?.split(' ')).toContain(await error.getAttribute('id'));
    expect(await page.getByRole('heading', { name: /Thank you/ }).isVisible()).toBe(false);
    await expectAccessible(page, 'email-error');
    expect(await leadsFrom('anna@example')).toEqual([]);
    expect((await readInbox(stack.inboxUrl)).filter((e) => e.subject.includes('Mia Typo'))).toEqual([]);
    await context.close();
  });

  it('given a double tap on send, when both reach the page, then every post carries the same Idempotency-Key and one lead is made', async () => {
    const { context, page } = await phone();
    await page.goto(landing.url);
    await fillForm(page, homeowner({ firstName: 'Lena', lastName: 'Doubletap', email: 'lena.doubletap@example.de', phone: '089 5550 1003', postalCode: '80331' }));
    const posts: Request[] = [];
    page.on('request', (request) => {
      if (request.url() === webhookUrl && request.method() === 'POST') posts.push(request);
    });

    await submitButton(page).dblclick();

    await page.getByRole('heading', { name: 'Thank you, Lena!' }).waitFor();
    // The second tap's post may still be on its way: a window to wait out before counting them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all(posts.map((post) => post.response()));
    expect(posts.length).toBeGreaterThanOrEqual(1);
    const keys = new Set(posts.map((post) => post.headers()['idempotency-key']));
    expect([...keys]).toEqual([expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)]);
    expect(await leadsFrom('lena.doubletap@example.de')).toHaveLength(1);
    await context.close();
  });

  it('given the landing and thank-you pages on a 390 px phone, when checked with axe-core, then no serious findings and no sideways scrolling', async () => {
    const { context, page } = await phone();
    await page.goto(landing.url);
    await page.getByRole('heading', { name: 'Get your free quote' }).waitFor();
    await expectAccessible(page, 'index');
    await page.goto(`${landing.url}/thanks.html`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expectAccessible(page, 'thanks');
    await context.close();
  });
});
