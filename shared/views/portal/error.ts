import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { html } from '../html.ts';
import { PORTAL_BASE, portalPage } from './frame.ts';

const errorTitles: Record<number, string> = {
  400: 'That did not work',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'That changed meanwhile',
  410: 'This link has expired',
  429: 'Too many tries',
};

/** An error in the portal's frame, without navigation (the session may be the problem). */
export function portalErrorPage(status: number, message: string): APIGatewayProxyStructuredResultV2 {
  const title = errorTitles[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work');
  return portalPage(
    status,
    title,
    html`<h1>${title}</h1><p>${message}</p><p><a href="${PORTAL_BASE}/leads">Go to My leads</a></p>`,
  );
}

/** What a rep an admin switched off reads on every portal page (403): not a fault, and what to do. */
export const SWITCHED_OFF_TEXT = 'Your account is switched off by an admin, so the portal and the links in lead emails do not work for you. Ask your manager if this is a mistake.';
