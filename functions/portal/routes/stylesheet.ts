import { portalCss, STYLESHEET_PATH } from '#shared/views/portal/stylesheet.ts';
import type { PortalRoute } from '../portal-app.ts';

/**
 * GET /portal/styles.css: the one stylesheet of every page, open to anyone. Pages link it with
 * its content hash, so browsers may keep it for a year.
 */
export const stylesheetRoutes = (): PortalRoute[] => [
  {
    method: 'GET',
    path: STYLESHEET_PATH,
    handler: async () => ({
      statusCode: 200,
      headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' },
      body: portalCss,
    }),
  },
];
