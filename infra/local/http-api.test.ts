import { describe, expect, it } from 'vitest';
import { buildHttpApiEvent, matchRoute, toHttpResponse, type HttpRequestInput } from './http-api.ts';
import type { RouteModel } from './template.ts';

const route = (routeKey: string, functionLogicalId = routeKey): RouteModel => {
  const [method, path] = routeKey === '$default' ? [] : routeKey.split(' ');
  return { routeKey, ...(method ? { method } : {}), ...(path ? { path } : {}), functionLogicalId, payloadFormatVersion: '2.0' };
};

describe('matching routes', () => {
  const routes = [route('GET /a/{token}'), route('GET /a/special'), route('ANY /a/{token}'), route('GET /files/{path+}'), route('$default')];

  it('given a literal and a variable route, when both match, then the literal wins', () => {
    expect(matchRoute(routes, 'GET', '/a/special')?.route.routeKey).toBe('GET /a/special');
  });

  it('given a variable route, when matched, then the decoded segment is a path parameter', () => {
    expect(matchRoute(routes, 'GET', '/a/x%20y')).toEqual({ route: routes[0], pathParameters: { token: 'x y' } });
  });

  it('given an exact method and ANY, when a POST comes, then ANY takes it', () => {
    expect(matchRoute(routes, 'POST', '/a/t')?.route.routeKey).toBe('ANY /a/{token}');
  });

  it('given a greedy variable, when a deep path comes, then it takes the rest of the path', () => {
    expect(matchRoute(routes, 'GET', '/files/x/y.txt')?.pathParameters).toEqual({ path: 'x/y.txt' });
  });

  it('given no specific route, when nothing matches, then $default takes it, and without it nothing does', () => {
    expect(matchRoute(routes, 'DELETE', '/nothing')?.route.routeKey).toBe('$default');
    expect(matchRoute(routes.slice(0, 4), 'GET', '/a/t/extra')).toBeUndefined();
  });
});

describe('building the payload 2.0 event', () => {
  const input = (overrides: Partial<HttpRequestInput>): HttpRequestInput => ({
    method: 'POST',
    url: '/leads?utm=a&utm=b&q=x%20y',
    headers: { Host: ['localhost:3000'], 'Content-Type': ['application/json'], 'User-Agent': ['curl/8'], Cookie: ['a=1; b=2'], 'X-Multi': ['1', '2'] },
    body: Buffer.from('{"email":"a@b.co"}'),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    localPort: 3000,
    match: { route: route('POST /leads', 'Ingest'), pathParameters: {} },
    now: new Date('2026-03-12T19:03:58.123Z'),
    requestId: 'req-1',
    accountId: '000000000000',
    apiId: 'local',
    ...overrides,
  });

  it('given a JSON post, when converted, then the event carries it as text with API Gateway fields', () => {
    const event = buildHttpApiEvent(input({}));
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /leads',
      rawPath: '/leads',
      rawQueryString: 'utm=a&utm=b&q=x%20y',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { utm: 'a,b', q: 'x y' },
      body: '{"email":"a@b.co"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost:3000',
        http: { method: 'POST', path: '/leads', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8' },
        requestId: 'req-1',
        routeKey: 'POST /leads',
        stage: '$default',
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: Date.parse('2026-03-12T19:03:58.123Z'),
      },
    });
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', 'x-multi': '1,2', 'x-forwarded-for': '127.0.0.1' });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.pathParameters).toBeUndefined();
  });

  it('given a form post, when converted, then the body arrives base64 encoded as API Gateway sends it', () => {
    const form = 'email=a%40b.co&firstName=A';
    const event = buildHttpApiEvent(input({ headers: { 'content-type': ['application/x-www-form-urlencoded'] }, body: Buffer.from(form) }));
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').toString()).toBe(form);
  });

  it('given a GET without query or body, when converted, then those fields are absent', () => {
    const event = buildHttpApiEvent(input({ method: 'GET', url: '/a/t', body: Buffer.alloc(0), match: { route: route('GET /a/{token}'), pathParameters: { token: 't' } } }));
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.pathParameters).toEqual({ token: 't' });
  });
});

describe('turning results into responses', () => {
  it('given a structured result, when converted, then status, headers, cookies and body are used', () => {
    const response = toHttpResponse({ statusCode: 202, headers: { 'Content-Type': 'text/html' }, cookies: ['s=1; HttpOnly'], body: '<p>ok</p>' });
    expect(response).toEqual({ statusCode: 202, headers: { 'content-type': 'text/html' }, cookies: ['s=1; HttpOnly'], body: Buffer.from('<p>ok</p>') });
  });

  it('given a base64 result, when converted, then the body is decoded', () => {
    expect(toHttpResponse({ statusCode: 200, body: Buffer.from('bytes').toString('base64'), isBase64Encoded: true }).body.toString()).toBe('bytes');
  });

  it('given a plain object or string, when converted, then it is a 200 JSON response as payload 2.0 infers', () => {
    expect(toHttpResponse({ leadId: 'x' })).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"leadId":"x"}') });
    expect(toHttpResponse('hello').body.toString()).toBe('hello');
  });

  it('given a status code out of range, when converted, then it is an internal error', () => {
    expect(toHttpResponse({ statusCode: 42 }).statusCode).toBe(500);
  });
});
