import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as forwardRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';

/**
 * An HTTP proxy in front of one emulator endpoint that makes chosen calls fail the way the real
 * service fails them, so fault-injection tests keep the real SDK client and the real emulator in
 * the loop (no mocked clients). Everything not failed is forwarded unchanged.
 *
 *   const proxy = await startFaultProxy({ target: endpoints.ses, service: 'ses' });
 *   process.env.AWS_ENDPOINT_URL_SES = proxy.url;      // before the handler module is imported
 *   proxy.fail({ operation: 'SendEmail', match: lead.name, kind: 'throttle' });
 *   proxy.outage(10_000);                              // SES refuses everything for 10 s
 *   expect(proxy.calls.filter((call) => call.failed)).toHaveLength(1);
 *   await proxy.stop();
 *
 * Why "logical calls": one SDK `send()` is up to `maxAttempts` HTTP attempts, all carrying the
 * same `amz-sdk-invocation-id` header. A fault fails every attempt of the call it picks, so the
 * error really reaches the caller once the SDK gives up; a single failed attempt would just be
 * retried away. `attempts: 'first'` fails only the first attempt, to prove that retry absorbs it.
 * `nth` and `times` count logical calls that match, from the moment `fail()` is called.
 *
 * The error bodies are the services' own (see `faultResponse`), so the SDK raises its real
 * exception classes and retries them as it would on AWS: DynamoDB makes 4 attempts by default,
 * the others 3, backing off from 1 s after a throttle and from 50 ms after a 5xx or timeout.
 * Each client also has a retry budget (500 tokens, 14 per retried 5xx or timeout, 5 per
 * throttle, refilled only by successes): a long outage against a client a whole test file
 * shares can leave it not retrying at all, as on AWS.
 *
 * A `timeout` accepts the request and never answers. Only a client with a request timeout
 * gives up, and in this SDK `requestTimeout` alone merely logs a warning: it takes
 * `throwOnRequestTimeout: true` (or a `socketTimeout`). A client without one waits until
 * `stop()` closes the socket, which the SDK reports as a TimeoutError with code ECONNRESET.
 *
 * Pointing a client here:
 * - In-process handlers create their clients at module load and read
 *   `AWS_ENDPOINT_URL_<SERVICE>`: set it to `url` before the first import (for Step Functions,
 *   after `useLocalStack()`, which sets AWS_ENDPOINT_URL_SFN itself). Worker threads of
 *   the local stack take it from the environment they are given; the proxy needs no thread of
 *   its own.
 * - SQS: a client without an explicit `endpoint` sends each call to the origin of its
 *   `QueueUrl`, not to AWS_ENDPOINT_URL_SQS. Hand the code under test `via(queueUrl)`, the same
 *   queue on the proxy's origin (fauxqs finds queues by path, whatever the host).
 * - The Host header is forwarded as sent: the signature covers it, and fauxqs builds the URLs
 *   of queues created through the proxy from it, so those stay behind the proxy too.
 */

export type FaultService = 'dynamodb' | 'sqs' | 'ses' | 'sfn';
export type FaultKind = 'throttle' | 'server-error' | 'timeout';

export interface FaultProxyOptions {
  /** The emulator's endpoint, e.g. `http://127.0.0.1:8005`. */
  readonly target: string;
  /** Decides the shape of the errors returned. */
  readonly service: FaultService;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /**
   * Told of each logical call as its first attempt arrives, with the request body as sent; unlike
   * `calls`, nothing a `reset()` forgets.
   */
  readonly onCall?: (call: ProxiedCall, body: string) => void;
}

export interface Fault {
  readonly kind: FaultKind;
  /** The API operation (`SendEmail`, `TransactWriteItems`); any operation when absent. */
  readonly operation?: string;
  /** Found in the request body, as sent or, for form posts (SES), decoded. */
  readonly match?: string | RegExp;
  /** Which matching logical call is the first to fail: 1 (default) is the next one. */
  readonly nth?: number;
  /** How many consecutive matching logical calls fail, from the nth (default 1; Infinity for all). */
  readonly times?: number;
  /** 'all' (default): every attempt of a picked call fails. 'first': only its first attempt. */
  readonly attempts?: 'all' | 'first';
}

/** One logical call (one SDK `send()`), updated as its retries arrive. */
export interface ProxiedCall {
  readonly operation: string;
  /** `amz-sdk-invocation-id`; absent for requests not sent by an SDK (each is a call of its own). */
  readonly invocationId: string | undefined;
  /**
   * Who made it: the `app/<id>` of the SDK's user agent (AWS_SDK_UA_APP_ID; the local runtime sets
   * each function's logical id), absent when the client names no one.
   */
  readonly appId: string | undefined;
  /** The request body as `match` sees it: as sent, form posts decoded. */
  readonly body: string;
  readonly at: Date;
  /** HTTP attempts seen, retries included. */
  readonly attempts: number;
  /** The attempts the SDK allows this call (`amz-sdk-request: attempt=1; max=3`). */
  readonly maxAttempts: number | undefined;
  /** The fault injected into any of its attempts (by a rule or an outage). */
  readonly failed: FaultKind | undefined;
  readonly failedAttempts: number;
}

export interface FaultProxy {
  /** The endpoint to give clients instead of the target's. */
  readonly url: string;
  /** Logical calls seen, oldest first. */
  readonly calls: readonly ProxiedCall[];
  fail(fault: Fault): void;
  /** Every attempt that arrives in the next `ms` fails; retries after that pass again. */
  outage(ms: number, kind?: FaultKind): void;
  /** The same URL on the proxy's origin (an SQS queue URL, say). */
  via(url: string): string;
  /** Forgets faults, outage and calls. */
  reset(): void;
  stop(): Promise<void>;
}

interface Rule {
  readonly fault: Fault;
  readonly from: number;
  readonly until: number;
  readonly matches: (texts: readonly string[]) => boolean;
  seen: number;
}

interface CallState {
  readonly call: { -readonly [K in keyof ProxiedCall]: ProxiedCall[K] };
  readonly rule: Rule | undefined;
}

/** Per connection, never forwarded (RFC 9110 §7.6.1); each side of the proxy frames its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);
const REFRAMED = new Set([...HOP_BY_HOP, 'content-length']);

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  // Our own pool, so stop() can close the connections to the emulator it keeps alive.
  const agent = new Agent({ keepAlive: true });
  let rules: Rule[] = [];
  let outage: { until: number; kind: FaultKind } | undefined;
  let calls: CallState['call'][] = [];
  let byInvocation = new Map<string, CallState>();

  const logicalCall = (req: IncomingMessage, raw: string): CallState => {
    const invocationId = header(req, 'amz-sdk-invocation-id');
    const known = invocationId === undefined ? undefined : byInvocation.get(invocationId);
    if (known) return known;
    const form = isForm(req) ? new URLSearchParams(raw) : undefined;
    const operation = operationOf(req, form);
    const texts = form === undefined ? [raw] : [raw, decodeForm(form)];
    // Every rule that matches counts the call, so each rule's nth means what it says.
    let picked: Rule | undefined;
    for (const rule of rules) {
      if ((rule.fault.operation !== undefined && rule.fault.operation !== operation) || !rule.matches(texts)) continue;
      rule.seen += 1;
      if (!picked && rule.seen >= rule.from && rule.seen < rule.until) picked = rule;
    }
    const state: CallState = {
      call: {
        operation,
        invocationId,
        appId: appIdOf(req),
        body: texts.at(-1)!,
        at: new Date(),
        attempts: 0,
        maxAttempts: maxAttemptsOf(req),
        failed: undefined,
        failedAttempts: 0,
      },
      rule: picked,
    };
    calls.push(state.call);
    if (invocationId !== undefined) byInvocation.set(invocationId, state);
    options.onCall?.(state.call, raw);
    return state;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const { call, rule } = logicalCall(req, body.toString('utf8'));
    call.attempts += 1;
    const fromOutage = outage && Date.now() < outage.until ? outage.kind : undefined;
    const fromRule = rule && (rule.fault.attempts !== 'first' || call.attempts === 1) ? rule.fault.kind : undefined;
    const kind = fromOutage ?? fromRule;
    if (kind === undefined) return forward(req, res, body);
    call.failed ??= kind;
    call.failedAttempts += 1;
    // A timeout is an answer that never comes: the socket stays open until the client gives up
    // or stop() closes it.
    if (kind === 'timeout') return;
    const reply = faultResponse(options.service, kind);
    res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    // The body was buffered whole: it goes on with its length, however the client framed it.
    const headers = [...withoutHeaders(req.rawHeaders, REFRAMED), 'Content-Length', String(body.length)];
    const upstream = forwardRequest(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHeaders(answer.rawHeaders, HOP_BY_HOP));
        pipeline(answer, res, () => undefined);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy(error);
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`fault proxy: ${options.target} did not answer: ${error.message}`);
    });
    // The client gave up (its timeout, or stop()): do not leave the emulator's answer pending.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
    // A client that hangs up mid-request is no failure of the proxy's.
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let stopping: Promise<void> | undefined;
  return {
    url,
    get calls() {
      return calls;
    },
    fail(fault) {
      const nth = fault.nth ?? 1;
      const times = fault.times ?? 1;
      // A typo here would otherwise make a test pass with no fault injected at all.
      if (!Number.isInteger(nth) || nth < 1) throw new RangeError(`nth must be a whole number from 1, not ${nth}`);
      if (!(times >= 1)) throw new RangeError(`times must be at least 1, not ${times}`);
      rules.push({ fault, from: nth, until: nth + times, matches: matcher(fault.match), seen: 0 });
    },
    outage(ms, kind = 'server-error') {
      outage = { until: Date.now() + ms, kind };
    },
    via(address) {
      const moved = new URL(address);
      const origin = new URL(url);
      moved.protocol = origin.protocol;
      moved.host = origin.host;
      return moved.href;
    },
    reset() {
      rules = [];
      outage = undefined;
      calls = [];
      byInvocation = new Map();
    },
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Also the hanging `timeout` calls and idle keep-alive sockets, which close() waits for.
        server.closeAllConnections();
        agent.destroy();
      })),
  };
}

interface FaultReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * What each service answers when it throttles or fails inside, in its own protocol (all the
 * JSON ones here are awsJson1_0). fault-proxy.test.ts sends each through the real SDK client:
 * the exception's name and status, and whether the SDK retries it, are what AWS would give.
 */
export function faultResponse(service: FaultService, kind: Exclude<FaultKind, 'timeout'>): FaultReply {
  const requestId = randomUUID();
  const throttled = kind === 'throttle';
  switch (service) {
    case 'dynamodb':
      // The data-plane throttle every table operation can raise (on-demand tables too).
      return json(requestId, throttled ? 400 : 500, {
        __type: `com.amazonaws.dynamodb.v20120810#${throttled ? 'ProvisionedThroughputExceededException' : 'InternalServerError'}`,
        message: throttled
          ? 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.'
          : 'Internal server error',
      });
    case 'sqs': {
      // SQS speaks JSON but stays compatible with its query-protocol error codes: the SDK takes
      // the code from x-amzn-query-error before __type. RequestThrottled is a 403 there.
      const [status, code, fault, message] = throttled
        ? [403, 'RequestThrottled', 'Sender', 'Request is throttled.']
        : [500, 'InternalFailure', 'Receiver', 'The request processing has failed because of an unknown error, exception or failure.'];
      const reply = json(requestId, status, { __type: `com.amazonaws.sqs#${code}`, message });
      return { ...reply, headers: { ...reply.headers, 'x-amzn-query-error': `${code};${fault}` } };
    }
    case 'sfn':
      return json(requestId, throttled ? 400 : 500, {
        __type: throttled ? 'com.amazon.coral.availability#ThrottlingException' : 'com.amazon.coral.service#InternalFailure',
        message: throttled ? 'Rate exceeded' : 'The request processing has failed because of an unknown error, exception or failure.',
      });
    case 'ses': {
      // The v1 API is the query protocol: an XML ErrorResponse.
      const [status, type, code, message] = throttled
        ? [400, 'Sender', 'Throttling', 'Maximum sending rate exceeded.']
        : [500, 'Receiver', 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.'];
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body:
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">` +
          `<Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  }
}

function json(requestId: string, status: number, body: { __type: string; message: string }): FaultReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
    body: JSON.stringify(body),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The id in `user-agent: aws-sdk-js/3.… os/linux … app/RouteFunction4D392DAD`. */
function appIdOf(req: IncomingMessage): string | undefined {
  return /(?:^|\s)app\/(\S+)/.exec(header(req, 'user-agent') ?? '')?.[1];
}

function maxAttemptsOf(req: IncomingMessage): number | undefined {
  const max = /\bmax=(\d+)/.exec(header(req, 'amz-sdk-request') ?? '')?.[1];
  return max === undefined ? undefined : Number(max);
}

/** `X-Amz-Target: DynamoDB_20120810.PutItem` for the JSON protocols, the Action field for query. */
function operationOf(req: IncomingMessage, form: URLSearchParams | undefined): string {
  const target = header(req, 'x-amz-target');
  if (target !== undefined) return target.slice(target.lastIndexOf('.') + 1);
  return form?.get('Action') ?? `${req.method} ${new URL(req.url ?? '/', 'http://proxy').pathname}`;
}

function isForm(req: IncomingMessage): boolean {
  return (header(req, 'content-type') ?? '').includes('application/x-www-form-urlencoded');
}

/** `a=1&b=x%20y` as `a=1\nb=x y`: one field a line, so a test can match a decoded value. */
function decodeForm(form: URLSearchParams): string {
  return [...form].map(([key, value]) => `${key}=${value}`).join('\n');
}

function matcher(match: string | RegExp | undefined): (texts: readonly string[]) => boolean {
  if (match === undefined) return () => true;
  if (typeof match === 'string') return (texts) => texts.some((text) => text.includes(match));
  // A global or sticky RegExp keeps lastIndex between test() calls; a copy without them does not.
  const pattern = new RegExp(match.source, match.flags.replace(/[gy]/g, ''));
  return (texts) => texts.some((text) => pattern.test(text));
}

/** `rawHeaders` (name, value, name, value…) keeps the client's spelling and repeated headers. */
function withoutHeaders(raw: readonly string[], names: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!names.has(raw[i]!.toLowerCase())) kept.push(raw[i]!, raw[i + 1]!);
  }
  return kept;
}
