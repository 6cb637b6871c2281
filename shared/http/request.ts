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
 * Form posts repeat a key for multi-selects; keep every value. Without a prototype, a key such
 * as `constructor` or `__proto__` is a field like any other, not something every object has.
 */
function formToObject(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  return out;
}

export type BodyKind = 'json' | 'form';

/** A request body checked for size, content type and encoding, as text. */
export interface DecodedBody {
  readonly kind: BodyKind;
  readonly text: string;
}

/**
 * The body of a JSON or form post as text, or a domain error saying exactly what is wrong with
 * it (size, content type, charset, encoding). Signatures are checked over this text.
 */
export function decodeBody(event: Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded'>, maxBytes: number = MAX_BODY_BYTES): DecodedBody {
  const { type, charset } = parseContentType(header(event, 'content-type'));
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLarge(`Body is ${bytes.length} bytes; the limit is ${maxBytes}`);

  const isJson = type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
  const isForm = type === 'application/x-www-form-urlencoded';
  if (!isJson && !isForm) {
    throw new UnsupportedMediaType(
      `Content-Type ${type ? `"${type}"` : 'is missing; it'} must be application/json or application/x-www-form-urlencoded`,
    );
  }
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaType(`charset "${charset}" is not supported; send UTF-8`);
  }
  if (bytes.length === 0) throw new MalformedRequest('Body is empty');
  try {
    return { kind: isForm ? 'form' : 'json', text: utf8.decode(bytes) };
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

/** A decoded body as a plain value: form keys to values, or the JSON document. */
export function parseBody(body: DecodedBody): unknown {
  if (body.kind === 'form') return formToObject(body.text);
  try {
    return JSON.parse(body.text) as unknown;
  } catch (error) {
    // Not kept as the cause: the parser's message quotes the body.
    throw unreadableJson(body.text, error);
  }
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
