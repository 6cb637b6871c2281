import { describe, expect, it } from 'vitest';
import { nextLeadPage } from './next-lead.ts';
import { accepted, bodyOf, repUser } from './test-fixtures.ts';

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
