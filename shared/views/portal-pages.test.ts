import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLead, LeadStatus, type Lead } from '../domain/lead.ts';
import type { FieldError } from '../portal/profile-form.ts';
import type { RepProfile } from '../routing/eligibility.ts';
import { rep as makeRep } from '../routing/test-fixtures.ts';
import {
  checkEmailPage,
  leadActionPath,
  magicLinkPage,
  myLeadsPage,
  nextLeadPage,
  portalErrorPage,
  portalHeaders,
  profilePage,
  signInPage,
  teamPage,
  type PortalUser,
} from './portal-pages.ts';

const hostile = `<script>alert("x")</script>'`;
const NOW = new Date('2026-03-02T10:00:00Z');
const CSRF = 'csrf-token-123';

const makeLead = (id: string, status: LeadStatus, over: Partial<Lead> = {}): Lead => ({
  ...createLead(
    {
      contact: { firstName: hostile, lastName: `"quoted"`, email: 'kim@example.com', phone: '+49 (30) 123-4567', product: `solar<b>`, company: `ACME "&" <i>` },
      fields: { note: `"><img src=x onerror=alert(1)>` },
    },
    'sales',
    { now: new Date('2026-03-02T09:00:00Z'), contactWithinMs: 30 * 60_000 },
    id,
  ),
  status,
  tier: 'hot',
  ownerId: 'ana',
  ...over,
});

const ana: RepProfile = makeRep('ana', { name: `Ana ${hostile}`, timeZone: 'Europe/Berlin', capacity: 5, openLeads: 2 });
const boss: RepProfile = makeRep('boss', { name: `Boss ${hostile}`, role: 'manager', timeZone: 'Europe/Berlin' });
const repUser: PortalUser = { rep: ana, csrf: CSRF };
const managerUser: PortalUser = { rep: boss, csrf: CSRF };

const offered = makeLead('lead-offered', LeadStatus.offered);
const accepted = makeLead('lead-accepted', LeadStatus.accepted, { contactDeadline: '2026-03-02T12:00:00.000Z' });
const contacted = makeLead('lead-contacted', LeadStatus.contacted, { contactedAt: '2026-03-02T09:10:00.000Z' });
const closed = makeLead('lead-closed', LeadStatus.closed);
const queued = makeLead('lead-queued', LeadStatus.queued, { ownerId: undefined });

const structured = (result: APIGatewayProxyResultV2): APIGatewayProxyStructuredResultV2 => {
  if (typeof result === 'string') throw new Error('expected a structured result');
  return result;
};
const bodyOf = (result: APIGatewayProxyResultV2): string => structured(result).body ?? '';

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

const forms = (body: string): string[] => body.match(/<form\b[\s\S]*?<\/form>/g) ?? [];
const tags = (body: string, name: string): string[] => body.match(new RegExp(`<${name}\\b[^>]*>`, 'g')) ?? [];
const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

describe('portal pages, all of them', () => {
  it.each(allPages())('given the %s page, when rendered, then it carries the security headers and a fresh copy of them', (_name, page) => {
    const result = structured(page);
    expect(result.headers).toEqual(portalHeaders);
    expect(result.headers).not.toBe(portalHeaders);
    expect(result.headers?.['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(result.headers?.['cache-control']).toBe('no-store');
    expect(result.headers?.['x-frame-options']).toBe('DENY');
    expect(result.headers?.['x-content-type-options']).toBe('nosniff');
    expect(result.headers?.['referrer-policy']).toBe('no-referrer');
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

describe('my leads', () => {
  const body = bodyOf(myLeadsPage({ ...repUser, leads: [closed, contacted, accepted, offered], now: NOW }));
  const buttonsOf = (leadId: string) =>
    forms(body)
      .filter((form) => form.includes(`action="/portal/leads/${leadId}/`))
      .map((form) => /action="\/portal\/leads\/[^/]+\/([a-z]+)"/.exec(form)?.[1]);
  const cardOf = (lead: Lead): string => body.split('<article class="lead"').find((card) => card.includes(`/portal/leads/${lead.id}/`)) ?? '';

  it.each<[Lead, string[]]>([
    // What the lifecycle allows: an offered lead may also be marked contacted (a rep who called straight away).
    [offered, ['accept', 'contacted', 'release']],
    [accepted, ['contacted', 'won', 'lost', 'release']],
    [contacted, ['won', 'lost']],
    [closed, []],
  ])('given a lead in status %#, when listed, then exactly the buttons its status allows are there', (lead, actions) => {
    expect(buttonsOf(lead.id)).toEqual(actions);
  });

  it('given open leads, when listed, then the button labels say what they do', () => {
    expect(body).toContain('>Accept<span class="vh">');
    expect(body).toContain('>Pass it on<span class="vh">');
    expect(body).toContain('>I contacted them<span class="vh">');
    expect(body).toContain('>Won<span class="vh">');
    expect(body).toContain('>Lost<span class="vh">');
  });

  it('given a closed lead among the leads, when listed, then it is left out; leads to contact come first by deadline, contacted ones last', () => {
    expect(body).not.toContain('lead-closed');
    expect(body.indexOf('lead-offered')).toBeLessThan(body.indexOf('lead-accepted'));
    expect(body.indexOf('lead-accepted')).toBeLessThan(body.indexOf('lead-contacted'));
    expect(body).toContain('3 open leads.');
  });

  it('given a lead past its deadline, when listed, then the deadline shows in the rep zone and says overdue; a contacted one does not', () => {
    // 09:30 UTC is 10:30 in Berlin in winter.
    expect(cardOf(offered)).toContain('<dt>Contact by</dt><dd>Mon 2 Mar, 10:30 CET <strong class="overdue">overdue</strong></dd>');
    expect(cardOf(accepted)).toContain('<dt>Contact by</dt><dd>Mon 2 Mar, 13:00 CET</dd>');
    const contactedCard = cardOf(contacted);
    expect(contactedCard).not.toContain('overdue');
    expect(contactedCard).toContain('<dt>Contacted</dt><dd>Mon 2 Mar, 10:10 CET</dd>');
  });

  it('given a lead, when listed, then status, product and tier read in words, and phone and email are links', () => {
    expect(body).toContain('<dt>Status</dt><dd>Offered to you: accept it or pass it on</dd>');
    expect(body).toContain('<dt>Product</dt><dd>solar&lt;b&gt;</dd>');
    expect(body).toContain('<dt>Tier</dt><dd>hot</dd>');
    expect(body).toContain('href="tel:+49301234567">Call +49 30 1234567</a>');
    expect(body).toContain('href="mailto:kim@example.com">Email kim@example.com</a>');
  });

  it('given a lead id with URL and HTML specials, when its buttons are rendered, then the id is encoded in the path', () => {
    const odd = makeLead('a/b"c<d>', LeadStatus.offered);
    const page = bodyOf(myLeadsPage({ ...repUser, leads: [odd], now: NOW }));
    expect(leadActionPath('a/b"c<d>', 'accept')).toBe('/portal/leads/a%2Fb%22c%3Cd%3E/accept');
    expect(page).toContain('action="/portal/leads/a%2Fb%22c%3Cd%3E/accept"');
  });

  it('given no open leads, when listed, then it says so and points to the next lead', () => {
    const empty = bodyOf(myLeadsPage({ ...repUser, leads: [closed], now: NOW }));
    expect(empty).toContain('<p>No open leads.</p>');
    expect(empty).toContain('href="/portal/next"');
  });

  it('given an error notice, when listed, then it is announced as an alert', () => {
    const page = bodyOf(myLeadsPage({ ...repUser, leads: [], now: NOW, notice: { kind: 'error', text: 'That lead moved on' } }));
    expect(page).toContain('<div class="notice error" role="alert"><p>That lead moved on</p></div>');
  });
});

describe('next lead', () => {
  it('given the queue, when the page is opened, then it shows how many wait and a big POST button', () => {
    const body = bodyOf(nextLeadPage({ ...repUser, queued: 3 }));
    expect(body).toContain('3 leads are waiting in your team queue.');
    expect(body).toContain('<form method="post" action="/portal/next">');
    expect(body).toContain('Get the next lead</button>');
  });

  it('given a claimed lead, when shown, then it is yours with its details (escaped), call and email links, and a link to My leads', () => {
    const body = bodyOf(nextLeadPage({ ...repUser, queued: 2, result: { kind: 'claimed', lead: accepted } }));
    expect(body).toContain('<h1>This lead is yours</h1>');
    expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(body).toContain('href="tel:+49301234567"');
    expect(body).toContain('href="mailto:kim@example.com"');
    expect(body).toContain('<a href="/portal/leads">Go to My leads</a>');
  });

  it.each<['empty' | 'full' | 'unavailable', string]>([
    ['empty', 'The queue is empty'],
    ['full', 'You are at your limit of open leads'],
    ['unavailable', 'You are not taking new leads'],
  ])('given a pull that came back %s, when shown, then the heading says so plainly', (kind, heading) => {
    expect(bodyOf(nextLeadPage({ ...repUser, queued: 0, result: { kind } }))).toContain(`<h1>${heading}</h1>`);
  });

  it('given a rep whose address bounces, when a pull is shown, then it says why no leads come, with the address escaped', () => {
    const body = bodyOf(nextLeadPage({ ...repUser, queued: 3, result: { kind: 'unreachable', address: 'a<b>@example.com' } }));

    expect(body).toContain('<h1>Lead emails to you bounce</h1>');
    expect(body).toContain('<strong>a&lt;b&gt;@example.com</strong>');
    expect(body).not.toContain('Available for new leads');
  });
});

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
    expect(body.slice(body.indexOf('</style>')).match(/aria-invalid="true"/g)).toHaveLength(2);
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

  it('given nothing waiting or late, when shown, then the sections say so', () => {
    const empty = bodyOf(teamPage({ ...managerUser, teamName: 'DACH', members: [boss], queue: [], overdue: [], now: NOW }));
    expect(empty).toContain('No leads are waiting.');
    expect(empty).toContain('No overdue leads.');
    expect(empty).toContain('<a href="/portal/team" aria-current="page">Team</a>');
  });
});

describe('errors and headers', () => {
  it('given a status and message, when the error page is rendered, then it has that status, the message escaped and no navigation', () => {
    const result = structured(portalErrorPage(400, 'The form has expired; please try again'));
    expect(result.statusCode).toBe(400);
    expect(result.body).toContain('The form has expired; please try again');
    expect(result.body).not.toContain('<nav');
    expect(structured(portalErrorPage(404, 'No such lead')).statusCode).toBe(404);
  });
});
