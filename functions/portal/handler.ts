import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { OneTimeTokens } from '#shared/adapters/one-time-tokens.ts';
import { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor, mailerFromEnv } from '#shared/config/composition.ts';
import { loadRoutingSettings, minutesToMs, requireEnv } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import { securityHeaders } from '#shared/http/security-headers.ts';
import { observed } from '#shared/observability.ts';
import { portalCookies } from '#shared/portal/cookies.ts';
import { portalSecurityHeaders } from '#shared/views/page-headers.ts';
import { portalErrorPages } from './middleware/error-pages.ts';
import type { PortalApp } from './portal-app.ts';
import { leadsRoutes } from './routes/leads.ts';
import { nextLeadRoutes } from './routes/next-lead.ts';
import { notFoundResponse, notFoundRoutes } from './routes/not-found.ts';
import { profileRoutes } from './routes/profile.ts';
import { signInLinkRoutes } from './routes/sign-in-link.ts';
import { signInRoutes } from './routes/sign-in.ts';
import { signOutRoutes } from './routes/sign-out.ts';
import { stylesheetRoutes } from './routes/stylesheet.ts';
import { teamRoutes } from './routes/team.ts';

const tableName = requireEnv('TABLE_NAME');
const settings = loadRoutingSettings();
const publicBaseUrl = requireEnv('PUBLIC_BASE_URL').replace(/\/+$/, '');
// Cookies are Secure everywhere but a plain-http local stack (browsers drop Secure cookies there).
const secure = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(publicBaseUrl);
const app: PortalApp = {
  deps: {
    // Handing back, pulling and assigning by hand send their follow-ups at once, after the commit.
    leads: leadStoreFor(tableName, ['email', 'timer', 'message']),
    reps: new RepStore(tableName),
    tokens: new OneTimeTokens(tableName),
    queue: new RoutingQueue(requireEnv('ROUTING_QUEUE_URL')),
    mailer: mailerFromEnv(),
    actionUrl: actionLinkBuilder(await loadSecret(requireEnv('LINK_SIGNING_SECRET')), publicBaseUrl, settings.linkTtlHours),
    config: settings.routing,
    minutes: (minutes) => minutesToMs(minutes),
    sessionKey: await loadSecret(requireEnv('SESSION_SECRET')),
    portalUrl: `${publicBaseUrl}/portal`,
    now: () => new Date(),
  },
  cookies: portalCookies(secure),
  rateLimiter: new RateLimiter(tableName),
  timeZones: Intl.supportedValuesOf('timeZone'),
};

/**
 * The rep portal: sign-in by emailed link, my leads, pull the next lead, my profile, and the
 * manager's team view, as plain server-rendered pages for a phone. A router hands each request
 * to its route (routes/); the routes of a signed-in rep check the session and every POST's CSRF
 * token in their own middlewares. Every response, error pages included, gets the security headers.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observed())
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
