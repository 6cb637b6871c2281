import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InvalidLinkToken } from '#shared/domain/errors.ts';
import { portalCookies, readCookies } from '#shared/portal/cookies.ts';
import { checkCsrf, issueSession, PRE_SESSION_COOKIE, preSession, sessionCsrf } from '#shared/portal/session.ts';
import { rep as makeRep } from '#shared/routing/test-fixtures.ts';
import { csrfForPreSession, csrfForSession, type FormContext } from './csrf.ts';
import type { SignedInContext } from './session.ts';
import { lambdaContext, portalRequest } from './test-events.ts';

const KEY = 'session-key-for-tests';
const NOW = new Date('2026-03-02T10:00:00Z');

type Page = (event: APIGatewayProxyEventV2, context: Context & FormContext) => Promise<APIGatewayProxyStructuredResultV2>;

/** What a page saw: the posted form and the token it would put in its own forms. */
const echo: Page = async (_event, { form, csrf }) => ({ statusCode: 200, body: JSON.stringify({ form: Object.fromEntries(form), csrf }) });
const seen = (response: APIGatewayProxyResultV2) => JSON.parse((response as APIGatewayProxyStructuredResultV2).body ?? '') as unknown;

describe('csrfForSession', () => {
  const { claims } = issueSession(KEY, 'ana', NOW);
  const other = issueSession(KEY, 'ana', NOW).claims;
  const signedIn = { rep: makeRep('ana'), session: claims } satisfies SignedInContext;
  const page = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().use(csrfForSession(KEY)).handler(echo);
  const invoke = (event: APIGatewayProxyEventV2) => page(event, Object.assign(lambdaContext<SignedInContext & FormContext>(), signedIn));

  it("given a GET, when the page runs, then its form is empty and its forms carry the session's token", async () => {
    expect(seen(await invoke(portalRequest('GET', '/portal/profile')))).toEqual({ form: {}, csrf: sessionCsrf(KEY, claims) });
  });

  it("given a POST with the session's token, when it arrives, then the page runs with the form", async () => {
    const response = await invoke(portalRequest('POST', '/portal/next', { form: { csrf: sessionCsrf(KEY, claims), repId: 'bo' } }));

    expect(seen(response)).toEqual({ form: { csrf: sessionCsrf(KEY, claims), repId: 'bo' }, csrf: sessionCsrf(KEY, claims) });
  });

  it.each([
    ['no token', {}],
    ["another session's token", { csrf: sessionCsrf(KEY, other) }],
  ])('given a POST with %s, when it arrives, then it is refused (403) before the page runs', async (_name, form) => {
    await expect(invoke(portalRequest('POST', '/portal/next', { form }))).rejects.toBeInstanceOf(InvalidLinkToken);
  });
});

describe('csrfForPreSession', () => {
  const route = (page: Page) => middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().use(csrfForPreSession(KEY, portalCookies(true))).handler(page);
  const invoke = (page: Page, event: APIGatewayProxyEventV2) => route(page)(event, lambdaContext<FormContext>()) as Promise<APIGatewayProxyStructuredResultV2>;

  it('given a page that shows a form, when it is rendered, then it comes with a fresh pre-session cookie that its token is bound to', async () => {
    const response = await invoke(echo, portalRequest('GET', '/portal/sign-in'));

    const { csrf } = seen(response) as { csrf: string };
    const nonce = readCookies((response.cookies ?? []).map((cookie) => cookie.split(';')[0]!))[PRE_SESSION_COOKIE];
    expect(response.cookies).toEqual([expect.stringMatching(/^lr_pre=[\w-]+; Max-Age=1800; Path=\/portal; HttpOnly; Secure; SameSite=Lax$/)]);
    expect(() => checkCsrf(KEY, csrf, { nonce: nonce! })).not.toThrow();
  });

  it('given a page without a form, when it is rendered, then no cookie comes with it', async () => {
    const response = await invoke(async () => ({ statusCode: 200, body: 'check your email' }), portalRequest('GET', '/portal/sign-in'));

    expect(response.cookies).toBeUndefined();
  });

  it("given a POST with the token of its pre-session cookie, when it arrives, then the page runs with the form", async () => {
    const { nonce, csrf } = preSession(KEY);

    const response = await invoke(echo, portalRequest('POST', '/portal/sign-in', { cookies: [`${PRE_SESSION_COOKIE}=${nonce}`], form: { csrf, email: 'a@b.co' } }));

    expect(response.statusCode).toBe(200);
    expect(seen(response)).toMatchObject({ form: { csrf, email: 'a@b.co' } });
  });

  it.each([
    ['no pre-session cookie', [], preSession(KEY).csrf],
    ["another cookie's token", [`${PRE_SESSION_COOKIE}=${preSession(KEY).nonce}`], preSession(KEY).csrf],
    ['no token', [`${PRE_SESSION_COOKIE}=${preSession(KEY).nonce}`], undefined],
  ])('given a POST with %s, when it arrives, then it is refused (403) before the page runs', async (_name, cookies, csrf) => {
    const event = portalRequest('POST', '/portal/sign-in', { cookies, form: { email: 'a@b.co', ...(csrf ? { csrf } : {}) } });

    await expect(invoke(echo, event)).rejects.toBeInstanceOf(InvalidLinkToken);
  });
});
