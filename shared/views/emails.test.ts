import { describe, expect, it } from 'vitest';
import { createLead } from '../domain/lead.ts';
import { confirmPage } from './action-pages.ts';
import { escalationEmail, offerEmail, openToTeamEmail, reminderEmail, resubmittedEmail, unreachableRepEmail } from './emails.ts';

const hostile = '<script>alert("x")</script>';
const lead = createLead(
  { contact: { firstName: hostile, email: 'a@b.co', phone: '+49 30 1234567', product: 'CRM' }, fields: { note: `"><img src=x onerror=alert(1)>` } },
  'sales',
  { now: new Date('2026-03-01T10:00:00Z'), contactWithinMs: 30 * 60_000 },
  'lead-1',
);

describe('emails and pages', () => {
  it('given a lead with markup in its fields, when the offer email is rendered, then the HTML carries it escaped and the links intact', () => {
    const email = offerEmail({ lead, rep: { name: 'Ana', email: 'ana@x.co' }, acceptUrl: 'https://api/a/acc', rejectUrl: 'https://api/a/rej' });
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(email.html).toContain('href="https://api/a/acc"');
    expect(email.text).toContain('Accept: https://api/a/acc');
    expect(email.subject).toBe(`New lead: ${hostile} (CRM)`);
  });

  it('given a lead kept with a malformed phone, when the offer email is rendered, then both versions say what was given and that it is not a valid number, escaped', () => {
    const flagged = createLead(
      {
        contact: { firstName: 'Sam', email: 'sam@example.com' },
        fields: {},
        quality: [
          { field: 'phone', issue: 'invalid', given: '555-0100', problem: 'must be a phone number valid in US, or one with its +country code' },
          { field: 'company', issue: 'too-long', given: hostile, problem: 'must be at most 200 characters' },
        ],
      },
      'sales',
      { now: new Date('2026-03-01T10:00:00Z'), contactWithinMs: 30 * 60_000 },
      'lead-2',
    );

    const email = offerEmail({ lead: flagged, rep: { name: 'Ana', email: 'ana@x.co' }, acceptUrl: 'https://api/a/acc', rejectUrl: 'https://api/a/rej' });

    expect(email.text).toContain('Phone as given: 555-0100, not a valid number');
    expect(email.html).toMatch(/<th[^>]*>Phone as given<\/th><td[^>]*>555-0100, not a valid number<\/td>/);
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, longer than allowed');
    expect(email.html).not.toContain('<script>');
  });

  it('given one resubmission, when its owner is told, then the email says when and quotes the message, escaped', () => {
    const email = resubmittedEmail({
      lead: { ...lead, tier: 'warm' },
      rep: { name: 'Ana', email: 'ana@x.co', timeZone: 'Europe/Vienna' },
      count: 1,
      since: '2026-03-01T10:01:00.000Z',
      latest: [{ at: '2026-03-01T10:20:00.000Z', message: hostile }],
    });

    expect(email.subject).toBe(`Got in touch again: ${hostile} (CRM, warm)`);
    expect(email.text).toContain("Hi Ana, your lead's form was sent again at Sun 1 Mar, 11:20 CET. It is the same lead, still yours.");
    expect(email.text).toContain(`They wrote:\n${hostile}`);
    expect(email.html).not.toContain('<script>');
  });

  it('given five resubmissions held back by the hour, when the summary is sent, then it counts them since the last notice and quotes the newest it carries', () => {
    const email = resubmittedEmail({
      lead: { ...lead, tier: 'warm' },
      rep: { name: 'Ana', email: 'ana@x.co', timeZone: 'Europe/Vienna' },
      count: 5,
      since: '2026-03-01T10:01:00.000Z',
      latest: [
        { at: '2026-03-01T10:20:00.000Z', message: 'Call me' },
        { at: '2026-03-01T10:40:00.000Z' },
        { at: '2026-03-01T10:50:00.000Z', message: 'Still there?' },
      ],
    });

    expect(email.subject).toBe(`Got in touch again, 5 times: ${hostile} (CRM, warm)`);
    expect(email.text).toContain('5 new messages since Sun 1 Mar, 11:01 CET');
    expect(email.text).toContain('the last time at Sun 1 Mar, 11:50 CET');
    expect(email.text).toContain('Sun 1 Mar, 11:20 CET:\nCall me\nSun 1 Mar, 11:50 CET:\nStill there?');
    expect(email.text).toContain("2 earlier ones are in the lead's history.");
  });

  it('given a classified lead and a rep in Vienna, when the offer email is rendered, then the subject leads with the tier and the deadlines read on their clock', () => {
    const hot = { ...lead, tier: 'hot' as const };
    const email = offerEmail({
      lead: hot,
      rep: { name: 'Ana', email: 'ana@x.co', timeZone: 'Europe/Vienna' },
      acceptUrl: 'https://api/a/acc',
      rejectUrl: 'https://api/a/rej',
      acceptDeadline: '2026-03-01T10:05:00.000Z',
    });
    expect(email.subject).toBe(`New hot lead: ${hostile} (CRM)`);
    // 10:30 UTC is 11:30 in Vienna in winter.
    expect(email.text).toContain('Please contact them before Sun 1 Mar, 11:30 CET. Accept it by Sun 1 Mar, 11:05 CET');
  });

  it('given a rep without a time zone, when a reminder is rendered, then the deadline reads in UTC and both links are there while the lead is only offered', () => {
    const email = reminderEmail({ lead: { ...lead, tier: 'warm' }, rep: { name: 'Ana', email: 'ana@x.co' }, acceptUrl: 'https://api/a/acc', contactedUrl: 'https://api/a/con' });
    expect(email.subject).toBe(`Reminder: contact ${hostile} (CRM, warm) by Sun 1 Mar, 10:30 UTC`);
    expect(email.html).not.toContain('<script>');
    expect(email.text).toContain('Accept: https://api/a/acc\nI contacted them: https://api/a/con');
  });

  it('given a lead opened to the team, when the invitation is rendered, then it carries one claim link and the escaped lead', () => {
    const email = openToTeamEmail({ lead, rep: { name: 'Ben', email: 'ben@x.co' }, teamName: 'DACH <sales>', claimUrl: 'https://api/a/claim' });
    expect(email.subject).toBe(`Open to DACH <sales>: ${hostile} (CRM)`);
    expect(email.html).toContain('href="https://api/a/claim"');
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('DACH <sales>');
    expect(email.to).toBe('ben@x.co');
  });

  it('given a lead with markup, when the escalation email is rendered, then it is escaped and addressed to the manager', () => {
    const email = escalationEmail({ lead, managerEmail: 'boss@x.co', owner: { name: 'Ana', email: 'ana@x.co' } });
    expect(email.to).toBe('boss@x.co');
    expect(email.html).not.toContain('<script>');
    expect(email.text).toContain('Status: received by Ana <ana@x.co>');
  });

  it('given a lead with a history, when escalated to a manager in London, then the email tells the story in their time, escaped', () => {
    const email = escalationEmail({
      lead,
      managerEmail: 'boss@x.co',
      owner: { name: 'Ana', email: 'ana@x.co' },
      outcome: 'reassigned',
      timeZone: 'Europe/London',
      history: [
        { at: '2026-03-01T10:00:00.000Z', kind: 'received', actor: 'webhook', to: 'RECEIVED' },
        { at: '2026-03-01T10:00:01.000Z', kind: 'offered', actor: 'router', from: 'RECEIVED', to: 'OFFERED', detail: { repId: 'ana', explanation: ['warm lead', 'offered to ana'] } },
        { at: '2026-03-01T10:02:00.000Z', kind: 'passed', actor: 'rep:ben', from: 'OFFERED', to: 'RECEIVED', detail: { reason: hostile } },
      ],
    });
    expect(email.text).toContain('It has been taken from Ana and is being offered to the next available rep');
    expect(email.text).toContain('History:\n- Sun 1 Mar, 10:00 GMT | received | webhook | → RECEIVED\n- Sun 1 Mar, 10:00 GMT | offered | router, to ana | RECEIVED → OFFERED | offered to ana');
    expect(email.text).toContain(`| passed | ben | OFFERED → RECEIVED | ${hostile}`);
    expect(email.html).toContain('<h3 style="font-size:17px;margin-top:24px">History</h3>');
    expect(email.html).not.toContain('<script>');
  });

  it('given a lead with markup, when the confirmation page is rendered, then it is escaped and only a POST form acts', () => {
    const page = confirmPage('accept', lead) as { body: string; headers: Record<string, string> };
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('<form method="post">');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('given a rep whose address bounced, when the manager email is rendered, then it names the rep, the address and why, lists the leads taken back, and shows the import to fix it, all escaped', () => {
    const email = unreachableRepEmail({
      rep: { id: 'ana', name: 'Ana <b>Souza</b>, Jr.', capacity: 5 },
      team: { id: 'dach-sales', name: 'DACH <sales>', managerEmail: 'boss@x.co' },
      mark: { reason: 'bounce', address: 'ana@x.co', subType: 'General', diagnostic: 'smtp; 550 5.1.1 <ana@x.co>: user unknown', since: '2026-03-02T09:41:02.669Z' },
      takenBack: [{ ...lead, tier: 'warm' }],
      timeZone: 'Europe/Berlin',
    });

    expect(email.to).toBe('boss@x.co');
    expect(email.subject).toBe('Lead emails to Ana <b>Souza</b>, Jr. bounce: no new leads for them until the address is fixed');
    expect(email.text).toContain('Lead emails to Ana <b>Souza</b>, Jr. (rep ana, DACH <sales>) at ana@x.co cannot be delivered: the receiving mail server refused them for good (permanent bounce, General) on Mon 2 Mar, 10:41 CET.');
    expect(email.text).toContain('The server said: smtp; 550 5.1.1 <ana@x.co>: user unknown');
    expect(email.text).toContain('no new lead offers, no invitations to claim leads, and cannot take leads from the team queue');
    expect(email.text).toContain(`One lead that was offered to Ana <b>Souza</b>, Jr. (who never saw the email) has been taken back and offered to colleagues:\n- ${hostile} (CRM, warm) (lead lead-1)`);
    expect(email.text).toContain('id,name,email,team,capacity\n   ana,"Ana <b>Souza</b>, Jr.",the.corrected@address,dach-sales,5');
    expect(email.text).toContain('then run: npm run admin -- import-reps reps.csv');
    expect(email.html).not.toContain('<b>');
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('DACH <sales>');
    expect(email.html).toContain('&lt;ana@x.co&gt;: user unknown');
  });

  it('given a rep who complained, when the manager email is rendered, then it says the mailbox reported spam and how to put them back', () => {
    const email = unreachableRepEmail({
      rep: { id: 'ana', name: 'Ana', capacity: 5 },
      team: { id: 'dach-sales', name: 'DACH', managerEmail: 'boss@x.co' },
      mark: { reason: 'complaint', address: 'ana@x.co', subType: 'abuse', since: '2026-03-02T09:41:02.669Z' },
    });

    expect(email.subject).toBe('Ana reported a lead email as spam: no new leads for them until this is sorted out');
    expect(email.text).toContain('was reported as spam from that mailbox (complaint: abuse) on Mon 2 Mar, 09:41 UTC');
    expect(email.text).toContain('Ask Ana whether they marked the lead email as spam by mistake');
    expect(email.text).toContain('ana,Ana,ana@x.co,dach-sales,5');
    expect(email.text).not.toContain('taken back');
  });
});
