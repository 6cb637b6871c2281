import { describe, expect, it } from 'vitest';
import { createLead } from '../domain/lead.ts';
import { confirmPage } from './action-pages.ts';
import { escalationEmail, offerEmail } from './emails.ts';

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
    expect(email.to).toBe('ana@x.co');
  });

  it('given a lead with markup, when the escalation email is rendered, then it is escaped and addressed to the manager', () => {
    const email = escalationEmail({ lead, managerEmail: 'boss@x.co', owner: { name: 'Ana', email: 'ana@x.co' } });
    expect(email.to).toBe('boss@x.co');
    expect(email.html).not.toContain('<script>');
    expect(email.text).toContain('Status: received by Ana <ana@x.co>');
  });

  it('given a lead with markup, when the confirmation page is rendered, then it is escaped and only a POST form acts', () => {
    const page = confirmPage('accept', lead) as { body: string; headers: Record<string, string> };
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('<form method="post">');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });
});
