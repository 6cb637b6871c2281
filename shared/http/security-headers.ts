import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** `headers` under the response's own: a header the route set (a stylesheet's cache-control) wins. */
function withDefaults(response: APIGatewayProxyStructuredResultV2, headers: Readonly<Record<string, string>>): APIGatewayProxyStructuredResultV2 {
  const own = response.headers ?? {};
  const set = new Set(Object.keys(own).map((name) => name.toLowerCase()));
  const defaults = Object.fromEntries(Object.entries(headers).filter(([name]) => !set.has(name.toLowerCase())));
  return { ...response, headers: { ...defaults, ...own } };
}

/**
 * middy middleware that sets the same security headers on every response of a handler: what
 * its routes return and what the error handler renders (use it before `httpErrors`, so its
 * onError runs after the error page exists).
 */
export function securityHeaders(headers: Readonly<Record<string, string>>): MiddlewareObj<unknown, APIGatewayProxyResultV2> {
  const apply = (request: { response: APIGatewayProxyResultV2 | null | undefined }) => {
    const { response } = request;
    if (response === undefined || response === null) return;
    // API Gateway reads a bare string as a 200 JSON body; spelled out, it can carry headers.
    const structured = typeof response === 'string' ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: response } : response;
    request.response = withDefaults(structured, headers);
  };
  return { name: 'security-headers', after: apply, onError: apply };
}
