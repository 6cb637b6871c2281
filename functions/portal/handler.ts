import middy from '@middy/core';
import { refreshRouting } from '#shared/config/routing-source.ts';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { securityHeaders } from '#shared/http/security-headers.ts';
import { observed } from '#shared/observability.ts';
import { portalSecurityHeaders } from '#shared/views/page-headers.ts';
import { app, routing } from './composition.ts';
import { portalErrorPages } from './middleware/error-pages.ts';
import { leadsRoutes } from './routes/leads.ts';
import { nextLeadRoutes } from './routes/next-lead.ts';
import { notFoundResponse, notFoundRoutes } from './routes/not-found.ts';
import { profileRoutes } from './routes/profile.ts';
import { signInLinkRoutes } from './routes/sign-in-link.ts';
import { signInRoutes } from './routes/sign-in.ts';
import { signOutRoutes } from './routes/sign-out.ts';
import { stylesheetRoutes } from './routes/stylesheet.ts';
import { teamRoutes } from './routes/team.ts';


/**
 * The rep portal: sign-in by emailed link, my leads, pull the next lead, my profile, and the
 * manager's team view, as plain server-rendered pages for a phone. A router hands each request
 * to its route (routes/); the routes of a signed-in rep check the session and every POST's CSRF
 * token in their own middlewares. Every response, error pages included, gets the security headers.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .use(refreshRouting(routing))
  .use(securityHeaders(portalSecurityHeaders))
  .use(portalErrorPages())
  .handler(
    httpRouterHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({
      routes: [
        ...stylesheetRoutes(),
        ...signInRoutes(app),
        ...signInLinkRoutes(app),
        ...signOutRoutes(app),
        ...leadsRoutes(app),
        ...nextLeadRoutes(app),
        ...profileRoutes(app),
        ...teamRoutes(app),
        // Last: it takes whatever the routes above did not.
        ...notFoundRoutes(app),
      ],
      notFoundResponse,
    }),
  );
