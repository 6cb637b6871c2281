import { DomainError, Forbidden, RepDisabled } from '#shared/domain/errors.ts';
import { httpErrors } from '#shared/http/errors.ts';
import { portalErrorPage, SWITCHED_OFF_TEXT } from '#shared/views/portal/error.ts';

/** What a rep reads on an error page: plain words, never internals. */
function friendly(status: number, error: unknown): string {
  if (status >= 500) return 'Something went wrong. Please try again in a moment.';
  if (error instanceof RepDisabled) return SWITCHED_OFF_TEXT;
  if (error instanceof Forbidden) return error.message;
  if (status === 403) return 'This link or form is not valid any more. Please sign in again.';
  if (status === 410) return 'This sign-in link has expired or was already used. Ask for a new one.';
  if (status === 404) return 'There is nothing here (any more).';
  return error instanceof DomainError ? error.message : 'This request could not be handled.';
}

/** middy's error handling for the portal: a domain error's status, shown as a page in the portal's frame. */
export const portalErrorPages = () => httpErrors((status, error) => portalErrorPage(status, friendly(status, error)));
