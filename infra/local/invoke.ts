import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadStackConfig } from '#shared/config/stack-config.ts';
import { signDelivery, signPlatformDelivery, type SignatureScheme } from '#shared/ingest/signatures.ts';
import { sourceById, type Source } from '#shared/ingest/source-config.ts';
import { derivedSourceSecret } from '#shared/ingest/source-secrets.ts';
import { buildHttpApiEvent } from './http-api.ts';
import { startLocalStack } from './start.ts';
import { DEFAULT_CONFIG_FILE } from './synth.ts';

/**
 * `npm run invoke -- <file under events/> [--function <Name>]`: replays a sample event against
 * one handler on the local stack, like `sam local invoke`. The folder names the function;
 * a raw sender payload from `events/sources/` is first wrapped into the API Gateway event of
 * `POST /sources/<source>/leads`, with the token or signature its source demands.
 */

/** Logical-id prefix of the function behind each folder of `events/`. */
const FUNCTION_BY_FOLDER: Readonly<Record<string, string>> = {
  ingest: 'IngestFunction',
  sources: 'IngestFunction',
  route: 'RouteFunction',
  actions: 'ActionsFunction',
  escalate: 'EscalateFunction',
  portal: 'PortalFunction',
  admin: 'AdminFunction',
  feedback: 'FeedbackFunction',
};

/** The folder of `events/` a file sits in, e.g. `ingest` for `events/ingest/post-lead-json.json`. */
export function eventsFolderOf(file: string): string | undefined {
  const parts = file.split(/[\\/]+/);
  const at = parts.lastIndexOf('events');
  return at >= 0 && at < parts.length - 2 ? parts[at + 1] : undefined;
}

/** The logical-id prefix of the function a sample event file is meant for, by its folder. */
export function functionForEventFile(file: string): string | undefined {
  const folder = eventsFolderOf(file);
  return folder === undefined ? undefined : FUNCTION_BY_FOLDER[folder];
}

/** `events/sources/` holds what senders post, not Lambda events. */
export function isSourcePayloadFile(file: string): boolean {
  return eventsFolderOf(file) === 'sources';
}

/**
 * The stack's logical id for a function name as a person writes it: `IngestFunction`,
 * `ingest`, `Ingest` or the full id `IngestFunction4B2F2EB2`.
 */
export function resolveFunctionId(name: string, logicalIds: readonly string[]): string | undefined {
  if (logicalIds.includes(name)) return name;
  // A function's name as environment.ts has it (`admin-imports`) names its logical id too.
  const wanted = name.toLowerCase().replace(/-/g, '').replace(/function$/, '');
  const matches = logicalIds.filter((id) => id.toLowerCase().replace(/function[0-9a-f]{8}$/, '') === wanted);
  return matches.length === 1 ? matches[0] : undefined;
}

/** A raw sender payload as kept in `events/sources/`. */
export const SourcePayloadSchema = z.object({
  source: z.string().min(1),
  /** Where the sender documents this shape. */
  documentation: z.string().optional(),
  /** What the lead must end with, for the tests; not sent. */
  expected: z.unknown().optional(),
  contentType: z.string().min(1),
  /** JSON as the sender posts it, or the encoded text of a form post. */
  body: z.unknown(),
});
export type SourcePayload = z.infer<typeof SourcePayloadSchema>;

const FORM = 'application/x-www-form-urlencoded';

/** The bytes on the wire: a string is sent as it is, anything else as JSON (or form-encoded for a form). */
export function rawBodyOf(payload: SourcePayload): string {
  if (typeof payload.body === 'string') return payload.body;
  if (payload.contentType.split(';')[0]!.trim().toLowerCase() === FORM && payload.body && typeof payload.body === 'object') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(payload.body)) {
      for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item));
    }
    return form.toString();
  }
  return JSON.stringify(payload.body);
}

/** Where a replayed sender posts: the same host and proto as the other sample events. */
export const SAMPLE_API_HOST = 'abc123.execute-api.eu-west-1.amazonaws.com';
const SAMPLE_ROUTE = { routeKey: 'POST /sources/{sourceId}/leads', method: 'POST', path: '/sources/{sourceId}/leads', payloadFormatVersion: '2.0' };

export function sourceUrl(sourceId: string): string {
  return `https://${SAMPLE_API_HOST}/sources/${encodeURIComponent(sourceId)}/leads`;
}

/** How a sender signs a delivery (`signDelivery` of shared/ingest/signatures.ts); injected for tests. */
export type SignDelivery = typeof signDelivery;

export interface SourceAuth {
  readonly source: Source;
  /** The source's secret (for token and signed sources). */
  readonly secret: string;
  readonly sign: SignDelivery;
}

/** The headers a source's sender adds to prove who it is (an allowed Origin for a public one). */
export function authHeaders(auth: SourceAuth, delivery: { method: string; url: string; rawBody: string; headers: Record<string, string> }, now: Date): Record<string, string> {
  const { source } = auth;
  switch (source.auth) {
    case 'public':
      return source.allowedOrigins[0] ? { origin: source.allowedOrigins[0] } : {};
    case 'token':
      return { 'x-lead-router-token': auth.secret };
    case 'signed':
      return auth.sign(source.signature satisfies SignatureScheme, delivery, auth.secret, now);
    case 'facebook':
    case 'linkedin':
      return signPlatformDelivery(source.auth, delivery.rawBody, auth.secret);
  }
}

export interface SourceEventInput {
  readonly payload: SourcePayload;
  readonly functionLogicalId: string;
  readonly now: Date;
  readonly requestId: string;
  /** Absent: the source is not in the stack config, and the delivery goes out without credentials. */
  readonly auth?: SourceAuth;
}

/**
 * The API Gateway HTTP API (payload 2.0) event of a sender's delivery to its source webhook,
 * encoded as API Gateway encodes it: JSON as text, form posts base64.
 */
export function buildSourceEvent(input: SourceEventInput): APIGatewayProxyEventV2 {
  const rawBody = rawBodyOf(input.payload);
  const url = sourceUrl(input.payload.source);
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-length': String(Buffer.byteLength(rawBody)),
    'content-type': input.payload.contentType,
    host: SAMPLE_API_HOST,
    'user-agent': `lead-router-invoke (replaying ${input.payload.source})`,
    'x-forwarded-for': '203.0.113.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  const signed = input.auth ? authHeaders(input.auth, { method: 'POST', url, rawBody, headers: { ...headers } }, input.now) : {};
  for (const [name, value] of Object.entries(signed)) headers[name.toLowerCase()] = value;
  return buildHttpApiEvent({
    method: 'POST',
    url: new URL(url).pathname,
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    body: Buffer.from(rawBody, 'utf8'),
    sourceIp: '203.0.113.10',
    protocol: 'HTTP/1.1',
    localPort: 443,
    match: { route: { ...SAMPLE_ROUTE, functionLogicalId: input.functionLogicalId }, pathParameters: { sourceId: input.payload.source } },
    now: input.now,
    requestId: input.requestId,
    accountId: '123456789012',
    apiId: 'abc123',
  });
}

/**
 * What a handler returned, ready to print: an HTTP result as status, headers and body (a JSON
 * body parsed so it prints pretty, a base64 body decoded), anything else as it is.
 */
export function presentResult(result: unknown): unknown {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) return result ?? null;
  const { body, isBase64Encoded, ...rest } = result as Record<string, unknown>;
  if (typeof body !== 'string') return { ...rest, ...(body === undefined ? {} : { body }) };
  const text = isBase64Encoded === true ? Buffer.from(body, 'base64').toString('utf8') : body;
  const contentType = Object.entries((rest.headers ?? {}) as Record<string, unknown>).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  if (typeof contentType === 'string' && /[/+]json\b/i.test(contentType)) {
    try {
      return { ...rest, body: JSON.parse(text) as unknown };
    } catch {
      // Says it is JSON but is not: show what came back.
    }
  }
  return { ...rest, body: text };
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const USAGE = 'usage: npm run invoke -- <file under events/> [--function IngestFunction|RouteFunction|…] [--config infra/stacks/<name>.json] [--verbose]';

async function main(): Promise<number> {
  const { values: flags, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      function: { type: 'string' },
      config: { type: 'string', default: DEFAULT_CONFIG_FILE },
      verbose: { type: 'boolean', default: false },
    },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const path = resolve(file);
  const shown = relative(repoRoot, path).split(sep).join('/');
  let sample: unknown;
  try {
    sample = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const functionName = flags.function ?? functionForEventFile(shown);
  if (!functionName) {
    console.error(`cannot tell which function ${file} is for (its folder under events/ names it); pass --function\n${USAGE}`);
    return 2;
  }
  const config = loadStackConfig(flags.config);
  let payload: SourcePayload | undefined;
  if (isSourcePayloadFile(shown)) {
    const parsed = SourcePayloadSchema.safeParse(sample);
    if (!parsed.success) {
      console.error(`${file} is not a sender payload ({ source, contentType, body }): ${z.prettifyError(parsed.error)}`);
      return 2;
    }
    payload = parsed.data;
  }

  const verbose = flags.verbose;
  const stack = await startLocalStack({
    config: flags.config,
    logLevel: process.env.LOG_LEVEL ?? (verbose ? 'INFO' : 'WARN'),
    log: verbose ? (line) => console.error(line) : () => {},
  });
  // The stack names its functions with a hash; the running stack lists them.
  const functionLogicalId = resolveFunctionId(functionName, stack.functionIds);
  try {
    if (!functionLogicalId) {
      console.error(`no function "${functionName}" in the stack; it has ${stack.functionIds.join(', ')}`);
      return 2;
    }
    let event = sample;
    if (payload) {
      const source = sourceById(config.intake, payload.source);
      if (!source) console.error(`note: source "${payload.source}" is not in ${flags.config}; sending it without credentials`);
      const masterKey = Object.entries(stack.secrets).find(([id]) => id.startsWith('SourceSigningKey'))?.[1];
      if (source && source.auth !== 'public' && !masterKey) throw new Error('the stack has no SourceSigningKey secret to derive the source secret from');
      event = buildSourceEvent({
        payload,
        functionLogicalId,
        now: new Date(),
        requestId: randomUUID(),
        ...(source ? { auth: { source, secret: masterKey ? derivedSourceSecret(masterKey, source.id) : '', sign: signDelivery } } : {}),
      });
    }
    try {
      const result = await stack.invoke(functionLogicalId, event);
      console.log(JSON.stringify(presentResult(result), null, 2));
      return 0;
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      console.error(`${functionLogicalId} threw ${reason}`);
      if (verbose && error instanceof Error && error.stack) console.error(error.stack);
      return 1;
    }
  } finally {
    await stack.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? `cannot invoke: ${error.message}` : error);
      process.exit(1);
    },
  );
}
