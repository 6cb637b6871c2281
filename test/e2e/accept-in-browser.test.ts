import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#infra/local/start.ts';
import { launchChromium, screenshots } from './browser.ts';
import { waitForEmails } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * A rep on a phone opens the accept link from the real offer email in the local inbox, sees the
 * confirmation page, taps the button and sees the lead accepted. Debian's Chromium, headless;
 * screenshots land in test-results/ for a human to look at.
 */

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

/** The HTML of the offer email with this subject, once it is in the local inbox. */
async function offerEmailFor(subject: string): Promise<string> {
  const [email] = await waitForEmails(stack.inboxUrl, (e) => e.subject === subject && e.body.html !== undefined, { what: `emails "${subject}"` });
  return email!.body.html!;
}

describe('the accept link in a browser', () => {
  it('given an offer email, when the rep opens its accept link on a phone and taps Accept, then the page confirms and offers to call', async () => {
    const response = await fetch(`${stack.apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Mia', lastName: 'Wagner', email: 'mia@example.de', phone: '+49 40 5550 1111', product: 'solar', country: 'DE', postalCode: '20095', source: 'website' }),
    });
    expect(response.status).toBe(202);
    const html = await offerEmailFor('New warm lead: Mia Wagner (solar)');
    const acceptUrl = /href="([^"]+)"[^>]*>Accept lead</.exec(html)![1]!.replaceAll('&amp;', '&');

    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(acceptUrl);
    await expect.poll(() => page.title()).toBe('Accept this lead?');
    await page.screenshot({ path: new URL('accept-confirm.png', screenshots).pathname });

    await page.getByRole('button', { name: 'Accept lead' }).tap();
    await page.getByRole('heading', { name: 'Lead accepted' }).waitFor();
    await page.screenshot({ path: new URL('accept-done.png', screenshots).pathname });

    expect(await page.getByRole('link', { name: 'Call +49 40 55501111' }).getAttribute('href')).toBe('tel:+494055501111');
    await page.goto(acceptUrl);
    await expect.poll(() => page.getByRole('heading').first().textContent()).toBe('This link is no longer active');
    await page.close();
  });
});
