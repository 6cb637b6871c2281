import type { FacebookSource, LinkedInSource, PlatformSource } from '../ingest/source-config.ts';
import { GRAPH_LEAD_FIELDS } from '../ingest/platforms/facebook.ts';
import { LINKEDIN_RESPONSE_FIELDS } from '../ingest/platforms/linkedin.ts';
import { parseExactJson } from '../ingest/platforms/exact-json.ts';

/**
 * The ad platforms' lead APIs: the Graph API's lead by id, LinkedIn's lead form response by id.
 * Every call has a timeout (the source's `requestTimeoutMs`), and every failure is one of the
 * errors below, which say what to do about it; the fetch function retries them all, since
 * nothing a platform answers makes a notified lead not worth having.
 */

/** The platform did not answer in time, answered 5xx or 429, or could not be reached: try again later. */
export class PlatformUnavailable extends Error {
  override name = 'PlatformUnavailable';
}

/**
 * The platform refused the access token (Graph: OAuthException code 190; LinkedIn: 401): it
 * expired or was revoked. Retried, since the admin may set a new one meanwhile.
 */
export class PlatformTokenRejected extends Error {
  override name = 'PlatformTokenRejected';
}

/** Any other refusal (a 4xx: the lead is not visible to this token, a wrong id, a missing permission). */
export class PlatformRefused extends Error {
  override name = 'PlatformRefused';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** How a Graph API error reads (https://developers.facebook.com/docs/graph-api/guides/error-handling). */
interface GraphError {
  readonly message?: string;
  readonly type?: string;
  readonly code?: number;
  readonly error_subcode?: number;
}

function graphError(body: unknown): GraphError | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { message, type, code, error_subcode } = error as Record<string, unknown>;
  return {
    ...(typeof message === 'string' ? { message: message.slice(0, 300) } : {}),
    ...(typeof type === 'string' ? { type } : {}),
    ...(typeof code === 'number' || typeof code === 'string' ? { code: Number(code) } : {}),
    ...(typeof error_subcode === 'number' || typeof error_subcode === 'string' ? { error_subcode: Number(error_subcode) } : {}),
  };
}

export interface PlatformApiOptions {
  /** Replaces every source's `apiBaseUrl` (the local stack's fake platforms); unset on AWS. */
  readonly baseUrlOverride?: string;
  readonly fetch?: typeof fetch;
}

export class PlatformApi {
  readonly #override: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: PlatformApiOptions = {}) {
    this.#override = options.baseUrlOverride?.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? fetch;
  }

  /** The lead as the platform's API answers it (JSON with its ids exact). */
  lead(source: PlatformSource, leadId: string, accessToken: string): Promise<unknown> {
    return source.auth === 'facebook' ? this.#graphLead(source, leadId, accessToken) : this.#linkedInResponse(source, leadId, accessToken);
  }

  #base(source: PlatformSource): string {
    return this.#override ?? source.apiBaseUrl.replace(/\/+$/, '');
  }

  async #graphLead(source: FacebookSource, leadgenId: string, accessToken: string): Promise<unknown> {
    const url = new URL(`${this.#base(source)}/${source.apiVersion}/${encodeURIComponent(leadgenId)}`);
    url.searchParams.set('fields', GRAPH_LEAD_FIELDS);
    url.searchParams.set('access_token', accessToken);
    const { status, body } = await this.#get(url, {}, source.requestTimeoutMs, 'the Graph API');
    if (status >= 200 && status < 300) return body;
    const error = graphError(body);
    const said = error ? `${error.type ?? 'error'} ${error.code ?? '?'}${error.error_subcode ? `/${error.error_subcode}` : ''}: ${error.message ?? ''}`.trim() : `HTTP ${status}`;
    if (error?.code === 190) throw new PlatformTokenRejected(`the Graph API refused the page access token (${said})`);
    // Throttling (4, 17, 32, 613) and transient errors (1, 2) are Meta's "try again later".
    if (status >= 500 || status === 429 || [1, 2, 4, 17, 32, 341, 613].includes(error?.code ?? -1)) throw new PlatformUnavailable(`the Graph API answered ${status} (${said})`);
    throw new PlatformRefused(`the Graph API refused the lead (${status}, ${said})`, status);
  }

  async #linkedInResponse(source: LinkedInSource, responseId: string, accessToken: string): Promise<unknown> {
    const url = new URL(`${this.#base(source)}/rest/leadFormResponses/${encodeURIComponent(responseId)}`);
    url.searchParams.set('fields', LINKEDIN_RESPONSE_FIELDS);
    const headers = { authorization: `Bearer ${accessToken}`, 'linkedin-version': source.apiVersion, 'x-restli-protocol-version': '2.0.0' };
    const { status, body } = await this.#get(url, headers, source.requestTimeoutMs, "LinkedIn's API");
    if (status >= 200 && status < 300) return body;
    const message = typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message.slice(0, 300) : `HTTP ${status}`;
    if (status === 401) throw new PlatformTokenRejected(`LinkedIn refused the access token (401: ${message})`);
    if (status >= 500 || status === 429) throw new PlatformUnavailable(`LinkedIn's API answered ${status} (${message})`);
    throw new PlatformRefused(`LinkedIn refused the lead form response (${status}: ${message})`, status);
  }

  async #get(url: URL, headers: Record<string, string>, timeoutMs: number, who: string): Promise<{ status: number; body: unknown }> {
    let response: Response;
    let text: string;
    try {
      // The whole exchange, body included, within the timeout: a platform that stalls mid-body is as down as one that never answers.
      const signal = AbortSignal.timeout(timeoutMs);
      response = await this.#fetch(url, { headers: { accept: 'application/json', ...headers }, signal });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new PlatformUnavailable(timedOut ? `${who} did not answer within ${timeoutMs} ms` : `${who} could not be reached (${(error as Error).message})`, { cause: error });
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : parseExactJson(text, `${who}'s answer`);
    } catch {
      if (response.ok) throw new PlatformUnavailable(`${who} answered ${response.status} with a body that is not JSON`);
      body = undefined;
    }
    return { status: response.status, body };
  }
}
