import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { html } from '../html.ts';
import { csrfField, PORTAL_BASE, portalPage } from './frame.ts';

/** The pages of signing in: ask for a link, check your email, confirm the link. */

export function signInPage(input: { csrf: string; error?: string }): APIGatewayProxyStructuredResultV2 {
  const { csrf, error } = input;
  const invalid = error !== undefined && error !== '';
  return portalPage(
    invalid ? 400 : 200,
    'Sign in',
    html`<h1>Sign in</h1>
<p>Enter your work email address. We will email you a link that signs you in.</p>
<form method="post" action="${PORTAL_BASE}/sign-in">${csrfField(csrf)}
<label for="email">Work email</label>
${invalid ? html`<p class="field-error" id="email-error">${error}</p>` : html``}
<input type="email" id="email" name="email" autocomplete="email" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254"${
      invalid ? html` aria-invalid="true" aria-describedby="email-error"` : html``
    }>
<button type="submit" class="big">Email me a sign-in link</button>
</form>`,
  );
}

/** Shown after any sign-in request, known address or not, so the page tells nobody who is a rep. */
export function checkEmailPage(): APIGatewayProxyStructuredResultV2 {
  return portalPage(
    200,
    'Check your email',
    html`<h1>Check your email</h1>
<p>If that address belongs to a rep, a sign-in link is on its way. Open it on this device; it works once and expires soon.</p>
<p><a href="${PORTAL_BASE}/sign-in">Send another link</a></p>`,
  );
}

/**
 * What opening a sign-in link shows. Mail scanners open links, so opening it does nothing:
 * the button posts back to the same URL (no action attribute), and only that signs in.
 */
export function magicLinkPage(input: { csrf: string }): APIGatewayProxyStructuredResultV2 {
  return portalPage(
    200,
    'Sign in to the lead portal',
    html`<h1>Sign in to the lead portal</h1>
<p>Press the button to finish signing in on this device.</p>
<form method="post">${csrfField(input.csrf)}<button type="submit" class="big">Sign in</button></form>`,
  );
}
