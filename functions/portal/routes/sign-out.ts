import { SESSION_COOKIE } from '#shared/portal/session.ts';
import { signOut } from '#shared/use-cases/rep-portal.ts';
import { signedIn, type PortalApp, type PortalRoute } from '../portal-app.ts';
import { redirect } from '../responses.ts';

/**
 * POST /portal/sign-out (a form, so another site cannot sign a rep out): every session of the
 * rep ends, on every device, and this one's cookie goes.
 */
export const signOutRoutes = (app: PortalApp): PortalRoute[] => [
  {
    method: 'POST',
    path: '/portal/sign-out',
    handler: signedIn(app, async (_event, { rep }) => {
      await signOut(rep, app.deps);
      return redirect('/portal/sign-in', [app.cookies.cleared(SESSION_COOKIE)]);
    }),
  },
];
