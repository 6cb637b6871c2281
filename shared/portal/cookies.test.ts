import { describe, expect, it } from 'vitest';
import { portalCookies, readCookies } from './cookies.ts';

describe('readCookies', () => {
  it('given cookies as API Gateway v2 passes them, when read, then each name has its value, and of two with one name the first', () => {
    expect(readCookies(['lr_session=abc.DEF-_1', 'theme=dark; lr_pre=nonce', 'lr_session=older'])).toEqual({
      lr_session: 'abc.DEF-_1',
      theme: 'dark',
      lr_pre: 'nonce',
    });
  });

  it('given no cookies at all, when read, then there are none', () => {
    expect(readCookies(undefined)).toEqual({});
    expect(readCookies([])).toEqual({});
  });
});

describe('portalCookies', () => {
  const secure = portalCookies(true);

  it('given a session token, when set, then the cookie is HttpOnly, SameSite=Lax, Secure, scoped to /portal and lasts the session', () => {
    const cookie = secure.session('abc.DEF-_1');

    expect(cookie.split('; ').sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/portal', 'SameSite=Lax', 'Secure', 'lr_session=abc.DEF-_1']);
    expect(readCookies([cookie.split(';')[0]!])).toEqual({ lr_session: 'abc.DEF-_1' });
  });

  it('given a pre-session nonce, when set, then it lasts twice the sign-in link', () => {
    expect(secure.preSession('n0nce')).toMatch(/^lr_pre=n0nce; Max-Age=1800; /);
  });

  it('given a cookie to clear, when set, then it is empty and expires at once', () => {
    expect(secure.cleared('lr_session')).toMatch(/^lr_session=; Max-Age=0; Path=\/portal; HttpOnly/);
  });

  it('given a plain-http local stack, when set, then the cookie is not Secure (browsers would drop it)', () => {
    expect(portalCookies(false).session('t')).not.toContain('Secure');
  });
});
