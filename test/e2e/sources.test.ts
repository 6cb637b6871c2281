import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '#infra/local/start.ts';
import { signDelivery } from '#shared/ingest/signatures.ts';
import { loadStackConfig } from '#shared/config/stack-config.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { readInbox } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * Every sender's documented sample payload (events/sources/) posted over HTTP to its demo source
 * on the running local stack, with the auth that source needs, ends as a routed lead whose
 * contact came out of the sender's format.
 */

interface Sample {
  readonly source: string;
  readonly documentation: string;
  readonly contentType: string;
  readonly body: unknown;
}

const samplesDir = new URL('../../events/sources/', import.meta.url);
const samples = readdirSync(samplesDir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({ file, sample: JSON.parse(readFileSync(new URL(file, samplesDir), 'utf8')) as Sample }));
const demo = loadStackConfig(new URL('../../infra/stacks/demo.json', import.meta.url).pathname);

let stack: LocalStack;
let admin: Record<string, string>;
let masterKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  const secret = (prefix: string) => Object.entries(stack.secrets).find(([id]) => id.startsWith(prefix))![1];
  admin = { authorization: `Bearer ${secret('AdminApiKey')}` };
  masterKey = secret('SourceSigningKey');
});

afterAll(async () => {
  await stack?.stop();
});

/**
 * The request a sender would make: the body as it sends it, signed or with its token where the
 * sender can put it: Google Ads only in its payload (the form's Key as `google_key`), JotForm
 * only in the URL it is given, the others in a header.
 */
function requestFor(sample: Sample): { url: string; init: RequestInit } {
  const source = demo.intake.sources.find((s) => s.id === sample.source);
  if (!source) throw new Error(`no source ${sample.source} in the demo stack`);
  const secret = derivedSourceSecret(masterKey, source.id);
  const url = `${stack.apiUrl}/sources/${sample.source}/leads${source.preset === 'jotform' ? `?token=${encodeURIComponent(secret)}` : ''}`;
  const body = source.preset === 'google-ads' ? { ...(sample.body as Record<string, unknown>), google_key: secret } : sample.body;
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': sample.contentType };
  if (source.auth === 'token' && source.preset !== 'google-ads' && source.preset !== 'jotform') headers['x-lead-router-token'] = secret;
  if (source.auth === 'signed') Object.assign(headers, signDelivery(source.signature, { method: 'POST', url, rawBody }, derivedSourceSecret(masterKey, source.id), new Date()));
  if (source.auth === 'public') headers.origin = source.allowedOrigins[0] ?? 'https://www.example.com';
  return { url, init: { method: 'POST', headers, body: rawBody } };
}

interface RoutedLead {
  readonly lead: { status: string; ownerId?: string; sourceId: string; contact: Record<string, string>; fields: Record<string, string> };
}

/** What the samples of the newest senders must become, exactly: the person, and the marks their format carries. */
const expected: Record<string, { contact: Record<string, string>; fields?: Record<string, string> }> = {
  'google-ads-test-lead.json': { contact: { firstName: 'FirstName', lastName: 'LastName', email: 'test@example.com', phone: '+16505550123' }, fields: { test: 'true', gclid: expect.stringMatching(/^TeSter-123-/) } },
  'google-ads.json': {
    contact: { firstName: 'Katrin', lastName: 'Vogel', email: 'katrin.vogel@example.de', phone: '+4917655501932', postalCode: '10245', source: 'google-ads' },
    fields: { gclid: 'EAIaIQobChMIwK2p6bXKhAMVxJNoCR0yVw5BEAAYASAAEgJ3u_D_BwE', campaign_id: '21345678901' },
  },
  'gravityforms.json': { contact: { firstName: 'Tobias', lastName: 'Neumann', email: 'tobias.neumann@example.de', phone: '+494055501388', postalCode: '22763', country: 'DE' } },
  'jotform.json': { contact: { firstName: 'Miriam', lastName: 'Koch', email: 'miriam.koch@example.de', phone: '+493055501762', postalCode: '10119', country: 'DE' } },
};

/** The lead as the admin API shows it, once the router has decided on it. */
function leadOnceRouted(leadId: string): Promise<RoutedLead> {
  return vi.waitFor(
    async () => {
      const body = (await (await fetch(`${stack.apiUrl}/leads/${leadId}`, { headers: admin })).json()) as RoutedLead;
      if (body.lead.status === 'RECEIVED') throw new Error(`lead ${leadId} was not routed`);
      return body;
    },
    { timeout: 20_000, interval: 100 },
  );
}

describe('every sender preset on the local stack', () => {
  it('has a sample for each preset of the demo stack', () => {
    const covered = new Set(samples.map(({ sample }) => demo.intake.sources.find((s) => s.id === sample.source)?.preset));
    expect([...covered].sort()).toEqual(['canonical', 'google-ads', 'gravityforms', 'hubspot', 'jotform', 'typeform', 'unbounce', 'webflow', 'wordpress', 'zapier']);
  });

  it.each(samples)('given $file, when its sender posts it, then a lead is stored from its fields and routed', async ({ file, sample }) => {
    const { url, init } = requestFor(sample);

    const response = await fetch(url, init);

    expect(response.status, await response.clone().text()).toBe(202);
    const { leadId, status } = (await response.json()) as { leadId: string; status: string };
    expect(status).toBe('received');
    const { lead } = await leadOnceRouted(leadId);
    expect(lead.sourceId).toBe(sample.source);
    // The person's address came out of the sender's own format, wherever it keeps it.
    expect(lead.contact.email).toMatch(/@/);
    const sent = typeof sample.body === 'string' ? decodeURIComponent(sample.body.replaceAll('+', ' ')) : JSON.stringify(sample.body);
    expect(sent.toLowerCase()).toContain(lead.contact.email);
    expect(lead.contact.firstName ?? lead.contact.lastName).toBeTruthy();
    if (expected[file]) expect(lead).toMatchObject(expected[file]);
    expect(['OFFERED', 'QUEUED', 'NURTURE']).toContain(lead.status);
    if (lead.status === 'OFFERED') {
      // The offer email follows the offer's transaction by a moment.
      const name = lead.contact.firstName ?? lead.contact.lastName!;
      await expect.poll(async () => (await readInbox(stack.inboxUrl)).some((email) => email.subject.startsWith('New ') && email.subject.includes(name)), { timeout: 20_000, interval: 100 }).toBe(true);
    }
  });

  it('given a sample already delivered, when the sender redelivers it, then it gets the same lead back and no second lead', async () => {
    const typeform = samples.find(({ sample }) => sample.source === 'typeform')!.sample;
    const first = await (await fetch(requestFor(typeform).url, requestFor(typeform).init)).json();

    const again = await fetch(requestFor(typeform).url, requestFor(typeform).init);

    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(first);
  });
});
