import { describe, expect, it } from 'vitest';
import { checkEmailPage, magicLinkPage, signInPage } from './sign-in.ts';
import { bodyOf, CSRF, forms, structured } from './test-fixtures.ts';

describe('signing in', () => {
  it('given the sign-in page, when rendered, then it asks for an email and posts to /portal/sign-in without navigation', () => {
    const body = bodyOf(signInPage({ csrf: CSRF }));
    expect(body).toContain('<form method="post" action="/portal/sign-in">');
    expect(body).toMatch(/<input type="email" id="email" name="email" autocomplete="email"/);
    expect(body).not.toContain('<nav');
  });

  it('given a sign-in error, when rendered, then the email field is marked invalid and described by the message', () => {
    const result = structured(signInPage({ csrf: CSRF, error: 'Enter an email address' }));
    expect(result.statusCode).toBe(400);
    expect(result.body).toContain('aria-invalid="true" aria-describedby="email-error"');
    expect(result.body).toContain('<p class="field-error" id="email-error">Enter an email address</p>');
  });

  it('given any sign-in request, when the confirmation is rendered, then it is the same page whether or not the address is known', () => {
    const body = bodyOf(checkEmailPage());
    expect(body).toContain('If that address belongs to a rep, a sign-in link is on its way');
    expect(bodyOf(checkEmailPage())).toBe(body);
  });

  it('given a magic link opened, when rendered, then one button posts back to the same URL (no action) and nothing else happens', () => {
    const body = bodyOf(magicLinkPage({ csrf: CSRF }));
    expect(body).toContain('<h1>Sign in to the lead portal</h1>');
    expect(forms(body)).toHaveLength(1);
    expect(body).toContain(`<form method="post"><input type="hidden" name="csrf" value="${CSRF}"><button type="submit" class="big">Sign in</button></form>`);
    expect(body).not.toMatch(/<meta http-equiv="refresh"/i);
  });
});
