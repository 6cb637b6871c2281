import { Agent, createServer, request as forwardRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { billedUnits, consumedUnits, refusedWriteUnits, withConsumedCapacity } from './consumed-capacity.ts';

/**
 * An HTTP proxy in front of one emulator that notes every request it forwards: the operation,
 * who made it (the `app/<logical id>` the local runtime puts in each function's SDK user agent),
 * the answer's status, and, for DynamoDB, the units the answer says it consumed. In front of
 * DynamoDB it asks for them itself: `ReturnConsumedCapacity: TOTAL` is added to every request
 * whose operation takes it (DynamoDB Local checks no signatures, so the changed body passes).
 * Each HTTP request is one record, SDK retries included: AWS bills each.
 */

export type MeteredService = 'dynamodb' | 'dynamodb-streams' | 'sqs' | 'ses' | 'sfn';

export interface MeteredCall {
  readonly service: MeteredService;
  readonly operation: string;
  /** The calling function's logical id; absent for a client that names no one (the runtime's own plumbing). */
  readonly appId: string | undefined;
  readonly status: number;
  /** The error code of a 4xx/5xx answer (`ConditionalCheckFailedException`). */
  readonly errorCode: string | undefined;
  /** Units as the answer reported them. */
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Units as AWS bills them (a transaction's at twice the reported, a batch's misses at the minimum: see billedUnits). */
  readonly billedReadUnits: number;
  readonly billedWriteUnits: number;
  /** A refused write's units as AWS would still charge them (see refusedWriteUnits). */
  readonly refusedWriteUnits: number;
  /** Request body bytes as sent by the caller. */
  readonly requestBytes: number;
  /** For SQS: the messages a ReceiveMessage answer carried (0 for an empty receive). */
  readonly messages: number | undefined;
  readonly startedAt: number;
  readonly ms: number;
  /** The request body as the caller sent it, when the proxy keeps bodies. */
  readonly body?: string;
}

export interface MeteringProxyOptions {
  readonly target: string;
  readonly service: Exclude<MeteredService, 'dynamodb-streams'>;
  /** Keep each request body in its record (for replaying the calls); default false. */
  readonly keepBodies?: boolean;
  readonly onCall?: (call: MeteredCall) => void;
}

export interface MeteringProxy {
  readonly url: string;
  readonly calls: readonly MeteredCall[];
  /** Forgets the calls so far. */
  reset(): void;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'content-length']);

export async function startMeteringProxy(options: MeteringProxyOptions): Promise<MeteringProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  let calls: MeteredCall[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const startedAt = performance.now();
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      const { service, operation } = operationOf(options.service, req.headers, text);
      const sent = service === 'dynamodb' ? Buffer.from(withConsumedCapacity(operation, text)) : raw;
      const upstream = forwardRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...withoutHopByHop(req.headers), 'content-length': String(sent.length) },
          agent,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('error', (error) => res.destroy(error));
          answer.on('end', () => {
            const body = Buffer.concat(parts);
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, { ...withoutHopByHop(answer.headers), 'content-length': String(body.length) });
            res.end(body);
            const status = answer.statusCode ?? 0;
            const answerText = decoded(answer, body);
            const units = service === 'dynamodb' && status < 300 ? consumedUnits(operation, answerText) : undefined;
            const billed = units ? billedUnits(operation, units, text) : undefined;
            const call: MeteredCall = {
              service,
              operation,
              appId: appIdOf(req),
              status,
              errorCode: status >= 400 ? errorCodeOf(answer, answerText) : undefined,
              readUnits: units?.readUnits ?? 0,
              writeUnits: units?.writeUnits ?? 0,
              billedReadUnits: billed?.readUnits ?? 0,
              billedWriteUnits: billed?.writeUnits ?? 0,
              refusedWriteUnits: service === 'dynamodb' && status >= 400 && status < 500 ? refusedWriteUnits(operation, text) : 0,
              requestBytes: raw.length,
              messages: service === 'sqs' && operation === 'ReceiveMessage' && status < 300 ? receivedMessages(answerText) : undefined,
              startedAt,
              ms: performance.now() - startedAt,
              ...(options.keepBodies ? { body: text } : {}),
            };
            calls.push(call);
            options.onCall?.(call);
          });
        },
      );
      upstream.on('error', (error) => {
        if (res.headersSent) return void res.destroy(error);
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`metering proxy: ${options.target} did not answer: ${error.message}`);
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(sent);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
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
    reset() {
      calls = [];
    },
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      })),
  };
}

/**
 * `X-Amz-Target: DynamoDB_20120810.PutItem` (DynamoDB Streams shares DynamoDB Local's port, as
 * `DynamoDBStreams_20120810.GetRecords`), `AmazonSQS.SendMessage`, `AWSStepFunctions.StartExecution`;
 * SES v1 is the query protocol, its operation the form's Action.
 */
export function operationOf(service: MeteringProxyOptions['service'], headers: IncomingHttpHeaders, body: string): { service: MeteredService; operation: string } {
  const targetHeader = headers['x-amz-target'];
  const target = Array.isArray(targetHeader) ? targetHeader[0] : targetHeader;
  if (target !== undefined) {
    const operation = target.slice(target.lastIndexOf('.') + 1);
    return { service: service === 'dynamodb' && target.startsWith('DynamoDBStreams') ? 'dynamodb-streams' : service, operation };
  }
  const action = new URLSearchParams(body).get('Action');
  return { service, operation: action ?? 'unknown' };
}

function appIdOf(req: IncomingMessage): string | undefined {
  const header = req.headers['user-agent'];
  // Powertools appends its own tag to the id (`app/RouteFunction4D392DAD-PT-NO-OP-2.36.0-PTEnv-NA`); logical ids are alphanumeric.
  return /(?:^|\s)app\/([A-Za-z0-9]+)/.exec(Array.isArray(header) ? header.join(' ') : (header ?? ''))?.[1];
}

function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

function decoded(answer: IncomingMessage, body: Buffer): string {
  try {
    return (answer.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
  } catch {
    return '';
  }
}

/** awsJson's `__type` (`com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`), or the query protocol's `<Code>`. */
function errorCodeOf(answer: IncomingMessage, text: string): string {
  const header = answer.headers['x-amzn-errortype'];
  if (typeof header === 'string') return header.split(':')[0]!;
  const type = /"__type"\s*:\s*"([^"]+)"/.exec(text)?.[1];
  if (type) return type.slice(type.lastIndexOf('#') + 1);
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? 'unknown';
}

function receivedMessages(text: string): number {
  try {
    const parsed: unknown = JSON.parse(text);
    const messages = parsed !== null && typeof parsed === 'object' && 'Messages' in parsed ? parsed.Messages : undefined;
    return Array.isArray(messages) ? messages.length : 0;
  } catch {
    return 0;
  }
}
