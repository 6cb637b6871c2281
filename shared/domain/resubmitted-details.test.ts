import { describe, expect, it } from 'vitest';
import { detailsOffered, OFFERED_AT_MOST, offeredDetails, replacedBy } from './resubmitted-details.ts';

const lead = { contact: { firstName: 'Rosa', email: 'rosa@example.com', phone: '+4930111222', message: 'first', source: 'website' } };
const resubmitted = (at: string, contact: Record<string, unknown>) => ({ at, kind: 'resubmitted', detail: { source: 'web', contact } });

describe('details a resubmission offers its lead', () => {
  it('given a resubmission with a new phone, a company and the same email, then only what differs or is missing is offered; the message and source never are', () => {
    const event = resubmitted('2026-03-02T10:00:00.000Z', { firstName: 'Rosa', email: 'rosa@example.com', phone: '+4917000000', company: 'Rosa & Co', message: 'call me', source: 'ads' });

    expect(detailsOffered(lead, event)).toEqual({ resubmittedAt: '2026-03-02T10:00:00.000Z', changes: { phone: '+4917000000', company: 'Rosa & Co' } });
  });

  it('given a resubmission that brought nothing new, another kind of event or an unreadable one, then nothing is offered', () => {
    expect(detailsOffered(lead, resubmitted('2026-03-02T10:00:00.000Z', { email: 'rosa@example.com', message: 'again' }))).toBeUndefined();
    expect(detailsOffered(lead, { at: '2026-03-02T10:00:00.000Z', kind: 'offered', detail: { contact: { phone: '+4917000000' } } })).toBeUndefined();
    expect(detailsOffered(lead, { at: '2026-03-02T10:00:00.000Z', kind: 'resubmitted', detail: { contact: 'phone' } })).toBeUndefined();
    expect(detailsOffered(lead, resubmitted('2026-03-02T10:00:00.000Z', { phone: 42, company: '' }))).toBeUndefined();
  });

  it('given a history with more resubmissions than a page shows, then the newest that offer something come first, at most a few', () => {
    const history = [
      { at: '2026-03-02T09:00:00.000Z', kind: 'received' },
      ...Array.from({ length: 5 }, (_, i) => resubmitted(`2026-03-02T10:0${i}:00.000Z`, { city: `City ${i}` })),
      resubmitted('2026-03-02T11:00:00.000Z', { email: 'rosa@example.com' }),
    ];

    expect(offeredDetails(lead, history).map((details) => details.changes.city)).toEqual(['City 4', 'City 3', 'City 2'].slice(0, OFFERED_AT_MOST));
  });

  it('given the changes offered, then what they replace is the lead’s own value, and a field the lead lacks replaces nothing', () => {
    expect(replacedBy(lead, { phone: '+4917000000', company: 'Rosa & Co' })).toEqual({ phone: '+4930111222' });
  });
});
