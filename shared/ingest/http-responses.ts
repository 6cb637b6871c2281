import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { errorBody, retryHeaders } from '../http/errors.ts';
import { intakeErrorPage, thankYouPage } from '../views/intake-pages.ts';
import type { PlatformAnswer } from '../use-cases/receive-platform-notification.ts';
import type { Delivery, Received } from '../use-cases/receive-lead.ts';
import { originAllowed } from '../use-cases/receive-lead.ts';
import type { Source } from './source-config.ts';

/**
 * How the webhook answers: JSON to scripts and servers, a redirect or a page to a browser that
 * posted a plain HTML form, and CORS headers for pages a public source allows.
 */

/** The delivery as the use case reads it, from API Gateway's payload 2.0 event. */
export function deliveryOf(event: APIGatewayProxyEventV2): Delivery {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const host = headers.host ?? event.requestContext.domainName;
  const proto = headers['x-forwarded-proto'] ?? 'https';
  return {
    ...(event.pathParameters?.sourceId !== undefined ? { sourceId: event.pathParameters.sourceId } : {}),
    method: event.requestContext.http.method,
    url: `${proto}://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
    headers,
    query: event.queryStringParameters ?? {},
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    clientIp: event.requestContext.http.sourceIp,
  };
}

/** A browser navigating with a plain form post (no script): it should land on a page, not on JSON. */
export function wantsPage(headers: Delivery['headers']): boolean {
  if (!headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) return false;
  const mode = headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  return (headers.accept ?? '').includes('text/html');
}

export function corsHeaders(source: Source | undefined, origin: string | undefined): Record<string, string> {
  if (!source || origin === undefined || !originAllowed(source, origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

/** The answer to a browser's CORS preflight: which methods and headers a page may use. */
export function preflightResponse(source: Source, origin: string | undefined): APIGatewayProxyResultV2 {
  const allowed = corsHeaders(source, origin);
  if (!allowed['access-control-allow-origin']) return { statusCode: 403, headers: { vary: 'Origin' }, body: '' };
  return {
    statusCode: 204,
    headers: {
      ...allowed,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, idempotency-key',
      'access-control-max-age': '600',
    },
    body: '',
  };
}

export function receivedResponse(received: Received, delivery: Delivery): APIGatewayProxyResultV2 {
  if (wantsPage(delivery.headers)) {
    const thankYouUrl = 'thankYouUrl' in received.source ? received.source.thankYouUrl : undefined;
    return thankYouUrl ? { statusCode: 303, headers: { location: thankYouUrl }, body: '' } : thankYouPage();
  }
  return {
    statusCode: 202,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...corsHeaders(received.source, delivery.headers.origin),
      ...(received.replayed ? { 'idempotent-replayed': 'true' } : {}),
    },
    body: JSON.stringify({ leadId: received.leadId, status: received.status }),
  };
}

/** A 4xx for the browser that posted a plain form gets a page with a link back to the form. */
export function intakeErrorResponse(status: number, error: unknown, delivery: Delivery, source: Source | undefined): APIGatewayProxyResultV2 {
  const body = errorBody(error);
  if (wantsPage(delivery.headers)) {
    const referer = delivery.headers.referer;
    const page = intakeErrorPage(status, body, referer && /^https?:\/\//i.test(referer) ? referer : undefined);
    return { ...page, headers: { ...page.headers, ...retryHeaders(status, error) } };
  }
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...retryHeaders(status, error), ...corsHeaders(source, delivery.headers.origin) },
    body: JSON.stringify(body),
  };
}

/**
 * What an ad platform is answered: its challenge as it asks for it (Meta: the bare challenge as
 * text; LinkedIn: JSON), and 200 for a notification once its leads are queued (any 2xx stops
 * the platform's retries; 200 is what both document).
 */
export function platformResponse(answer: PlatformAnswer): APIGatewayProxyResultV2 {
  switch (answer.kind) {
    case 'challenge':
      return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: answer.text };
    case 'validation':
      return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(answer.body) };
    case 'queued':
      return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ queued: answer.leadIds.length }) };
  }
}
