import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { OneTimeTokens } from '#shared/adapters/one-time-tokens.ts';
import { RateLimiter } from '#shared/adapters/rate-limiter.ts';
import { RepStore } from '#shared/adapters/rep-store.ts';
import { RoutingQueue } from '#shared/adapters/routing-queue.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { leadStoreFor, mailerFromEnv } from '#shared/config/composition.ts';
import { loadRoutingSettings, minutesToMs, requireEnv } from '#shared/config/runtime.ts';
import { actionLinkBuilder } from '#shared/domain/link-token.ts';
import { DomainError, Forbidden, LeadStateConflict, MalformedRequest, RepUnavailable } from '#shared/domain/errors.ts';
import type { Lead } from '#shared/domain/lead.ts';
import { isHeld } from '#shared/domain/lifecycle.ts';
import { httpErrors } from '#shared/http/errors.ts';
import { readForm } from '#shared/http/request.ts';
import { recordAnswered, recordPulled } from '#shared/metrics/lead-funnel.ts';
import { logger, observed } from '#shared/observability.ts';
import { parseProfileForm } from '#shared/portal/profile-form.ts';
import {
  checkCsrf,
  cookie,
  MAGIC_LINK_MINUTES,
  PRE_SESSION_COOKIE,
  preSession,
  readCookies,
  SESSION_COOKIE,
  SESSION_HOURS,
  sessionCsrf,
  verifyMagicLink,
  verifySession,
  type SessionClaims,
} from '#shared/portal/session.ts';
import type { RepProfile } from '#shared/routing/eligibility.ts';
import {
  actOnMyLead,
  assignByHand,
  MyLeadActions,
  pullNextLead,
  requestSignIn,
  signIn,
  teamOverview,
  updateMyProfile,
  type MyLeadAction,
  type RepPortalDeps,
} from '#shared/use-cases/rep-portal.ts';
import {
  checkEmailPage,
  magicLinkPage,
  myLeadsPage,
  nextLeadPage,
  portalErrorPage,
  profilePage,
  signInPage,
  teamPage,
  type Notice,
} from '#shared/views/portal-pages.ts';

const tableName = requireEnv('TABLE_NAME');
const settings = loadRoutingSettings();
const sessionKey = await loadSecret(requireEnv('SESSION_SECRET'));
const publicBaseUrl = requireEnv('PUBLIC_BASE_URL').replace(/\/+$/, '');
// Cookies are Secure everywhere but a plain-http local stack (browsers drop Secure cookies there).
const secure = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(publicBaseUrl);
const deps: RepPortalDeps = {
  // Handing back, pulling and assigning by hand send their follow-ups at once, after the commit.
  leads: leadStoreFor(tableName, ['email', 'timer', 'message']),
  reps: new RepStore(tableName),
  tokens: new OneTimeTokens(tableName),
  queue: new RoutingQueue(requireEnv('ROUTING_QUEUE_URL')),
  mailer: mailerFromEnv(),
  actionUrl: actionLinkBuilder(await loadSecret(requireEnv('LINK_SIGNING_SECRET')), publicBaseUrl, settings.linkTtlHours),
  config: settings.routing,
  minutes: (minutes) => minutesToMs(minutes),
  sessionKey,
  portalUrl: `${publicBaseUrl}/portal`,
  now: () => new Date(),
};
const timeZones = Intl.supportedValuesOf('timeZone');
const rateLimiter = new RateLimiter(tableName);
/** Sign-in requests per client address per minute: enough for a team behind one office address, too few to mail-bomb reps. */
const SIGN_IN_REQUESTS_PER_MINUTE = 20;

const sessionCookie = (token: string) => cookie(SESSION_COOKIE, token, { secure, maxAgeSeconds: SESSION_HOURS * 3600 });
const preCookie = (nonce: string) => cookie(PRE_SESSION_COOKIE, nonce, { secure, maxAgeSeconds: MAGIC_LINK_MINUTES * 60 * 2 });
const cleared = (name: string) => cookie(name, '', { secure, maxAgeSeconds: 0 });

function redirect(location: string, cookies: string[] = []): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 303, headers: { location, 'cache-control': 'no-store' }, cookies };
}

function withStatus(result: APIGatewayProxyResultV2, statusCode: number): APIGatewayProxyResultV2 {
  return typeof result === 'string' ? { statusCode, body: result } : { ...result, statusCode };
}

function withCookies(result: APIGatewayProxyResultV2, cookies: string[]): APIGatewayProxyResultV2 {
  return typeof result === 'string' ? result : { ...result, cookies: [...(result.cookies ?? []), ...cookies] };
}

/** Pages shown before sign-in carry a CSRF token bound to a fresh pre-session cookie. */
function withPreSession(render: (csrf: string) => APIGatewayProxyResultV2): APIGatewayProxyResultV2 {
  const { nonce, csrf } = preSession(sessionKey);
  return withCookies(render(csrf), [preCookie(nonce)]);
}

function currentSession(jar: Map<string, string>, now: Date): SessionClaims | undefined {
  const token = jar.get(SESSION_COOKIE);
  if (!token) return undefined;
  try {
    return verifySession(sessionKey, token, now);
  } catch {
    return undefined;
  }
}

const done: Record<string, string> = {
  accept: 'Lead accepted. Please get in touch now.',
  contacted: 'Marked as contacted.',
  won: 'Closed as won.',
  lost: 'Closed as lost.',
  release: 'Handed back: it goes to a colleague.',
  assigned: 'Lead assigned. The rep gets it by email now.',
  profile: 'Profile saved.',
};

const noticeFrom = (event: APIGatewayProxyEventV2): Notice | undefined => {
  const key = event.queryStringParameters?.ok;
  return key && done[key] ? { kind: 'ok', text: done[key] } : undefined;
};


/** The rep's open leads, re-read consistently: the owner index may lag a just-closed lead by a moment. */
async function myOpenLeads(rep: RepProfile): Promise<Lead[]> {
  const indexed = await deps.leads.ownerLeads(rep.id);
  const fresh = await Promise.all(indexed.map((lead) => deps.leads.get(lead.id)));
  return fresh.filter((lead): lead is Lead => lead !== undefined && lead.ownerId === rep.id && isHeld(lead.status));
}

async function teamView(rep: RepProfile, csrf: string, now: Date, notice?: Notice) {
  const overview = await teamOverview(rep, deps);
  return teamPage({ rep, csrf, teamName: overview.team.name, members: overview.members, queue: overview.queue, overdue: overview.overdue, now, ...(notice ? { notice } : {}) });
}

/** Sign-in, the magic link, and sign-out need no session; every other page does. */
async function publicRoute(event: APIGatewayProxyEventV2, page: string | undefined, id: string | undefined, jar: Map<string, string>, now: Date) {
  const method = event.requestContext.http.method;
  if (page === 'sign-in') {
    if (method !== 'POST') return withPreSession((csrf) => signInPage({ csrf }));
    const form = readForm(event);
    checkCsrf(sessionKey, form.get('csrf'), preBinding(jar));
    const email = form.get('email')?.trim() ?? '';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
      return withPreSession((csrf) => withStatus(signInPage({ csrf, error: 'Enter the email address you get leads at.' }), 400));
    }
    const slot = await rateLimiter.take('portal-sign-in', event.requestContext.http.sourceIp, SIGN_IN_REQUESTS_PER_MINUTE, now);
    if (!slot.allowed) {
      const page = withPreSession((csrf) => withStatus(signInPage({ csrf, error: 'Too many sign-in requests from this network. Wait a minute, then try again.' }), 429));
      return typeof page === 'string' ? page : { ...page, headers: { ...page.headers, 'retry-after': String(slot.retryAfterSeconds) } };
    }
    await requestSignIn(email, deps);
    return checkEmailPage();
  }
  if (page === 'auth' && id) {
    if (method !== 'POST') {
      // Only checks the link; spending it is the button's job (mail scanners open links too).
      verifyMagicLink(sessionKey, id, now);
      return withPreSession((csrf) => magicLinkPage({ csrf }));
    }
    checkCsrf(sessionKey, readForm(event).get('csrf'), preBinding(jar));
    const session = await signIn(id, deps);
    logger.info('signed in', { repId: session.claims.repId });
    return redirect('/portal/leads', [sessionCookie(session.token), cleared(PRE_SESSION_COOKIE)]);
  }
  return undefined;
}

const preBinding = (jar: Map<string, string>) => {
  const nonce = jar.get(PRE_SESSION_COOKIE);
  return nonce ? { nonce } : undefined;
};

async function portal(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const now = new Date();
  const method = event.requestContext.http.method;
  const [, page, id, action] = event.rawPath.split('/').filter(Boolean).map(decodeURIComponent);
  const jar = readCookies(event.cookies);

  const open = await publicRoute(event, page, id, jar, now);
  if (open) return open;

  const session = currentSession(jar, now);
  const rep = session ? await deps.reps.get(session.repId) : undefined;
  if (!session || !rep) return redirect('/portal/sign-in', session ? [cleared(SESSION_COOKIE)] : []);
  logger.appendKeys({ repId: rep.id });
  const csrf = sessionCsrf(sessionKey, session);
  const form = method === 'POST' ? readForm(event) : undefined;
  if (form) checkCsrf(sessionKey, form.get('csrf'), session);

  switch (page) {
    case undefined:
      return redirect('/portal/leads');
    case 'sign-out':
      if (!form) break;
      return redirect('/portal/sign-in', [cleared(SESSION_COOKIE)]);
    case 'leads': {
      if (!form) return myLeadsPage({ rep, csrf, leads: await myOpenLeads(rep), now, ...withNotice(noticeFrom(event)) });
      if (!id || !MyLeadActions.includes(action as MyLeadAction)) break;
      logger.appendKeys({ leadId: id });
      try {
        const lead = await actOnMyLead(rep, id, action as MyLeadAction, deps);
        recordAnswered(action as MyLeadAction, lead);
      } catch (error) {
        if (!(error instanceof LeadStateConflict)) throw error;
        return withStatus(myLeadsPage({ rep, csrf, leads: await myOpenLeads(rep), now, notice: { kind: 'error', text: `That did not work: ${error.message}.` } }), 409);
      }
      return redirect(`/portal/leads?ok=${action}`);
    }
    case 'next': {
      if (!form) return nextLeadPage({ rep, csrf, queued: (await deps.leads.teamQueueLeads(rep.teamId)).length });
      const outcome = await pullNextLead(rep, deps);
      if (outcome.kind === 'claimed') logger.appendKeys({ leadId: outcome.lead.id });
      logger.info('lead pulled', { outcome: outcome.kind });
      recordPulled(outcome);
      const queued = (await deps.leads.teamQueueLeads(rep.teamId)).length;
      return nextLeadPage({ rep: outcome.kind === 'claimed' ? ((await deps.reps.get(rep.id)) ?? rep) : rep, csrf, queued, result: outcome });
    }
    case 'profile': {
      if (!form) return profilePage({ rep, csrf, timeZones, ...(event.queryStringParameters?.ok === 'profile' ? { saved: true } : {}) });
      const parsed = parseProfileForm(form);
      if (!parsed.ok) return profilePage({ rep, csrf, timeZones, values: parsed.values, errors: parsed.errors });
      await updateMyProfile(rep, parsed.update, deps);
      return redirect('/portal/profile?ok=profile');
    }
    case 'team': {
      if (!form) return teamView(rep, csrf, now, noticeFrom(event));
      if (id !== 'leads' || !action || !event.rawPath.endsWith('/assign')) break;
      const repId = form.get('repId');
      if (!repId) throw new MalformedRequest('Choose a rep to assign the lead to');
      logger.appendKeys({ leadId: action });
      try {
        // One transaction: the new owner's offer email and timer are recorded with it.
        await assignByHand(rep, action, repId, deps);
      } catch (error) {
        if (!(error instanceof LeadStateConflict || error instanceof RepUnavailable)) throw error;
        const text = error instanceof RepUnavailable ? 'That rep cannot take another lead now (at capacity, capped or unavailable).' : `That did not work: ${error.message}.`;
        return withStatus(await teamView(rep, csrf, now, { kind: 'error', text }), 409);
      }
      return redirect('/portal/team?ok=assigned');
    }
  }
  return portalErrorPage(404, 'There is no such page.');
}

const withNotice = (notice: Notice | undefined) => (notice ? { notice } : {});

/** What a rep reads on an error page: plain words, never internals. */
function friendly(status: number, error: unknown): string {
  if (status >= 500) return 'Something went wrong. Please try again in a moment.';
  if (error instanceof Forbidden) return error.message;
  if (status === 403) return 'This link or form is not valid any more. Please sign in again.';
  if (status === 410) return 'This sign-in link has expired or was already used. Ask for a new one.';
  if (status === 404) return 'There is nothing here (any more).';
  return error instanceof DomainError ? error.message : 'This request could not be handled.';
}

/**
 * The rep portal: sign-in by emailed link, my leads, pull the next lead, my profile, and the
 * manager's team view, as plain server-rendered pages for a phone. Every POST carries a CSRF
 * token bound to the session (or, before sign-in, to a short-lived cookie).
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .use(httpErrors((status, error) => portalErrorPage(status, friendly(status, error))))
  .handler(portal);
