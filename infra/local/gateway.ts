import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHttpApiEvent, INTERNAL_ERROR, jsonResponse, matchRoute, toHttpResponse, type HttpResponse } from './http-api.ts';
import { LOCAL_ACCOUNT_ID } from './intrinsics.ts';
import type { RouteModel } from './template.ts';

/**
 * The local API Gateway: an HTTP server that hands each request to the function behind its
 * route as a payload 2.0 event. It listens before the functions exist (their environment needs
 * its URL) and answers 503 until `serve` is called.
 */

export type Invoke = (functionLogicalId: string, event: unknown) => Promise<unknown>;

export interface GatewayOptions {
  readonly routes: readonly RouteModel[];
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly invoke?: Invoke;
  /** One line per request; silent when absent. */
  readonly log?: (line: string) => void;
}

export interface Gateway {
  /** `http://localhost:<port>`, the stand-in for the API's endpoint. */
  readonly url: string;
  readonly port: number;
  serve(invoke: Invoke): void;
  stop(): Promise<void>;
}

/** API Gateway's payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout for HTTP APIs. */
const INTEGRATION_TIMEOUT_MS = 30_000;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  for (const route of options.routes) {
    if (route.payloadFormatVersion !== '2.0') throw new Error(`route "${route.routeKey}": only payload format 2.0 is supported locally`);
  }
  let invoke = options.invoke;
  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req, invoke, options.routes, server.address() as AddressInfo)
      .catch((error: unknown) => ({ response: INTERNAL_ERROR, note: String(error) }))
      .then(({ response, note }) => {
        write(res, response, req.method === 'HEAD');
        options.log?.(`${req.method} ${req.url} ${response.statusCode} ${Date.now() - started}ms${note ? `  ${note}` : ''}`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, ...(options.host ? { host: options.host } : {}) }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    serve: (next) => {
      invoke = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  invoke: Invoke | undefined,
  routes: readonly RouteModel[],
  address: AddressInfo,
): Promise<{ response: HttpResponse; note?: string }> {
  if (!invoke) return { response: jsonResponse(503, { message: 'Service Unavailable' }), note: 'still starting' };
  const url = req.url ?? '/';
  const path = url.split('?')[0]!;
  // Like API Gateway, HEAD needs a HEAD route of its own; the body is dropped on the way out.
  const method = req.method ?? 'GET';
  const match = matchRoute(routes, method, path);
  if (!match) {
    if ((method === 'GET' || method === 'HEAD') && path === '/health') return { response: jsonResponse(200, { status: 'ok' }) };
    return { response: jsonResponse(404, { message: 'Not Found' }) };
  }
  const body = await readBody(req);
  if (!body) return { response: jsonResponse(413, { message: 'Request Entity Too Large' }) };
  const event = buildHttpApiEvent({
    method,
    url,
    headers: req.headersDistinct,
    body,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    protocol: `HTTP/${req.httpVersion}`,
    localPort: address.port,
    match,
    now: new Date(),
    requestId: randomUUID(),
    accountId: LOCAL_ACCOUNT_ID,
    apiId: 'local',
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([invoke(match.route.functionLogicalId, event), timeout]);
    if (result === 'timeout') return { response: jsonResponse(503, { message: 'Service Unavailable' }), note: 'integration timed out' };
    return { response: toHttpResponse(result) };
  } catch (error) {
    // Like API Gateway, the caller learns nothing; the developer gets the reason on the console.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { response: INTERNAL_ERROR, note: reason };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The request body, or undefined when it exceeds the limit. An oversized body is still drained
 * rather than the socket destroyed, so the client gets to read the 413.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES ? Infinity : 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function write(res: ServerResponse, response: HttpResponse, headOnly: boolean): void {
  res.statusCode = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.cookies.length) res.setHeader('set-cookie', response.cookies);
  res.setHeader('content-length', response.body.length);
  res.end(headOnly ? undefined : response.body);
}
