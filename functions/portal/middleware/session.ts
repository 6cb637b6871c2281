import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { RepStore } from '#shared/adapters/rep-store.ts';
import { logger } from '#shared/observability.ts';
import { readCookies, type PortalCookies } from '#shared/portal/cookies.ts';
import { SESSION_COOKIE, verifySession, type SessionClaims } from '#shared/portal/session.ts';
import type { RepProfile } from '#shared/routing/eligibility.ts';
import { redirect } from '../responses.ts';

/** What the session middleware puts in the context of a signed-in rep's request. */
export interface SignedInContext {
  readonly rep: RepProfile;
  readonly session: SessionClaims;
}

export interface SessionOptions {
  readonly sessionKey: string;
  readonly reps: Pick<RepStore, 'get'>;
  readonly cookies: Pick<PortalCookies, 'cleared'>;
  readonly now: () => Date;
}

function currentSession(token: string | undefined, key: string, now: Date): SessionClaims | undefined {
  if (!token) return undefined;
  try {
    return verifySession(key, token, now);
  } catch {
    return undefined;
  }
}

/**
 * middy middleware that lets only a signed-in rep through: a genuine, unexpired session
 * cookie of a rep who still exists (reading the profile on every request is what makes a
 * removed rep lose access at once). Anyone else is sent to sign in, and a session whose rep is
 * gone loses its cookie.
 */
export function repSession(options: SessionOptions): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context & SignedInContext> {
  return {
    name: 'rep-session',
    before: async (request) => {
      const session = currentSession(readCookies(request.event.cookies)[SESSION_COOKIE], options.sessionKey, options.now());
      const rep = session ? await options.reps.get(session.repId) : undefined;
      if (!session || !rep) return redirect('/portal/sign-in', session ? [options.cookies.cleared(SESSION_COOKIE)] : []);
      logger.appendKeys({ repId: rep.id });
      Object.assign(request.context, { rep, session } satisfies SignedInContext);
    },
  };
}
