import { describe, expect, it } from 'vitest';
import { LeadStatus } from '../../domain/lead.ts';
import { rep as makeRep } from '../../routing/test-fixtures.ts';
import { teamPage } from './team.ts';
import { ana, bodyOf, boss, forms, makeLead, managerUser, NOW, queued } from './test-fixtures.ts';

describe('team', () => {
  const late = makeLead('lead-late', LeadStatus.accepted, { ownerId: 'ana' });
  const away = makeRep('cy', { name: 'Cy', outOfOfficeUntil: '2026-03-05T00:00:00.000Z', timeZone: 'UTC' });
  const off = makeRep('dee', { name: 'Dee', active: false });
  const body = bodyOf(
    teamPage({ ...managerUser, teamName: 'DACH', members: [ana, away, off], queue: [queued], overdue: [late], now: NOW }),
  );

  it('given members, when the team is shown, then a table lists name, availability and open leads of capacity', () => {
    expect(body).toContain('<th scope="col">Name</th><th scope="col">Available</th><th scope="col">Open leads</th>');
    expect(body).toContain('<th scope="row">Ana &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;</th><td>Yes</td><td>2 / 5</td>');
    expect(body).toContain('<th scope="row">Cy</th><td>No, away until Thu 5 Mar, 01:00 CET</td>');
    expect(body).toContain('<th scope="row">Dee</th><td>No, switched off</td>');
  });

  it('given queued and overdue leads, when shown, then each has its row and an assign form with a labelled select of members', () => {
    expect(body).toContain('<th scope="col">Lead</th><th scope="col">Tier</th><th scope="col">Waiting since</th><th scope="col">Deadline</th>');
    expect(body).toContain('<th scope="col">Lead</th><th scope="col">Status</th><th scope="col">Owner</th><th scope="col">Deadline</th>');
    expect(body).toMatch(/<td>Accepted, not contacted yet<\/td><td>Ana &lt;script&gt;[^<]*<\/td><td>Mon 2 Mar, 10:30 CET <strong class="overdue">overdue<\/strong>/);
    const assignForms = forms(body).filter((form) => form.includes('/assign"'));
    expect(assignForms).toHaveLength(2);
    expect(assignForms[0]).toContain('action="/portal/team/leads/lead-queued/assign"');
    expect(assignForms[1]).toContain('action="/portal/team/leads/lead-late/assign"');
    for (const form of assignForms) {
      expect(form).toMatch(/<label for="assign-[a-z]+-0">Assign to/);
      expect(form).toContain('name="repId"');
      expect(form).toContain('<option value="ana">');
      expect(form).toContain('<option value="cy">Cy (0/5)</option>');
      expect(form).toContain('<option value="dee">Dee (0/5, off)</option>');
      expect(form).toContain('>Assign<span class="vh">');
    }
  });

  it('given a member an admin switched off, when the team is shown, then they read as switched off by an admin and are not offered in the assign forms', () => {
    const disabled = makeRep('eli', { name: 'Eli', disabled: true });
    const shown = bodyOf(teamPage({ ...managerUser, teamName: 'DACH', members: [ana, disabled], queue: [queued], overdue: [], now: NOW }));

    expect(shown).toContain('<th scope="row">Eli</th><td>No, switched off by an admin</td>');
    for (const form of forms(shown).filter((candidate) => candidate.includes('/assign"'))) {
      expect(form).toContain('<option value="ana">');
      expect(form).not.toContain('value="eli"');
    }
  });

  it('given nothing waiting or late, when shown, then the sections say so', () => {
    const empty = bodyOf(teamPage({ ...managerUser, teamName: 'DACH', members: [boss], queue: [], overdue: [], now: NOW }));
    expect(empty).toContain('No leads are waiting.');
    expect(empty).toContain('No overdue leads.');
    expect(empty).toContain('<a href="/portal/team" aria-current="page">Team</a>');
  });
});
