import middy from '@middy/core';
import type { Route } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { MalformedRequest } from '#shared/domain/errors.ts';
import type { PortalCookies } from '#shared/portal/cookies.ts';
import type { RepPortalDeps } from '#shared/use-cases/rep-portal.ts';
import type { Notice } from '#shared/views/portal/frame.ts';
import { csrfForPreSession, csrfForSession, type FormContext } from './middleware/csrf.ts';
import { repSession, type SignedInContext } from './middleware/session.ts';

/** What the portal's routes are built from, once per cold start (see handler.ts). */
export interface PortalApp {
  readonly deps: RepPortalDeps;
  readonly cookies: PortalCookies;
  readonly rateLimiter: Pick<RateLimiter, 'take'>;
  readonly timeZones: readonly string[];
}

export type PortalEvent = APIGatewayProxyEventV2;
export type PortalResult = APIGatewayProxyStructuredResultV2;
export type PortalRoute = Route<PortalEvent, APIGatewayProxyResultV2>;

type Page<C> = (event: PortalEvent, context: Context & C) => Promise<PortalResult>;
/**
 * What the router calls with the Lambda context. Typed as middy types it, a route's handler
 * would ask its caller for the properties that its own middlewares add to the context.
 */
type PortalHandler = (event: PortalEvent, context: Context) => Promise<APIGatewayProxyResultV2>;

// The outer handler watches the time left; a route's own middy does not race it.
const routeOptions = { timeoutEarlyInMillis: 0 };

/**
 * A route of a signed-in rep: the session middleware lets only them in (others are sent to
 * sign in), and the CSRF middleware refuses a POST without their session's form token.
 */
export function signedIn(app: PortalApp, page: Page<SignedInContext & FormContext>): PortalHandler {
  const { deps, cookies } = app;
  const route = middy<PortalEvent, APIGatewayProxyResultV2>(routeOptions)
    .use(repSession({ sessionKey: deps.sessionKey, reps: deps.reps, cookies, now: deps.now }))
    .use(csrfForSession(deps.sessionKey))
    .handler<PortalEvent, APIGatewayProxyResultV2>(page);
  return (event, context) => route(event, context as Context & SignedInContext & FormContext);
}

/** A route before sign-in: its forms are bound to a short-lived pre-session cookie instead. */
export function beforeSignIn(app: PortalApp, page: Page<FormContext>): PortalHandler {
  const route = middy<PortalEvent, APIGatewayProxyResultV2>(routeOptions)
    .use(csrfForPreSession(app.deps.sessionKey, app.cookies))
    .handler<PortalEvent, APIGatewayProxyResultV2>(page);
  return (event, context) => route(event, context as Context & FormContext);
}

/** A `{name}` segment of the route's path, decoded. */
export function pathParameter(event: PortalEvent, name: string): string {
  const raw = event.pathParameters?.[name] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    throw new MalformedRequest(`The ${name} in the address is not valid`, { cause: error });
  }
}

const done: Record<string, string> = {
  accept: 'Lead accepted. Please get in touch now.',
  contacted: 'Marked as contacted.',
  won: 'Closed as won.',
  lost: 'Closed as lost.',
  release: 'Handed back: it goes to a colleague.',
  details: 'The lead now has the details sent again.',
  assigned: 'Lead assigned. The rep gets it by email now.',
  profile: 'Profile saved.',
};

/** The notice a redirect after a POST asks for (`?ok=accept`), as its page shows it. */
export function noticeFrom(event: PortalEvent): { notice?: Notice } {
  const key = event.queryStringParameters?.ok;
  return key && done[key] ? { notice: { kind: 'ok', text: done[key] } } : {};
}
