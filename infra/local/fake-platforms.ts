import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A small HTTP server that answers as the ad platforms' lead APIs do, from their documented
 * responses: the Graph API's lead by id (`GET /{version}/{leadgen_id}?access_token=…`) and
 * LinkedIn's lead form response by id (`GET /rest/leadFormResponses/{id}` with a bearer token
 * and `LinkedIn-Version`). It knows the canned leads of `events/platforms/` and any a test adds,
 * and can be told to fail the next calls the ways the real ones do: a 5xx, a hang past the
 * client's timeout, an expired token. `npm start` runs one (the functions' PLATFORM_API_BASE_URL
 * points at it); the integration tests start their own.
 */

export type PlatformFailure = 'server-error' | 'hang' | 'token-expired';

export interface FakePlatformRequest {
  readonly platform: 'facebook' | 'linkedin';
  readonly leadId: string;
  readonly token?: string;
  readonly version?: string;
  readonly fields?: string;
}

export interface FakePlatforms {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every lead request, in order. */
  readonly requests: readonly FakePlatformRequest[];
  /** Answers this lead by id from now on (a Graph lead, or a LinkedIn lead form response). */
  addLead(platform: 'facebook' | 'linkedin', lead: { readonly id: string } & Record<string, unknown>): void;
  /** The next `count` lead requests fail this way. */
  failNext(count: number, failure: PlatformFailure): void;
  stop(): Promise<void>;
}

export const PLATFORM_SAMPLES_DIR = new URL('../../events/platforms/', import.meta.url);

/** A canned answer in events/platforms/: the platform, where it documents the shape, and the response. */
const CannedLeadSchema = z.strictObject({
  platform: z.enum(['facebook', 'linkedin']),
  documentation: z.string().min(1),
  response: z.looseObject({ id: z.string().min(1) }),
});
export type CannedLead = z.infer<typeof CannedLeadSchema>;

export function cannedLeads(dir: URL = PLATFORM_SAMPLES_DIR): CannedLead[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => CannedLeadSchema.parse(JSON.parse(readFileSync(new URL(file, dir), 'utf8'))));
}

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
};

// Graph API errors as Meta documents them (https://developers.facebook.com/docs/graph-api/guides/error-handling).
const graphErrors = {
  'server-error': [500, { error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', is_transient: true, code: 2, fbtrace_id: 'AfakeTrace1' } }],
  'token-expired': [400, { error: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: 'AfakeTrace2' } }],
} as const;
// LinkedIn's error body: https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
const linkedInErrors = {
  'server-error': [500, { status: 500, message: 'Internal Server Error' }],
  'token-expired': [401, { status: 401, serviceErrorCode: 65601, code: 'EXPIRED_ACCESS_TOKEN', message: 'The token used in the request has expired' }],
} as const;

export async function startFakePlatforms(options: { port?: number; leads?: readonly CannedLead[] } = {}): Promise<FakePlatforms> {
  const leads = { facebook: new Map<string, unknown>(), linkedin: new Map<string, unknown>() };
  for (const canned of options.leads ?? cannedLeads()) leads[canned.platform].set(canned.response.id, canned.response);
  const requests: FakePlatformRequest[] = [];
  const failures: PlatformFailure[] = [];
  const hanging = new Set<ServerResponse>();

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    if (request.method !== 'GET') return json(response, 405, { message: 'only GET' });
    const linkedIn = /^\/rest\/leadFormResponses\/([^/]+)$/.exec(url.pathname);
    const graph = /^\/(v\d+\.\d+)\/([^/]+)$/.exec(url.pathname);
    if (!linkedIn && !graph) return json(response, 404, { message: `no such path ${url.pathname}` });
    const platform = linkedIn ? 'linkedin' : 'facebook';
    const leadId = decodeURIComponent((linkedIn ? linkedIn[1] : graph![2])!);
    const authorization = request.headers.authorization;
    const token = linkedIn ? (authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined) : (url.searchParams.get('access_token') ?? undefined);
    const version = linkedIn ? request.headers['linkedin-version']?.toString() : graph![1];
    const fields = url.searchParams.get('fields') ?? undefined;
    requests.push({ platform, leadId, ...(token ? { token } : {}), ...(version ? { version } : {}), ...(fields ? { fields } : {}) });

    const failure = failures.shift();
    if (failure === 'hang') {
      hanging.add(response);
      response.on('close', () => hanging.delete(response));
      return;
    }
    const errors = linkedIn ? linkedInErrors : graphErrors;
    if (failure) return json(response, errors[failure][0], errors[failure][1]);
    if (!token) {
      return linkedIn
        ? json(response, 401, { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' })
        : json(response, 400, { error: { message: 'An access token is required to request this resource.', type: 'OAuthException', code: 104, fbtrace_id: 'AfakeTrace3' } });
    }
    if (linkedIn && !version) return json(response, 400, { status: 400, code: 'VERSION_MISSING', message: 'A version must be present. Please specify a version by adding the LinkedIn-Version header.' });
    const lead = leads[platform].get(leadId);
    if (lead !== undefined) return json(response, 200, lead);
    return linkedIn
      ? json(response, 404, { status: 404, message: `Not found: leadFormResponse ${leadId}` })
      : json(response, 400, {
          error: { message: `Unsupported get request. Object with ID '${leadId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, type: 'GraphMethodException', code: 100, error_subcode: 33, fbtrace_id: 'AfakeTrace4' },
        });
  };

  const server = createServer(answer);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addLead: (platform, lead) => void leads[platform].set(lead.id, lead),
    failNext: (count, failure) => {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
