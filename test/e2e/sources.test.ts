import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import type { LocalStack } from '#infra/local/start.ts';
import { IntakeStore } from '#shared/adapters/intake-store.ts';
import { facebookLeadNotices } from '#shared/ingest/platforms/facebook.ts';
import { linkedInLeadNotices } from '#shared/ingest/platforms/linkedin.ts';
import { signDelivery, signPlatformDelivery } from '#shared/ingest/signatures.ts';
import { loadStackConfig } from '#shared/config/stack-config.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { readInbox } from './inbox.ts';
import { startTestStack } from './test-stack.ts';

/**
 * Every sender's documented sample payload (events/sources/) posted over HTTP to its demo source
 * on the running local stack, with the auth that source needs, ends as a routed lead whose
 * contact came out of the sender's format. An ad platform's sample is its notification: the
 * lead appears once the leadgen function has fetched it from the stack's fake platform API
 * (events/platforms/), found by the idempotency record of the platform's lead id.
 */

interface Sample {
  readonly source: string;
  readonly documentation: string;
  readonly contentType: string;
  readonly body: unknown;
  /**
   * The contact the lead must end with (the person's name, email and phone as the sample gives
   * them), and the fields it sends malformed, which the lead keeps as given and flags.
   */
  readonly expected: {
    readonly firstName?: string;
    readonly lastName?: string;
    readonly email?: string;
    readonly phone?: string;
    readonly flagged?: readonly { readonly field: string; readonly issue: string; readonly given: string }[];
    /** Fields the lead keeps from the sender's format. */
    readonly fields?: Readonly<Record<string, string>>;
  };
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
  const preset = 'preset' in source ? source.preset : undefined;
  const url = `${stack.apiUrl}/sources/${sample.source}/leads${preset === 'jotform' ? `?token=${encodeURIComponent(secret)}` : ''}`;
  const body = preset === 'google-ads' ? { ...(sample.body as Record<string, unknown>), google_key: secret } : sample.body;
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': sample.contentType };
  if (source.auth === 'token' && preset !== 'google-ads' && preset !== 'jotform') headers['x-lead-router-token'] = secret;
  if (source.auth === 'signed') Object.assign(headers, signDelivery(source.signature, { method: 'POST', url, rawBody }, derivedSourceSecret(masterKey, source.id), new Date()));
  if (source.auth === 'public') headers.origin = source.allowedOrigins[0] ?? 'https://www.example.com';
  if (source.auth === 'facebook' || source.auth === 'linkedin') Object.assign(headers, signPlatformDelivery(source.auth, rawBody, derivedSourceSecret(masterKey, source.id)));
  return { url, init: { method: 'POST', headers, body: rawBody } };
}

const isPlatform = (sample: Sample) => ['facebook', 'linkedin'].includes(demo.intake.sources.find((s) => s.id === sample.source)?.auth ?? '');

/** The platform lead ids a notification sample announces. */
function announced(sample: Sample): string[] {
  const rawBody = JSON.stringify(sample.body);
  return sample.source === 'facebook' ? facebookLeadNotices(rawBody).map((notice) => notice.leadgenId) : linkedInLeadNotices(rawBody).map((notice) => notice.responseId);
}

/** The lead stored for a platform's lead id, once the leadgen function has fetched it. */
async function leadIdOfPlatformLead(sourceId: string, platformLeadId: string): Promise<string> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: stack.region, credentials: LOCAL_CREDENTIALS }));
  const intake = new IntakeStore(stack.tableName, db);
  return vi.waitFor(
    async () => {
      const record = await intake.priorResponse(sourceId, `event:${platformLeadId}`, new Date());
      if (!record) throw new Error(`no lead yet for ${sourceId} lead ${platformLeadId}`);
      return record.leadId;
    },
    { timeout: 20_000, interval: 100 },
  );
}

interface RoutedLead {
  readonly lead: { status: string; ownerId?: string; sourceId: string; contact: Record<string, string>; fields: Record<string, string>; quality?: { field: string; issue: string; given: string }[] };
  readonly history: { kind: string; detail?: Record<string, unknown> }[];
}

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
    const covered = new Set(
      samples.map(({ sample }) => {
        const source = demo.intake.sources.find((s) => s.id === sample.source);
        return source && 'preset' in source ? source.preset : source?.auth;
      }),
    );
    expect([...covered].sort()).toEqual(['canonical', 'facebook', 'google-ads', 'gravityforms', 'hubspot', 'jotform', 'linkedin', 'typeform', 'unbounce', 'webflow', 'wordpress', 'zapier']);
  });

  it.each(samples.filter(({ sample }) => isPlatform(sample)))(
    'given the ad platform notification $file, when the platform sends it, then it is answered 200 at once and the lead fetched from the platform is stored with its name, email and phone, and routed',
    async ({ sample }) => {
      const { url, init } = requestFor(sample);
      const [platformLeadId] = announced(sample);
      const canned = readFileSync(new URL(`../../events/platforms/${sample.source === 'facebook' ? 'facebook-lead.json' : 'linkedin-lead-form-response.json'}`, import.meta.url), 'utf8');

      const response = await fetch(url, init);

      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toEqual({ queued: 1 });
      const { lead } = await leadOnceRouted(await leadIdOfPlatformLead(sample.source, platformLeadId!));
      expect(lead.sourceId).toBe(sample.source);
      // The notification carries only ids: the contact is the fetched lead's, as the sample says.
      const { flagged, ...expected } = sample.expected;
      expect(flagged, "the fetched lead is well formed").toBeUndefined();
      expect(expected.email, 'the sample names the fetched address').toBeTruthy();
      expect(lead.contact).toMatchObject(expected);
      expect(canned).toContain(expected.email);
      expect(['OFFERED', 'QUEUED', 'NURTURE']).toContain(lead.status);
      // Fetched once, with the source's token, from the API the source names.
      expect(stack.platforms.requests.filter((request) => request.leadId === platformLeadId)).toEqual([
        expect.objectContaining({ platform: sample.source, token: `local-token-for-${sample.source}` }),
      ]);
    },
  );

  it.each(samples.filter(({ sample }) => !isPlatform(sample)))('given $file, when its sender posts it, then a lead is stored from its fields and routed', async ({ file, sample }) => {
    const { url, init } = requestFor(sample);

    const response = await fetch(url, init);

    expect(response.status, await response.clone().text()).toBe(202);
    const { leadId, status } = (await response.json()) as { leadId: string; status: string };
    expect(status).toBe('received');
    const { lead, history } = await leadOnceRouted(leadId);
    expect(lead.sourceId).toBe(sample.source);
    // The person's name, address and number came out of the sender's own format, wherever it keeps them.
    const { flagged = [], fields = {}, ...contact } = sample.expected;
    expect(contact.firstName ?? contact.lastName, 'the sample names the person').toBeTruthy();
    expect(contact.email ?? contact.phone, 'the sample gives a channel').toBeTruthy();
    expect(lead.contact).toMatchObject(contact);
    // And the marks its format carries (a test lead, the click id), kept as fields.
    expect(lead.fields).toMatchObject(fields);
    // A malformed field a sender's server sent is kept as given and flagged, never refused.
    expect(lead.quality ?? []).toEqual(flagged.map((flag) => expect.objectContaining(flag)));
    const received = history.find((event) => event.kind === 'received');
    expect(received?.detail?.flagged).toEqual(flagged.length ? flagged.map((flag) => flag.field) : undefined);
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
