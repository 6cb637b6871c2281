import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MalformedRequest, PayloadTooLarge, UnsupportedMediaType } from '../domain/errors.ts';

/** A lead form is a few kilobytes; anything near this is not a lead. */
export const MAX_BODY_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseContentType(header: string | undefined): { type: string; charset?: string } {
  const [type = '', ...params] = (header ?? '').split(';').map((part) => part.trim());
  const charset = params.find((p) => p.toLowerCase().startsWith('charset='))?.slice('charset='.length).replace(/"/g, '').toLowerCase();
  return { type: type.toLowerCase(), charset };
}

export function header(event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined {
  // HTTP APIs lower-case header names in payload 2.0; be lenient for hand-made events.
  return event.headers?.[name] ?? Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * A form's fields by name. Forms repeat a key for multi-selects; keep every value, joined with
 * ", ". Without a prototype, a key such as `constructor` or `__proto__` is a field like any
 * other, not something every object has.
 */
function joinedFields(entries: Iterable<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of entries) out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  return out;
}

const formToObject = (text: string): Record<string, string> => joinedFields(new URLSearchParams(text));

export type BodyKind = 'json' | 'form' | 'multipart';

/** The kinds every JSON endpoint takes; lead webhooks take multipart too (`LEAD_BODY_KINDS`). */
const DEFAULT_KINDS: readonly BodyKind[] = ['json', 'form'];
export const LEAD_BODY_KINDS: readonly BodyKind[] = ['json', 'form', 'multipart'];

const mediaTypes: Readonly<Record<BodyKind, string>> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data',
};

/** A request body checked for size, content type and encoding, as text. */
export interface DecodedBody {
  readonly kind: BodyKind;
  /**
   * The body as UTF-8 text, what signatures are checked over. A multipart body may carry a
   * binary file, so its text is decoded leniently and only its parts' values are read.
   */
  readonly text: string;
  /** The body exactly as received, for hashing. */
  readonly bytes: Uint8Array;
  /** The Content-Type header as sent: a multipart body is read with its boundary. */
  readonly contentType: string;
}

export interface DecodeOptions {
  readonly maxBytes?: number;
  /** The kinds of body this endpoint reads; others are 415. */
  readonly kinds?: readonly BodyKind[];
}

function kindOf(type: string): BodyKind | undefined {
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data') return 'multipart';
  return undefined;
}

/** `boundary=` of a multipart Content-Type, unquoted; RFC 2046 allows 1 to 70 characters. */
function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * The body of a JSON, form or (where `kinds` allows) multipart post as text, or a domain error
 * saying exactly what is wrong with it (size, content type, charset, encoding, boundary).
 * Signatures are checked over this text.
 */
export function decodeBody(event: Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded'>, options: number | DecodeOptions = {}): DecodedBody {
  const { maxBytes = MAX_BODY_BYTES, kinds = DEFAULT_KINDS } = typeof options === 'number' ? { maxBytes: options } : options;
  const contentType = header(event, 'content-type') ?? '';
  const { type, charset } = parseContentType(contentType);
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLarge(`Body is ${bytes.length} bytes; the limit is ${maxBytes}`);

  const kind = kindOf(type);
  if (kind === undefined || !kinds.includes(kind)) {
    const accepted = kinds.map((k) => mediaTypes[k]);
    throw new UnsupportedMediaType(
      `Content-Type ${type ? `"${type}"` : 'is missing; it'} must be ${accepted.slice(0, -1).join(', ')}${accepted.length > 1 ? ' or ' : ''}${accepted.at(-1)}`,
    );
  }
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaType(`charset "${charset}" is not supported; send UTF-8`);
  }
  if (kind === 'multipart' && boundaryOf(contentType) === undefined) {
    throw new UnsupportedMediaType('Content-Type multipart/form-data needs its boundary parameter, e.g. "multipart/form-data; boundary=----form1"');
  }
  if (bytes.length === 0) throw new MalformedRequest('Body is empty');
  if (kind === 'multipart') return { kind, text: bytes.toString('utf8'), bytes, contentType };
  try {
    return { kind, text: utf8.decode(bytes), bytes, contentType };
  } catch (error) {
    throw new MalformedRequest('Body is not valid UTF-8', { cause: error });
  }
}

/**
 * Why a JSON body does not parse, saying where but never quoting it: the parser's own message
 * quotes the body (`"dana@example.com" is not valid JSON`), and bodies are personal data, in
 * an answer that a log or a proxy may keep as much as in a log line.
 */
function unreadableJson(text: string, error: unknown): MalformedRequest {
  const parserMessage = error instanceof Error ? error.message : '';
  if (/^Unexpected end of JSON input/.test(parserMessage)) return new MalformedRequest('Body is not valid JSON: it ends too early', { position: text.length });
  const at = /at position (\d{1,9})/.exec(parserMessage);
  if (!at) return new MalformedRequest('Body is not valid JSON');
  const position = Number(at[1]);
  const before = text.slice(0, position).split('\n');
  return new MalformedRequest(`Body is not valid JSON at line ${before.length}, column ${before.at(-1)!.length + 1}`, { position });
}

/** A decoded JSON or form body as a plain value: form keys to values, or the JSON document. */
export function parseBody(body: DecodedBody): unknown {
  if (body.kind === 'form') return formToObject(body.text);
  if (body.kind === 'multipart') throw new UnsupportedMediaType('multipart/form-data is not read here; send application/json');
  try {
    return JSON.parse(body.text) as unknown;
  } catch (error) {
    // Not kept as the cause: the parser's message quotes the body.
    throw unreadableJson(body.text, error);
  }
}

/** A posted body as a preset reads it, and the file parts a multipart body carried, which are never kept. */
export interface PostedBody {
  readonly value: unknown;
  /** Names of the multipart parts that were files (dropped unread). */
  readonly droppedFiles: readonly string[];
}

/**
 * A multipart body's text parts as an object of their names, as for a form post, read by
 * undici's parser through `Response.formData()`.
 * File parts are dropped: a lead is text, and a file is nothing a rep should get unchecked.
 */
async function multipartToObject(body: DecodedBody): Promise<PostedBody> {
  let form: FormData;
  try {
    form = await new Response(body.bytes, { headers: { 'content-type': body.contentType } }).formData();
  } catch (error) {
    throw new MalformedRequest('Body is not valid multipart/form-data: its parts do not follow the boundary of the Content-Type', { cause: error });
  }
  const texts: [string, string][] = [];
  const droppedFiles: string[] = [];
  for (const [key, value] of form) {
    if (typeof value === 'string') texts.push([key, value]);
    else droppedFiles.push(key);
  }
  return { value: joinedFields(texts), droppedFiles };
}

/** Any body a lead webhook takes (see `LEAD_BODY_KINDS`) as a plain value. */
export async function parsePostedBody(body: DecodedBody): Promise<PostedBody> {
  if (body.kind === 'multipart') return multipartToObject(body);
  return { value: parseBody(body), droppedFiles: [] };
}

/** Reads the body of a JSON or form post into a plain value (see `decodeBody`); `maxBytes` for the few that carry a file. */
export function readBody(event: APIGatewayProxyEventV2, maxBytes?: number): unknown {
  return parseBody(decodeBody(event, maxBytes));
}

/**
 * Reads a browser form post (the portal's) as URLSearchParams, keeping repeated keys, with the
 * same size, content type and encoding checks as `readBody`. An empty form is an empty result.
 */
export function readForm(event: APIGatewayProxyEventV2): URLSearchParams {
  const { type, charset } = parseContentType(header(event, 'content-type'));
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new PayloadTooLarge(`Body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES}`);
  if (bytes.length === 0) return new URLSearchParams();
  if (type !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaType('Content-Type must be application/x-www-form-urlencoded');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaType(`charset "${charset}" is not supported; send UTF-8`);
  try {
    return new URLSearchParams(utf8.decode(bytes));
  } catch (error) {
    throw new MalformedRequest('Body is not valid UTF-8', { cause: error });
  }
}
