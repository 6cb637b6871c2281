import { SESSION_COOKIE } from '#shared/portal/session.ts';
import { signedIn, type PortalApp, type PortalRoute } from '../portal-app.ts';
import { redirect } from '../responses.ts';

/** POST /portal/sign-out (a form, so another site cannot sign a rep out): the session cookie goes. */
export const signOutRoutes = (app: PortalApp): PortalRoute[] => [
  { method: 'POST', path: '/portal/sign-out', handler: signedIn(app, async () => redirect('/portal/sign-in', [app.cookies.cleared(SESSION_COOKIE)])) },
];
