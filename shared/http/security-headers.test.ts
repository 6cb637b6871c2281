import middy from '@middy/core';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { Forbidden } from '../domain/errors.ts';
import { httpErrors } from './errors.ts';
import { securityHeaders } from './security-headers.ts';

const headers = { 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'none'" };

/** A handler behind the middleware, in the order a function uses it: security headers, then the error pages. */
const behind = (route: () => Promise<APIGatewayProxyResultV2>) =>
  middy<unknown, APIGatewayProxyResultV2>()
    .use(securityHeaders(headers))
    .use(httpErrors((status) => ({ statusCode: status, headers: { 'content-type': 'text/html' }, body: 'error page' })))
    .handler(route);

const invoke = (route: () => Promise<APIGatewayProxyResultV2>) => behind(route)({}, {} as Context);

describe('securityHeaders', () => {
  it('given a redirect with cookies, when it is answered, then each header is added and the redirect is kept as it was', async () => {
    const response = await invoke(async () => ({ statusCode: 303, headers: { location: '/portal/leads' }, cookies: ['a=1'] }));

    expect(response).toEqual({ statusCode: 303, headers: { ...headers, location: '/portal/leads' }, cookies: ['a=1'] });
  });

  it('given a response that sets one of the headers itself, in any case, when it is answered, then its own value is kept', async () => {
    const response = await invoke(async () => ({ statusCode: 200, headers: { 'Cache-Control': 'public, max-age=60' }, body: 'css' }));

    expect(response).toEqual({
      statusCode: 200,
      headers: { 'Cache-Control': 'public, max-age=60', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'none'" },
      body: 'css',
    });
  });

  it('given a route that fails, when the error page is rendered, then the error page carries the headers too', async () => {
    const response = await invoke(async () => {
      throw new Forbidden('not yours');
    });

    expect(response).toEqual({ statusCode: 403, headers: { ...headers, 'content-type': 'text/html' }, body: 'error page' });
  });

  it('given a bare string, when it is answered, then it is the 200 JSON body API Gateway would make of it, with the headers', async () => {
    const response = await invoke(async () => '{"ok":true}');

    expect(response).toEqual({ statusCode: 200, headers: { ...headers, 'content-type': 'application/json' }, body: '{"ok":true}' });
  });
});
