import { OneTimeTokens } from '#shared/adapters/one-time-tokens.ts';
import { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor, repStoreFor } from '#shared/config/composition.ts';
import { loadEnvironment } from '#shared/config/environment.ts';
import { routingSourceFor } from '#shared/config/routing-source.ts';
import { minutesToMs } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import { portalCookies } from '#shared/portal/cookies.ts';
import type { PortalApp } from './portal-app.ts';

/** The portal's adapters, built once at cold start from its environment. */
const env = loadEnvironment('portal');
/** The stack config's routing with the franchise map the table holds now (see refreshRouting). */
export const routing = routingSourceFor(env, env.STACK_CONFIG.routing);
const publicBaseUrl = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
// Cookies are Secure everywhere but a plain-http local stack (browsers drop Secure cookies there).
const secure = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(publicBaseUrl);

export const app: PortalApp = {
  deps: {
    // Handing back, pulling and assigning by hand send their follow-ups at once, after the commit.
    leads: leadStoreFor(env, ['email', 'timer', 'message']),
    // A sign-in link's email and a saved profile's queue drain, recorded with the write and sent at once after it.
    reps: repStoreFor(env, ['email', 'message']),
    tokens: new OneTimeTokens(env.TABLE_NAME),
    actionUrl: actionLinkBuilder(await loadSecret(env.LINK_SIGNING_SECRET), publicBaseUrl, env.STACK_CONFIG.linkTtlHours),
    get config() {
      return routing.current;
    },
    minutes: (minutes) => minutesToMs(minutes, env.TIME_SCALE),
    sessionKey: await loadSecret(env.SESSION_SECRET),
    portalUrl: `${publicBaseUrl}/portal`,
    now: () => new Date(),
  },
  cookies: portalCookies(secure),
  rateLimiter: new RateLimiter(env.TABLE_NAME),
  timeZones: Intl.supportedValuesOf('timeZone'),
};
