import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type Gateway, type Invoke } from './gateway.ts';
import type { RouteModel } from './template.ts';

const routes: RouteModel[] = [
  { routeKey: 'POST /leads', method: 'POST', path: '/leads', functionLogicalId: 'Ingest', payloadFormatVersion: '2.0' },
  { routeKey: 'GET /a/{token}', method: 'GET', path: '/a/{token}', functionLogicalId: 'Actions', payloadFormatVersion: '2.0' },
  { routeKey: 'HEAD /a/{token}', method: 'HEAD', path: '/a/{token}', functionLogicalId: 'Actions', payloadFormatVersion: '2.0' },
];

describe('the local gateway', () => {
  let gateway: Gateway | undefined;
  const events: { functionLogicalId: string; event: APIGatewayProxyEventV2 }[] = [];
  const start = async (invoke?: Invoke) => {
    gateway = await startGateway({ routes, port: 0, ...(invoke ? { invoke } : {}) });
    return gateway.url;
  };
  const echo: Invoke = async (functionLogicalId, event) => {
    events.push({ functionLogicalId, event: event as APIGatewayProxyEventV2 });
    return { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<h1>page</h1>' };
  };

  afterEach(async () => {
    await gateway?.stop();
    events.length = 0;
  });

  it('given a matching route, when requested, then the function gets a 2.0 event and its response is returned', async () => {
    const url = await start(echo);
    const response = await fetch(`${url}/a/tok?x=1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<h1>page</h1>');
    expect(events[0]).toMatchObject({ functionLogicalId: 'Actions', event: { routeKey: 'GET /a/{token}', pathParameters: { token: 'tok' }, rawQueryString: 'x=1' } });
  });

  it('given a HEAD route, when HEAD is requested, then the function gets a HEAD event and the answer has no body', async () => {
    const url = await start(echo);
    const response = await fetch(`${url}/a/tok`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe('');
    expect(events[0]).toMatchObject({ event: { routeKey: 'HEAD /a/{token}', requestContext: { http: { method: 'HEAD' } } } });
  });

  it('given only a GET route, when HEAD is requested, then 404 as API Gateway answers', async () => {
    const url = await start(echo);
    expect((await fetch(`${url}/leads`, { method: 'HEAD' })).status).toBe(404);
    expect(events).toHaveLength(0);
  });

  it('given no matching route, when requested, then 404 JSON, while /health answers 200', async () => {
    const url = await start(echo);
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(events).toHaveLength(0);
  });

  it('given a body over 10 MB, when posted, then 413 without invoking the function', async () => {
    const url = await start(echo);
    const response = await fetch(`${url}/leads`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('given a failing function, when requested, then 500 with no internals', async () => {
    const url = await start(async () => {
      throw new Error('secret detail');
    });
    const response = await fetch(`${url}/leads`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('given functions not attached yet, when requested, then 503 until serve is called', async () => {
    const url = await start();
    expect((await fetch(`${url}/health`)).status).toBe(503);
    gateway!.serve(echo);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
