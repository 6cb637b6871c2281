import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { portalCookies } from '#shared/portal/cookies.ts';
import { issueSession, SESSION_COOKIE } from '#shared/portal/session.ts';
import type { RepProfile } from '#shared/routing/eligibility.ts';
import { rep as makeRep } from '#shared/routing/test-fixtures.ts';
import { repSession, type SignedInContext } from './session.ts';
import { lambdaContext, portalRequest } from './test-events.ts';

const KEY = 'session-key-for-tests';
const NOW = new Date('2026-03-02T10:00:00Z');
const ana = makeRep('ana');

/** A page behind the session middleware that says whom it saw; reps are looked up in `known`. */
function page(known: readonly RepProfile[]) {
  const reps = { get: async (id: string) => known.find((rep) => rep.id === id) };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(repSession({ sessionKey: KEY, reps, cookies: portalCookies(true), now: () => NOW }))
    .handler(async (_event, context) => ({ statusCode: 200, body: `${context.rep.id} ${context.session.sid}` }));
}

const withSession = (token: string) => portalRequest('GET', '/portal/leads', { cookies: [`${SESSION_COOKIE}=${token}`] });

describe('repSession', () => {
  it('given the session cookie of a known rep, when a page is asked for, then the page runs with the rep and the session', async () => {
    const { token, claims } = issueSession(KEY, 'ana', NOW);

    const response = await page([ana])(withSession(token), lambdaContext<SignedInContext>());

    expect(response).toEqual({ statusCode: 200, body: `ana ${claims.sid}` });
  });

  it.each([
    ['no session cookie', portalRequest('GET', '/portal/leads')],
    ['a session signed with another key', withSession(issueSession('another-key', 'ana', NOW).token)],
    ['an expired session', withSession(issueSession(KEY, 'ana', new Date(NOW.getTime() - 13 * 3600_000)).token)],
  ])('given %s, when a page is asked for, then the visitor is sent to sign in and the page does not run', async (_name, event) => {
    const response = await page([ana])(event, lambdaContext<SignedInContext>());

    expect(response).toEqual({ statusCode: 303, headers: { location: '/portal/sign-in', 'cache-control': 'no-store' }, cookies: [] });
  });

  it('given the session of a rep who is gone, when a page is asked for, then they are sent to sign in and the session cookie is cleared', async () => {
    const { token } = issueSession(KEY, 'gone', NOW);

    const response = await page([ana])(withSession(token), lambdaContext<SignedInContext>());

    expect(response).toMatchObject({ statusCode: 303, headers: { location: '/portal/sign-in' } });
    expect(response).toHaveProperty('cookies', [expect.stringMatching(/^lr_session=; Max-Age=0;/)]);
  });

  it('given a session issued before the rep signed out everywhere, when a page is asked for, then they are sent to sign in and the cookie is cleared', async () => {
    const { token } = issueSession(KEY, 'ana', NOW, 0);

    const response = await page([{ ...ana, sessionVersion: 1 }])(withSession(token), lambdaContext<SignedInContext>());

    expect(response).toMatchObject({ statusCode: 303, headers: { location: '/portal/sign-in' } });
    expect(response).toHaveProperty('cookies', [expect.stringMatching(/^lr_session=; Max-Age=0;/)]);
  });

  it('given the current session of a rep an admin switched off, when a page is asked for, then a 403 page says the account is switched off, the cookie is cleared and the page does not run', async () => {
    const { token } = issueSession(KEY, 'ana', NOW, 3);

    const response = await page([{ ...ana, sessionVersion: 3, disabled: true }])(withSession(token), lambdaContext<SignedInContext>());

    expect(response).toMatchObject({ statusCode: 403 });
    expect(response).toHaveProperty('body', expect.stringContaining('Your account is switched off'));
    expect(response).toHaveProperty('cookies', [expect.stringMatching(/^lr_session=; Max-Age=0;/)]);
  });
});
