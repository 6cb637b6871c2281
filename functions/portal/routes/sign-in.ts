import { emailAddress, MAX_EMAIL_LENGTH } from '#shared/domain/normalize.ts';
import { requestSignIn } from '#shared/use-cases/rep-portal.ts';
import { checkEmailPage, signInPage } from '#shared/views/portal/sign-in.ts';
import { beforeSignIn, type PortalApp, type PortalRoute } from '../portal-app.ts';
import { withStatus } from '../responses.ts';

/** Sign-in requests per client address per minute: enough for a team behind one office address, too few to mail-bomb reps. */
const SIGN_IN_REQUESTS_PER_MINUTE = 20;

const askAgain = 'Enter the email address you get leads at.';

/**
 * GET /portal/sign-in asks for the work email; POST sends a sign-in link to it if it is a rep's,
 * and answers with the same page either way, so the form tells nobody who is a rep.
 */
export const signInRoutes = (app: PortalApp): PortalRoute[] => [
  { method: 'GET', path: '/portal/sign-in', handler: beforeSignIn(app, async (_event, { csrf }) => signInPage({ csrf })) },
  {
    method: 'POST',
    path: '/portal/sign-in',
    handler: beforeSignIn(app, async (event, context) => {
      const typed = context.form.get('email')?.trim() ?? '';
      // Length and rate first: only a bounded, rate-limited text reaches the format check.
      if (typed.length > MAX_EMAIL_LENGTH) return signInPage({ csrf: context.csrf, error: askAgain });
      const slot = await app.rateLimiter.take('portal-sign-in', event.requestContext.http.sourceIp, SIGN_IN_REQUESTS_PER_MINUTE, app.deps.now());
      if (!slot.allowed) {
        const page = withStatus(signInPage({ csrf: context.csrf, error: 'Too many sign-in requests from this network. Wait a minute, then try again.' }), 429);
        return { ...page, headers: { ...page.headers, 'retry-after': String(slot.retryAfterSeconds) } };
      }
      const email = emailAddress(typed);
      if (email === undefined) return signInPage({ csrf: context.csrf, error: askAgain });
      await requestSignIn(email, app.deps);
      return checkEmailPage();
    }),
  },
];
