import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { readForm } from '#shared/http/request.ts';
import { readCookies, type PortalCookies } from '#shared/portal/cookies.ts';
import { checkCsrf, PRE_SESSION_COOKIE, preSession, sessionCsrf } from '#shared/portal/session.ts';
import { withCookies } from '../responses.ts';
import type { SignedInContext } from './session.ts';

/** What the CSRF middlewares put in the context: the posted form, and the token for the page's own forms. */
export interface FormContext {
  /** The POST's form, its token checked; empty on a GET. */
  readonly form: URLSearchParams;
  /** The CSRF token every form of the page carries. */
  readonly csrf: string;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyResultV2;

const postedForm = (event: Event): URLSearchParams | undefined => (event.requestContext.http.method === 'POST' ? readForm(event) : undefined);

/**
 * middy middleware for a signed-in rep's requests (after `repSession`): a POST must carry the
 * token derived from the session id, or it is refused with 403 before the route runs. Another
 * site cannot read the token, and a token is useless without its session's cookie.
 */
export function csrfForSession(sessionKey: string): MiddlewareObj<Event, Result, Error, Context & SignedInContext & FormContext> {
  return {
    name: 'csrf-session',
    before: (request) => {
      const { session } = request.context;
      const form = postedForm(request.event);
      if (form) checkCsrf(sessionKey, form.get('csrf'), session);
      Object.assign(request.context, { form: form ?? new URLSearchParams(), csrf: sessionCsrf(sessionKey, session) } satisfies FormContext);
    },
  };
}

interface PreSessionInternal extends Record<string, unknown> {
  preSessionNonce?: string;
}

/**
 * middy middleware for the forms shown before sign-in (double-submit): a POST must carry the
 * token bound to the nonce of its pre-session cookie. A page that shows a form reads
 * `context.csrf`, which mints a fresh nonce; its cookie then comes with the response, and only
 * with those responses (not with a redirect or the check-your-email page).
 */
export function csrfForPreSession(
  sessionKey: string,
  cookies: Pick<PortalCookies, 'preSession'>,
): MiddlewareObj<Event, Result, Error, Context & FormContext, PreSessionInternal> {
  return {
    name: 'csrf-pre-session',
    before: (request) => {
      const form = postedForm(request.event);
      if (form) {
        const nonce = readCookies(request.event.cookies)[PRE_SESSION_COOKIE];
        checkCsrf(sessionKey, form.get('csrf'), nonce ? { nonce } : undefined);
      }
      let csrf: string | undefined;
      Object.defineProperties(request.context, {
        form: { value: form ?? new URLSearchParams(), configurable: true },
        csrf: {
          configurable: true,
          get: () => {
            if (csrf === undefined) {
              const fresh = preSession(sessionKey);
              request.internal.preSessionNonce = fresh.nonce;
              csrf = fresh.csrf;
            }
            return csrf;
          },
        },
      });
    },
    after: (request) => {
      const nonce = request.internal.preSessionNonce;
      if (nonce === undefined || typeof request.response !== 'object' || request.response === null) return;
      request.response = withCookies(request.response as APIGatewayProxyStructuredResultV2, [cookies.preSession(nonce)]);
    },
  };
}
