import { describe, expect, it } from 'vitest';
import { rep as makeRep } from '../../routing/test-fixtures.ts';
import { profilePage } from './profile.ts';
import { bodyOf, CSRF, repUser, structured } from './test-fixtures.ts';

describe('profile', () => {
  it('given a rep, when the profile is opened, then the form is filled from the rep with every field the parser reads', () => {
    const rep = makeRep('cy', {
      active: false,
      capacity: 9,
      products: ['solar'],
      languages: ['de'],
      territory: { countries: ['DE'] },
      timeZone: 'Europe/Berlin',
      workingHours: { tue: [['09:00', '17:00']] },
    });
    const body = bodyOf(profilePage({ rep, csrf: CSRF, timeZones: ['UTC', 'Europe/Berlin'] }));
    expect(body).toContain('<form method="post" action="/portal/profile" novalidate>');
    expect(body).toMatch(/<input type="checkbox" id="f-active" name="active" value="on">/);
    expect(body).toMatch(/<input type="number" id="f-capacity" name="capacity"[^>]* value="9" min="0" max="100"/);
    expect(body).toMatch(/name="products"[^>]* value="solar"/);
    expect(body).toMatch(/name="languages"[^>]* value="de"/);
    expect(body).toMatch(/name="countries"[^>]* value="DE"/);
    for (const name of ['regions', 'postalPrefixes', 'outOfOfficeUntil', 'hours-mon', 'hours-sun']) expect(body).toContain(`name="${name}"`);
    expect(body).toMatch(/name="hours-tue" aria-describedby="hours-hint" value="09:00-17:00"/);
    expect(body).toMatch(/<input type="date" id="f-outOfOfficeUntil" name="outOfOfficeUntil"/);
    expect(body).toContain('<option value="Europe/Berlin" selected>Europe/Berlin</option>');
    expect(body).toContain('e.g. solar, battery');
    expect(body).toContain('Leave every day empty to be available at any time.');
    expect(structured(profilePage({ rep, csrf: CSRF, timeZones: [] })).statusCode).toBe(200);
  });

  it('given errors from a failed post, when shown, then it is a 400 with a summary alert, each bad field invalid and described, values kept', () => {
    const result = structured(
      profilePage({
        ...repUser,
        timeZones: ['UTC'],
        errors: [
          { field: 'capacity', message: 'enter a whole number from 0 to 100' },
          { field: 'hours-tue', message: 'Tuesday: use times like 09:00-17:00' },
        ],
        values: {
          active: true,
          products: '',
          languages: '',
          countries: '',
          regions: '',
          postalPrefixes: '',
          capacity: 'lots',
          timeZone: 'Atlantis/City',
          hours: { mon: '', tue: '9 to 5', wed: '', thu: '', fri: '', sat: '', sun: '' },
          outOfOfficeUntil: '',
        },
      }),
    );
    const body = result.body ?? '';
    expect(result.statusCode).toBe(400);
    expect(body).toContain('role="alert"');
    expect(body).toContain('Please fix 2 problems');
    expect(body).toContain('<li><a href="#f-capacity">enter a whole number from 0 to 100</a></li>');
    expect(body).toContain('<li><a href="#f-hours-tue">Tuesday: use times like 09:00-17:00</a></li>');
    expect(body).toMatch(/id="f-capacity" name="capacity" aria-invalid="true" aria-describedby="f-capacity-hint f-capacity-error"/);
    expect(body).toMatch(/id="f-hours-tue" name="hours-tue" aria-invalid="true" aria-describedby="hours-hint f-hours-tue-error" value="9 to 5"/);
    expect(body).toContain('<p class="field-error" id="f-capacity-error">enter a whole number from 0 to 100</p>');
    // Exactly the two bad fields (the stylesheet, which styles the attribute, is a file of its own).
    expect(body.match(/aria-invalid="true"/g)).toHaveLength(2);
    expect(body).toContain('value="lots"');
    // A zone not in the list is still shown, selected, so the rep sees what they sent.
    expect(body).toContain('<option value="Atlantis/City" selected>');
    expect(body).toMatch(/<input type="checkbox" id="f-active" name="active" value="on" checked>/);
  });

  it('given a saved profile, when shown, then a success notice is announced', () => {
    const body = bodyOf(profilePage({ ...repUser, timeZones: ['UTC'], saved: true }));
    expect(body).toContain('<div class="notice ok" role="status"><p>Your profile is saved.</p></div>');
  });
});
