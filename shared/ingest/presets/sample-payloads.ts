import { readdirSync, readFileSync } from 'node:fs';
import * as z from '../../zod.ts';
import { decodeBody, LEAD_BODY_KINDS, parsePostedBody } from '../../http/request.ts';

/**
 * The senders' sample deliveries in `events/sources/`, read the way the ingest pipeline reads a
 * delivery: JSON parsed, a form post as an object of its keys with repeated keys joined by ", ",
 * a multipart post through the pipeline's own reader (`loadPostedSample`, which is async).
 * Used by the preset tests; the same files are replayed by `npm run invoke`.
 */

const SOURCES_DIR = new URL('../../../events/sources/', import.meta.url);

const SamplePayloadSchema = z.strictObject({
  /** The demo stack's source this sender posts to. */
  source: z.enum(['website', 'partner-api', 'unbounce', 'typeform', 'webflow', 'hubspot', 'zapier', 'wordpress', 'facebook', 'linkedin', 'google-ads', 'gravityforms', 'jotform']),
  /** Where the sender documents this shape. */
  documentation: z.string().check(z.minLength(1)),
  /**
   * The contact its lead must end with on the local stack (test/e2e/sources.test.ts), and the
   * fields it sends malformed, which a server's lead keeps as given and flags.
   */
  expected: z.strictObject({
    firstName: z.optional(z.string()),
    lastName: z.optional(z.string()),
    email: z.optional(z.string()),
    phone: z.optional(z.string()),
    flagged: z.optional(z.array(z.strictObject({ field: z.string(), issue: z.string(), given: z.string() }))),
    fields: z.optional(z.record(z.string(), z.string())),
  }),
  contentType: z.union([
    z.enum(['application/json', 'application/x-www-form-urlencoded']),
    z.string().check(z.regex(/^multipart\/form-data; boundary=\S+$/, 'multipart/form-data with its boundary')),
  ]),
  /** JSON as the sender posts it, or the text of a form or multipart post exactly as sent. */
  body: z.unknown(),
});
export type SamplePayload = z.infer<typeof SamplePayloadSchema>;

export interface Sample extends SamplePayload {
  readonly file: string;
  /** The body the way a preset receives it. */
  readonly parsed: unknown;
}

/** A form post's keys, a repeated key's values joined with ", " (as the pipeline's parser does). */
export function formFields(encoded: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(encoded)) fields.set(key, fields.has(key) ? `${fields.get(key)}, ${value}` : value);
  return Object.fromEntries(fields);
}

export function sampleFiles(): string[] {
  return readdirSync(SOURCES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

function readPayload(file: string): SamplePayload {
  return SamplePayloadSchema.parse(JSON.parse(readFileSync(new URL(file, SOURCES_DIR), 'utf8')));
}

/** A JSON or form sample, read at once. */
export function loadSample(file: string): Sample {
  const payload = readPayload(file);
  if (payload.contentType === 'application/json') return { ...payload, file, parsed: payload.body };
  if (typeof payload.body !== 'string') throw new Error(`${file}: a form post's body must be its encoded text`);
  if (payload.contentType !== 'application/x-www-form-urlencoded') throw new Error(`${file}: a multipart sample is read with loadPostedSample`);
  return { ...payload, file, parsed: formFields(payload.body) };
}

/** Any sample, multipart too, read by the same decoder and parser as a delivery to the webhook. */
export async function loadPostedSample(file: string): Promise<Sample> {
  const payload = readPayload(file);
  const body = typeof payload.body === 'string' ? payload.body : JSON.stringify(payload.body);
  const decoded = decodeBody({ headers: { 'content-type': payload.contentType }, body, isBase64Encoded: false }, { kinds: LEAD_BODY_KINDS });
  return { ...payload, file, parsed: (await parsePostedBody(decoded)).value };
}
