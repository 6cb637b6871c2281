import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ErrorBody } from '../http/errors.ts';
import { html } from './html.ts';
import { page } from './action-pages.ts';

/**
 * Pages for people whose browser posted a form straight to the webhook (no script on the
 * landing page): a thank-you when the source has no thank-you URL of its own, and an error page
 * that says what to fix, in words, with a way back.
 */

export function thankYouPage(): APIGatewayProxyStructuredResultV2 {
  return page(200, 'Thank you', html`<h1>Thank you</h1><p>We have your request and will be in touch shortly.</p>`);
}

const titles: Record<number, string> = {
  403: 'This form cannot be sent from this page',
  404: 'This form is not set up',
  413: 'Your message is too long',
  422: 'Please check your details',
  429: 'Too many attempts',
};

export function intakeErrorPage(status: number, body: ErrorBody, backUrl?: string): APIGatewayProxyStructuredResultV2 {
  const title = titles[status] ?? (status >= 500 ? 'Something went wrong' : 'Your request could not be sent');
  const problems = body.errors?.length
    ? html`<ul>${body.errors.map((problem) => html`<li><strong>${problem.field}</strong>: ${problem.message}</li>`)}</ul>`
    : html`<p>${status >= 500 ? 'Please try again in a moment.' : body.message}</p>`;
  const back = backUrl ? html`<p><a class="button" href="${backUrl}">Back to the form</a></p>` : html`<p>Please go back to the form and try again.</p>`;
  return page(status, title, html`<h1>${title}</h1>${problems}${back}`);
}
