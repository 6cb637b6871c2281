import { describe, expect, it } from 'vitest';
import { LeadStatus, type Lead } from '../../domain/lead.ts';
import { leadActionPath, myLeadsPage, useDetailsPath } from './my-leads.ts';
import { accepted, bodyOf, closed, contacted, CSRF, forms, hostile, makeLead, NOW, offered, repUser } from './test-fixtures.ts';

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

  it('given a lead kept with a malformed phone and a hostile company, when listed, then its details say what was given and why, escaped, and no call link is made of it', () => {
    const flagged = makeLead('lead-flagged', LeadStatus.accepted, {
      contact: { firstName: 'Sam', email: 'sam@example.com' },
      quality: [
        { field: 'phone', issue: 'invalid', given: '555-0100', problem: 'must be a phone number valid in US, or one with its +country code' },
        { field: 'company', issue: 'not-text', given: hostile, problem: 'Invalid input' },
      ],
    });

    const page = bodyOf(myLeadsPage({ ...repUser, leads: [flagged], now: NOW }));

    expect(page).toContain('<dt class="flagged">Phone as given</dt><dd class="flagged">555-0100, not a valid number</dd>');
    expect(page).toContain('<dt class="flagged">Company as given</dt><dd class="flagged">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;, a list or object, not text</dd>');
    expect(page).not.toContain(hostile);
    expect(page).not.toContain('href="tel:');
  });

  it('given a flagged phone the lead has since got a good number for, when listed, then the flag is not shown', () => {
    const settled = makeLead('lead-settled', LeadStatus.accepted, {
      quality: [{ field: 'phone', issue: 'invalid', given: '555-0100', problem: 'must be a phone number valid in US, or one with its +country code' }],
    });

    const page = bodyOf(myLeadsPage({ ...repUser, leads: [settled], now: NOW }));

    expect(settled.contact.phone).toBeDefined();
    expect(page).not.toContain('as given');
  });

  it('given a lead id with URL and HTML specials, when its buttons are rendered, then the id is encoded in the path', () => {
    const odd = makeLead('a/b"c<d>', LeadStatus.offered);
    const page = bodyOf(myLeadsPage({ ...repUser, leads: [odd], now: NOW }));
    expect(leadActionPath('a/b"c<d>', 'accept')).toBe('/portal/leads/a%2Fb%22c%3Cd%3E/accept');
    expect(page).toContain('action="/portal/leads/a%2Fb%22c%3Cd%3E/accept"');
  });

  it('given details a resubmission brought, when listed, then its owner sees them escaped, in their zone, with a Use these details form carrying the token', () => {
    const at = '2026-03-02T09:45:00.000Z';
    const page = bodyOf(
      myLeadsPage({ ...repUser, leads: [offered, accepted], now: NOW, offered: new Map([[offered.id, [{ resubmittedAt: at, changes: { phone: '+4930999888', company: hostile } }]]]) }),
    );
    const [form] = forms(page).filter((f) => f.includes('/resubmissions/'));

    expect(useDetailsPath('a/b', at)).toBe('/portal/leads/a%2Fb/resubmissions/2026-03-02T09%3A45%3A00.000Z/use');
    expect(page).toContain('<p>On Mon 2 Mar, 10:45 CET:</p>');
    expect(page).toContain('<dt>Phone</dt><dd>+49 30 999888</dd>');
    expect(page).toContain('<dt>Company</dt><dd>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;</dd>');
    expect(page).not.toContain(hostile);
    expect(form).toContain(`action="${useDetailsPath(offered.id, at)}"`);
    expect(form).toContain(`name="csrf" value="${CSRF}"`);
    expect(form).toContain('Use these details');
    // Only the lead the details were sent for offers them.
    expect(forms(page).filter((f) => f.includes('/resubmissions/'))).toHaveLength(1);
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
