import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { RepStore } from '#shared/adapters/rep-store.ts';
import { logger } from '#shared/observability.ts';
import { readCookies, type PortalCookies } from '#shared/portal/cookies.ts';
import { isCurrentFor, SESSION_COOKIE, verifySession, type SessionClaims } from '#shared/portal/session.ts';
import type { RepProfile } from '#shared/routing/eligibility.ts';
import { portalErrorPage, SWITCHED_OFF_TEXT } from '#shared/views/portal/error.ts';
import { redirect, withCookies } from '../responses.ts';

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
 * cookie of a rep who still exists, is not switched off by an admin, and has not ended their
 * sessions since it was issued (reading the profile on every request is what makes a removed,
 * switched-off or signed-out session lose access at once). A switched-off rep is told so (403);
 * anyone else is sent to sign in. Either way a session that no longer works loses its cookie.
 */
export function repSession(options: SessionOptions): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context & SignedInContext> {
  return {
    name: 'rep-session',
    before: async (request) => {
      const session = currentSession(readCookies(request.event.cookies)[SESSION_COOKIE], options.sessionKey, options.now());
      const rep = session ? await options.reps.get(session.repId) : undefined;
      if (!session) return redirect('/portal/sign-in');
      const clear = [options.cookies.cleared(SESSION_COOKIE)];
      if (rep?.disabled === true) return withCookies(portalErrorPage(403, SWITCHED_OFF_TEXT), clear);
      if (!rep || !isCurrentFor(session, rep)) return redirect('/portal/sign-in', clear);
      logger.appendKeys({ repId: rep.id });
      Object.assign(request.context, { rep, session } satisfies SignedInContext);
    },
  };
}
