import { logger } from '#shared/observability.ts';
import { PRE_SESSION_COOKIE, verifyMagicLink } from '#shared/portal/session.ts';
import { signIn } from '#shared/use-cases/rep-portal.ts';
import { magicLinkPage } from '#shared/views/portal/sign-in.ts';
import { beforeSignIn, pathParameter, type PortalApp, type PortalRoute } from '../portal-app.ts';
import { redirect } from '../responses.ts';

const path = '/portal/auth/{token}';

/**
 * The emailed sign-in link. Opening it (GET) only checks it and asks, since mail scanners open
 * links too; the button's POST spends it and starts the session.
 */
export const signInLinkRoutes = (app: PortalApp): PortalRoute[] => [
  {
    method: 'GET',
    path,
    handler: beforeSignIn(app, async (event, { csrf }) => {
      verifyMagicLink(app.deps.sessionKey, pathParameter(event, 'token'), app.deps.now());
      return magicLinkPage({ csrf });
    }),
  },
  {
    method: 'POST',
    path,
    handler: beforeSignIn(app, async (event) => {
      const session = await signIn(pathParameter(event, 'token'), app.deps);
      logger.info('signed in', { repId: session.claims.repId });
      return redirect('/portal/leads', [app.cookies.session(session.token), app.cookies.cleared(PRE_SESSION_COOKIE)]);
    }),
  },
];
