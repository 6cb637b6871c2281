import { portalErrorPage } from '#shared/views/portal/error.ts';
import { signedIn, type PortalApp, type PortalRoute } from '../portal-app.ts';

const noSuchPage = () => portalErrorPage(404, 'There is no such page.');

/**
 * Any other address under /portal: a 404 page, but only for a signed-in rep (anyone else is
 * sent to sign in, and a POST still needs its form token), so the portal's addresses are not
 * probed from outside. Registered last: the router tries its dynamic routes in order.
 */
export const notFoundRoutes = (app: PortalApp): PortalRoute[] =>
  (['GET', 'POST'] as const).map((method) => ({ method, path: '/portal/{proxy+}', handler: signedIn(app, async () => noSuchPage()) }));

/** What the router answers for a path outside /portal, which the API never sends here. */
export const notFoundResponse = noSuchPage;
