import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LeadStatus } from '../../domain/lead.ts';
import type { FieldError } from '../../portal/profile-form.ts';
import { portalErrorPage } from './error.ts';
import { myLeadsPage } from './my-leads.ts';
import { nextLeadPage } from './next-lead.ts';
import { profilePage } from './profile.ts';
import { checkEmailPage, magicLinkPage, signInPage } from './sign-in.ts';
import { stylesheetHref } from './stylesheet.ts';
import { teamPage } from './team.ts';
import {
  accepted,
  ana,
  attr,
  bodyOf,
  boss,
  closed,
  contacted,
  CSRF,
  forms,
  hostile,
  makeLead,
  managerUser,
  NOW,
  offered,
  queued,
  repUser,
  structured,
  tags,
} from './test-fixtures.ts';

/** Every page the portal renders, in the states that show the most. */
function allPages(): [string, APIGatewayProxyResultV2][] {
  const errors: FieldError[] = [
    { field: 'capacity', message: `enter a whole number ${hostile}` },
    { field: 'hours-tue', message: 'Tuesday: use times like 09:00-17:00' },
  ];
  return [
    ['sign in', signInPage({ csrf: CSRF })],
    ['sign in with error', signInPage({ csrf: CSRF, error: `Unknown ${hostile}` })],
    ['check email', checkEmailPage()],
    ['magic link', magicLinkPage({ csrf: CSRF })],
    ['my leads', myLeadsPage({ ...repUser, leads: [offered, accepted, contacted, closed], now: NOW, notice: { kind: 'ok', text: hostile } })],
    ['my leads empty', myLeadsPage({ ...repUser, leads: [], now: NOW })],
    ['next lead', nextLeadPage({ ...repUser, queued: 3 })],
    ['next lead claimed', nextLeadPage({ ...repUser, queued: 2, result: { kind: 'claimed', lead: accepted } })],
    ['next lead empty', nextLeadPage({ ...repUser, queued: 0, result: { kind: 'empty' } })],
    ['next lead full', nextLeadPage({ ...repUser, queued: 4, result: { kind: 'full' } })],
    ['profile', profilePage({ ...repUser, timeZones: ['UTC', 'Europe/Berlin'], saved: true })],
    [
      'profile with errors',
      profilePage({
        ...repUser,
        timeZones: ['UTC', 'Europe/Berlin'],
        errors,
        values: {
          active: true,
          products: hostile,
          languages: '',
          countries: '',
          regions: '',
          postalPrefixes: '',
          capacity: `"><script>`,
          timeZone: hostile,
          hours: { mon: '', tue: hostile, wed: '', thu: '', fri: '', sat: '', sun: '' },
          outOfOfficeUntil: '',
        },
      }),
    ],
    [
      'team',
      teamPage({
        ...managerUser,
        teamName: `DACH ${hostile}`,
        members: [ana, boss],
        queue: [queued],
        overdue: [makeLead('lead-late', LeadStatus.accepted)],
        now: NOW,
        notice: { kind: 'error', text: hostile },
      }),
    ],
    ['error', portalErrorPage(403, `This is not your lead ${hostile}`)],
  ];
}

describe('portal pages, all of them', () => {
  // The security headers (CSP, framing, nosniff, referrer, no-store) are set on every response
  // by the handler's middleware; see shared/http/security-headers.test.ts and the integration tests.
  it.each(allPages())('given the %s page, when rendered, then it is UTF-8 HTML in headers of its own, styled by the portal stylesheet alone', (_name, page) => {
    const result = structured(page);
    expect(result.headers).toEqual({ 'content-type': 'text/html; charset=utf-8' });
    expect(result.headers).not.toBe(structured(checkEmailPage()).headers);
    const links = tags(bodyOf(page), 'link');
    expect(links).toEqual([`<link rel="stylesheet" href="${stylesheetHref}">`]);
    expect(stylesheetHref).toMatch(/^\/portal\/styles\.css\?v=[0-9a-f]{12}$/);
    expect(bodyOf(page)).not.toContain('<style');
  });

  it.each(allPages())('given the %s page, when rendered, then hostile values appear only escaped and nothing runs script', (_name, page) => {
    const body = bodyOf(page);
    expect(body).not.toContain('<script');
    expect(body).not.toContain('<img');
    expect(body).not.toContain('<b>');
    expect(body).not.toContain('<i>');
    expect(body).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
    expect(body).not.toContain('javascript:');
  });

  it.each(allPages())('given the %s page, when rendered, then every POST form carries the CSRF token', (_name, page) => {
    for (const form of forms(bodyOf(page))) {
      expect(form).toMatch(/method="post"/);
      expect(form).toContain(`<input type="hidden" name="csrf" value="${CSRF}">`);
    }
  });

  it.each(allPages())('given the %s page, when rendered, then every input and select has a label and ids are unique', (_name, page) => {
    const body = bodyOf(page);
    const ids = tags(body, '[a-z]+').map((tag) => attr(tag, 'id')).filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
    const fields = [...tags(body, 'input').filter((tag) => attr(tag, 'type') !== 'hidden'), ...tags(body, 'select'), ...tags(body, 'textarea')];
    for (const field of fields) {
      const id = attr(field, 'id');
      expect(id, field).toBeDefined();
      expect(body).toMatch(new RegExp(`<label [^>]*for="${id}"`));
      for (const described of (attr(field, 'aria-describedby') ?? '').split(' ').filter(Boolean)) {
        expect(body, `${id} describedby ${described}`).toContain(`id="${described}"`);
      }
    }
  });

  it.each(allPages())('given the %s page, when rendered, then it is one English document with one h1, a header, a main and a viewport', (_name, page) => {
    const body = bodyOf(page);
    expect(body).toMatch(/^<!doctype html>/);
    expect(body).toContain('<html lang="en">');
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body.match(/<h1\b/g)).toHaveLength(1);
    expect(body.match(/<main\b/g)).toHaveLength(1);
    expect(body).toContain('<header>');
    expect(body).toContain('<a class="skip" href="#main">');
    for (const button of body.match(/<button\b[^>]*>([\s\S]*?)<\/button>/g) ?? []) {
      expect(button.replace(/<[^>]+>/g, '').trim()).not.toBe('');
    }
    for (const th of tags(body, 'th').filter((tag) => !tag.includes('align="left"'))) expect(th).toMatch(/scope="(col|row)"/);
  });
});
