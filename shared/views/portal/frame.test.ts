import { describe, expect, it } from 'vitest';
import { myLeadsPage } from './my-leads.ts';
import { profilePage } from './profile.ts';
import { teamPage } from './team.ts';
import { ana, bodyOf, CSRF, managerUser, NOW, queued, repUser, structured } from './test-fixtures.ts';

describe('navigation', () => {
  it('given a rep, when a signed-in page is rendered, then the nav lists My leads, Next lead, Profile and Sign out but not Team', () => {
    const body = bodyOf(myLeadsPage({ ...repUser, leads: [], now: NOW }));
    expect(body).toContain('<a href="/portal/leads" aria-current="page">My leads</a>');
    expect(body).toContain('<a href="/portal/next">Next lead</a>');
    expect(body).toContain('<a href="/portal/profile">Profile</a>');
    expect(body).not.toContain('/portal/team');
    expect(body).toContain(`<form method="post" action="/portal/sign-out"><input type="hidden" name="csrf" value="${CSRF}">`);
    expect(body).toContain('Signed in as Ana &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;');
  });

  it('given a manager, when a signed-in page is rendered, then the nav also has Team', () => {
    const body = bodyOf(profilePage({ ...managerUser, timeZones: ['UTC'] }));
    expect(body).toContain('<a href="/portal/team">Team</a>');
    expect(body).toContain('<a href="/portal/profile" aria-current="page">Profile</a>');
  });

  it('given a rep, when the team page is asked for anyway, then it is refused with 403 and no team data', () => {
    const result = structured(teamPage({ ...repUser, teamName: 'Secret team', members: [ana], queue: [queued], overdue: [], now: NOW }));
    expect(result.statusCode).toBe(403);
    expect(result.body).not.toContain('Secret team');
  });
});
