import { describe, expect, it } from 'vitest';
import { ScoringSchema, type Scoring } from './config-schema.ts';
import { parseSize, scoreLead } from './scoring.ts';
import { lead } from './test-fixtures.ts';

const scoring: Scoring = ScoringSchema.parse({
  sourcePoints: { Ads: 30, newsletter: 5 },
  productPoints: { crm: 20 },
  fieldPresentPoints: { phone: 10, company: 5 },
  companySize: { field: 'employees', bands: [{ min: 0, points: 0 }, { min: 50, points: 10 }, { min: 500, points: 25 }] },
  priority: { field: 'priority', values: { urgent: 40, low: -10 } },
  fieldValuePoints: [{ field: 'industry', values: { retail: 7 } }],
  tiers: { hot: 60, warm: 20 },
});

describe('scoreLead', () => {
  const phoneFlag = { field: 'phone', issue: 'invalid', given: '555-0100', problem: 'must be a phone number valid in US, or one with its +country code' } as const;
  const countryFlag = { field: 'country', issue: 'invalid', given: 'Atlantis', problem: 'must be an ISO 3166 country code such as DE, or a country name' } as const;

  it('given a lead kept with two malformed fields and no penalty configured, when scored, then each flagged field takes off the default 5 points with its reason', () => {
    const result = scoreLead(lead({ source: 'ads' }, { quality: [phoneFlag, countryFlag] }), scoring);

    expect(result.reasons).toEqual([
      { points: 30, why: 'source ads' },
      { points: -5, why: 'phone as given is not a valid number' },
      { points: -5, why: 'country as given is not a country we know' },
    ]);
    expect(result).toMatchObject({ score: 20, tier: 'warm' });
  });

  it.each([
    { penalty: 12, score: 18, tier: 'cold' },
    { penalty: 0, score: 30, tier: 'warm' },
  ])('given a flaggedFieldPenalty of $penalty, when a lead with a flagged phone is scored, then it scores $score ($tier)', ({ penalty, score, tier }) => {
    const result = scoreLead(lead({ source: 'ads' }, { quality: [phoneFlag] }), ScoringSchema.parse({ ...scoring, flaggedFieldPenalty: penalty }));

    expect(result).toMatchObject({ score, tier });
    if (penalty === 0) expect(result.reasons).toEqual([{ points: 30, why: 'source ads' }]);
  });

  it('given a flagged phone the lead has since got a good number for, when scored, then the flag costs nothing', () => {
    const result = scoreLead(lead({ source: 'ads', phone: '+4930123456' }, { quality: [phoneFlag] }), scoring);

    expect(result.reasons).toEqual([
      { points: 30, why: 'source ads' },
      { points: 10, why: 'phone given' },
    ]);
  });

  it('given a negative or fractional penalty, when the scoring is validated, then it is refused', () => {
    expect(ScoringSchema.safeParse({ ...scoring, flaggedFieldPenalty: -5 }).success).toBe(false);
    expect(ScoringSchema.safeParse({ ...scoring, flaggedFieldPenalty: 2.5 }).success).toBe(false);
  });

  it('given a lead matching every kind of rule, when scored, then each rule adds its points with a reason', () => {
    const result = scoreLead(
      lead({ source: 'ads', product: 'CRM', phone: '+49 30 1234567', company: 'Acme' }, {
        fields: { employees: '1,200', priority: 'URGENT', industry: 'Retail' },
      }),
      scoring,
    );
    expect(result.reasons).toEqual([
      { points: 30, why: 'source ads' },
      { points: 20, why: 'product CRM' },
      { points: 10, why: 'phone given' },
      { points: 5, why: 'company given' },
      { points: 25, why: 'employees 1200 (≥ 500)' },
      { points: 40, why: 'priority URGENT' },
      { points: 7, why: 'industry Retail' },
    ]);
    expect(result).toMatchObject({ score: 137, tier: 'hot' });
  });

  it.each([
    { name: 'at the hot threshold', contact: { source: 'ads', product: 'crm', phone: '+4930123456' }, score: 60, tier: 'hot' },
    { name: 'just below hot', contact: { source: 'ads', product: 'crm', company: 'A' }, score: 55, tier: 'warm' },
    { name: 'at the warm threshold', contact: { product: 'crm' }, score: 20, tier: 'warm' },
    { name: 'below warm', contact: { source: 'newsletter' }, score: 5, tier: 'cold' },
  ] as const)('given a lead $name, when scored, then it is $tier', ({ contact, score, tier }) => {
    expect(scoreLead(lead(contact), scoring)).toMatchObject({ score, tier });
  });

  it('given negative priority points, when scored, then they lower the score', () => {
    expect(scoreLead(lead({ product: 'crm' }, { fields: { priority: 'low' } }), scoring)).toMatchObject({ score: 10, tier: 'cold' });
  });

  it('given a custom field named like a contact field, when scored, then the contact field wins', () => {
    expect(scoreLead(lead({ source: 'ads' }, { fields: { source: 'newsletter' } }), scoring).reasons[0]).toEqual({
      points: 30,
      why: 'source ads',
    });
  });

  it('given a value no rule knows, when scored, then it adds nothing and gives no reason', () => {
    expect(scoreLead(lead({ source: 'radio' }, { fields: { employees: 'many' } }), scoring)).toEqual({
      score: 0,
      tier: 'cold',
      reasons: [],
    });
  });
});

describe('parseSize', () => {
  it.each([
    ['250', 250],
    ['1,000', 1000],
    ['1.000', 1000],
    ['50-200', 50],
    ['about 40 people', 40],
    ['2.5', 2.5],
    ['n/a', undefined],
  ])('given "%s", then the size is %s', (raw, size) => {
    expect(parseSize(raw)).toBe(size);
  });
});
