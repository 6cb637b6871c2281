import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import type { RouteModel } from './template.ts';

/**
 * What API Gateway HTTP APIs do between the socket and the function, as pure functions: pick
 * the route, build the payload format 2.0 event, and turn the function's result into a response.
 */

export interface RouteMatch {
  readonly route: RouteModel;
  readonly pathParameters: Record<string, string>;
}

/**
 * API Gateway prefers an exact method over ANY, literal segments over variables, and variables
 * over a greedy `{proxy+}`; `$default` catches the rest.
 */
export function matchRoute(routes: readonly RouteModel[], method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').slice(1);
  let best: { match: RouteMatch; score: number[] } | undefined;
  for (const route of routes) {
    if (route.method && route.method !== 'ANY' && route.method !== method) continue;
    const parameters = route.path === undefined ? {} : matchPath(route.path, segments);
    if (!parameters) continue;
    const routeSegments = route.path?.split('/').slice(1) ?? [];
    const score = [
      route.path === undefined ? 0 : 1,
      routeSegments.some((segment) => segment.endsWith('+}')) ? 0 : 1,
      routeSegments.filter((segment) => !segment.startsWith('{')).length,
      route.method === method ? 1 : 0,
    ];
    if (!best || compare(score, best.score) > 0) best = { match: { route, pathParameters: parameters }, score };
  }
  return best?.match;
}

function matchPath(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').slice(1);
  const parameters: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const variable = /^\{(.+?)(\+?)\}$/.exec(part);
    if (variable?.[2] === '+') {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[variable[1]!] = decode(rest.join('/'));
      return parameters;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (variable) {
      if (segment === '') return undefined;
      parameters[variable[1]!] = decode(segment);
    } else if (part !== segment) return undefined;
  }
  return parts.length === segments.length ? parameters : undefined;
}

function compare(a: number[], b: number[]): number {
  for (const [i, value] of a.entries()) if (value !== b[i]) return value - (b[i] ?? 0);
  return 0;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export interface HttpRequestInput {
  readonly method: string;
  /** Path and query as received (`req.url`). */
  readonly url: string;
  /** Header name (any case) to its values, as `req.headersDistinct` gives them. */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
  readonly localPort: number;
  readonly match: RouteMatch;
  readonly now: Date;
  readonly requestId: string;
  readonly accountId: string;
  readonly apiId: string;
}

export function buildHttpApiEvent(input: HttpRequestInput): APIGatewayProxyEventV2 {
  const queryStart = input.url.indexOf('?');
  const rawPath = queryStart < 0 ? input.url : input.url.slice(0, queryStart);
  const rawQueryString = queryStart < 0 ? '' : input.url.slice(queryStart + 1);

  // Repeated headers and query parameters are joined with commas; cookies get their own field.
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(input.headers)) {
    if (values && name.toLowerCase() !== 'cookie') headers[name.toLowerCase()] = values.join(',');
  }
  const host = headers.host ?? `localhost:${input.localPort}`;
  headers['x-forwarded-for'] ??= input.sourceIp;
  headers['x-forwarded-port'] ??= String(input.localPort);
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(input.now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const cookies = Object.entries(input.headers)
    .filter(([name]) => name.toLowerCase() === 'cookie')
    .flatMap(([, values]) => values ?? [])
    .flatMap((value) => value.split(/;\s*/))
    .filter(Boolean);
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) query[key] = key in query ? `${query[key]},${value}` : value;

  const { route, pathParameters } = input.match;
  const hasBody = input.body.length > 0;
  const textual = isTextual(headers['content-type']);
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0]!.split(':')[0]!,
      http: {
        method: input.method,
        path: rawPath,
        protocol: input.protocol,
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: clfTime(input.now),
      timeEpoch: input.now.getTime(),
    },
    ...(hasBody ? { body: textual ? input.body.toString('utf8') : input.body.toString('base64') } : {}),
    // Like API Gateway: anything not recognisably text, form posts included, arrives base64.
    isBase64Encoded: hasBody && !textual,
  };
}

function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/graphql'
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: string[];
  readonly body: Buffer;
}

export const INTERNAL_ERROR: HttpResponse = jsonResponse(500, { message: 'Internal Server Error' });

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(JSON.stringify(body)) };
}

/**
 * Payload format 2.0 responses: an object with a `statusCode` is taken as the response; any
 * other value is the JSON body of a 200, the way API Gateway infers it.
 */
export function toHttpResponse(result: unknown): HttpResponse {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body) };
  }
  const structured: Record<string, unknown> = { ...result };
  const statusCode = Number(structured.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return INTERNAL_ERROR;
  const headers: Record<string, string> = {};
  if (structured.headers && typeof structured.headers === 'object') {
    for (const [name, value] of Object.entries(structured.headers)) if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  const cookies = Array.isArray(structured.cookies) ? structured.cookies.map(String) : [];
  const rawBody = structured.body === undefined || structured.body === null ? '' : String(structured.body);
  const body = structured.isBase64Encoded === true ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody);
  return { statusCode, headers, cookies, body };
}
