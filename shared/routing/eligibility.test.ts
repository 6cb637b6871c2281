import { describe, expect, it } from 'vitest';
import { checkEligibility, RepProfileSchema, type RepProfile, type Unreachable } from './eligibility.ts';
import { rankCandidates } from './engine.ts';
import { lead, MONDAY_10_UTC, rep } from './test-fixtures.ts';

const munichLead = lead({ product: 'CRM', country: 'DE', region: 'Bayern', postalCode: '80331', language: 'de' });

/** The mark the feedback function leaves on a rep whose address bounced. */
const bounced: Unreachable = {
  since: '2026-03-02T09:30:00.000Z',
  reason: 'bounce',
  address: 'ana@example.com',
  subType: 'General',
  diagnostic: 'smtp; 550 5.1.1 user unknown',
  feedbackId: 'feedback-1',
};

describe('checkEligibility', () => {
  it.each<{ reason: string; over: Partial<RepProfile>; excluded?: string[] }>([
    { reason: 'inactive', over: { active: false } },
    { reason: 'unreachable', over: { unreachable: bounced } },
    { reason: 'unreachable', over: { unreachable: { ...bounced, reason: 'complaint', subType: 'abuse' } } },
    { reason: 'passed-before', over: {}, excluded: ['ana'] },
    { reason: 'lacks-product', over: { products: ['ERP'] } },
    { reason: 'lacks-language', over: { languages: ['en', 'fr'] } },
    { reason: 'outside-territory', over: { territory: { countries: ['AT'] } } },
    { reason: 'out-of-office', over: { outOfOfficeUntil: '2026-03-02T12:00:00Z' } },
    { reason: 'outside-working-hours', over: { timeZone: 'America/New_York', workingHours: { mon: [['09:00', '17:00']] } } },
    { reason: 'at-capacity', over: { capacity: 3, openLeads: 3 } },
    { reason: 'daily-cap', over: { dailyCap: 2, dayKey: '2026-03-02', dayCount: 2 } },
    { reason: 'weekly-cap', over: { weeklyCap: 10, weekKey: '2026-W10', weekCount: 10 } },
    { reason: 'disabled', over: { disabled: true } },
  ])('given a rep who is $reason, when checked, then they are skipped for that reason', ({ reason, over, excluded = [] }) => {
    const result = checkEligibility(rep('ana', over), { ...munichLead, excludedReps: excluded }, MONDAY_10_UTC);
    expect(result).toEqual({ eligible: false, reason });
  });

  it('given a rep failing several checks, when checked, then the reason is the first in the documented order', () => {
    const result = checkEligibility(rep('ana', { products: ['ERP'], openLeads: 5, capacity: 5 }), munichLead, MONDAY_10_UTC);
    expect(result).toEqual({ eligible: false, reason: 'lacks-product' });
  });

  it.each<{ name: string; over: Partial<RepProfile> }>([
    { name: 'out of office until a past time', over: { outOfOfficeUntil: '2026-03-02T09:59:00Z' } },
    { name: 'capped yesterday (a stale day key)', over: { dailyCap: 2, dayKey: '2026-03-01', dayCount: 9 } },
    { name: 'capped last week (a stale week key)', over: { weeklyCap: 2, weekKey: '2026-W09', weekCount: 9 } },
    { name: 'under the daily cap', over: { dailyCap: 2, dayKey: '2026-03-02', dayCount: 1 } },
    { name: 'in Berlin working hours', over: { timeZone: 'Europe/Berlin', workingHours: { mon: [['09:00', '17:00']] } } },
    { name: 'speaking "de-DE"', over: { languages: ['de-DE'] } },
    { name: 'handling "crm" in lower case', over: { products: ['crm'] } },
  ])('given a rep $name, when checked, then they are eligible', ({ over }) => {
    expect(checkEligibility(rep('ana', over), munichLead, MONDAY_10_UTC).eligible).toBe(true);
  });

  it('given the daily counter kept in the rep time zone, when it is already tomorrow there, then the cap has reset', () => {
    const tokyo = rep('ana', { timeZone: 'Asia/Tokyo', dailyCap: 1, dayKey: '2026-03-02', dayCount: 1 });
    expect(checkEligibility(tokyo, munichLead, new Date('2026-03-02T15:30:00Z')).eligible).toBe(true);
  });

  it.each<{ name: string; over: Partial<RepProfile>; specificity: number; skill: number }>([
    { name: 'a generalist', over: {}, specificity: 0, skill: 0 },
    { name: 'a country rep with the product', over: { territory: { countries: ['DE'] }, products: ['CRM'] }, specificity: 10, skill: 1 },
    { name: 'a region rep with the language', over: { territory: { regions: ['bayern'] }, languages: ['de'] }, specificity: 50, skill: 1 },
    {
      name: 'a postal rep with product and language',
      over: { territory: { countries: ['DE'], postalPrefixes: ['803'] }, products: ['crm'], languages: ['de'] },
      specificity: 103,
      skill: 2,
    },
  ])('given $name, when checked, then the match is $specificity/$skill', ({ over, specificity, skill }) => {
    expect(checkEligibility(rep('ana', over), munichLead, MONDAY_10_UTC)).toEqual({ eligible: true, match: { specificity, skill } });
  });

  it('given an unreachable rep who is also switched off, when checked, then the reason is inactive (their own switch first)', () => {
    expect(checkEligibility(rep('ana', { active: false, unreachable: bounced }), munichLead, MONDAY_10_UTC)).toEqual({ eligible: false, reason: 'inactive' });
  });

  it('given a rep switched off by an admin who is also unavailable and unreachable, when checked, then the reason is disabled (the admin switch first)', () => {
    expect(checkEligibility(rep('ana', { disabled: true, active: false, unreachable: bounced }), munichLead, MONDAY_10_UTC)).toEqual({ eligible: false, reason: 'disabled' });
  });

  it('given an unreachable rep who would be the best match, when the team is ranked, then they are skipped and the next rep is first in line', () => {
    const roster = [
      rep('ana', { unreachable: bounced, territory: { countries: ['DE'], postalPrefixes: ['803'] }, products: ['CRM'], languages: ['de'] }),
      rep('ben'),
    ];

    const ranking = rankCandidates(munichLead, { id: 'sales', strategy: 'best-match' }, roster, MONDAY_10_UTC);

    expect(ranking.order).toEqual(['ben']);
    expect(ranking.candidates).toContainEqual({ repId: 'ana', name: 'ana', eligible: false, reason: 'unreachable' });
  });

  it('given the language only in a custom form field, when checked, then it is used', () => {
    const byField = lead({}, { fields: { language: 'FR' } });
    expect(checkEligibility(rep('ana', { languages: ['de'] }), byField, MONDAY_10_UTC)).toEqual({ eligible: false, reason: 'lacks-language' });
  });
});

describe('RepProfileSchema', () => {
  it('given a stored rep marked unreachable, when parsed, then the mark is kept; without a reason it is rejected naming the field', () => {
    const stored = { id: 'ana', name: 'Ana', email: 'ana@example.com', teamId: 'sales', capacity: 3 };

    expect(RepProfileSchema.parse({ ...stored, unreachable: bounced }).unreachable).toEqual(bounced);
    const { reason: _reason, ...withoutReason } = bounced;
    const result = RepProfileSchema.safeParse({ ...stored, unreachable: withoutReason });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['unreachable.reason']);
  });

  it('given a stored rep with only the essentials, when parsed, then the defaults are filled in', () => {
    const parsed = RepProfileSchema.parse({ id: 'ana', name: 'Ana', email: 'ana@example.com', teamId: 'sales', capacity: 3 });
    expect(parsed).toMatchObject({ active: true, openLeads: 0, weight: 1, products: [], languages: [], timeZone: 'UTC' });
    expect(parsed.lastOfferedAt).toBe('1970-01-01T00:00:00.000Z');
  });

  it('given an unknown time zone, when parsed, then it is rejected naming the field', () => {
    const result = RepProfileSchema.safeParse({ id: 'a', name: 'A', email: 'a@x.io', teamId: 's', capacity: 1, timeZone: 'Mars/Olympus' });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['timeZone']);
  });
});
