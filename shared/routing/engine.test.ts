import { describe, expect, it } from 'vitest';
import type { RuleConditions } from './config-schema.ts';
import { classifyLead, explain, rankCandidates } from './engine.ts';
import { config, exampleConfig, lead, MONDAY_10_UTC, rep } from './test-fixtures.ts';

describe('classifyLead', () => {
  const routing = config(exampleConfig);

  it('given a cold lead, when classified, then it goes to marketing without looking at rules', () => {
    const result = classifyLead(lead({ email: undefined, product: 'ERP', country: 'DE' }), routing);
    expect(result).toMatchObject({ tier: 'cold', score: 0, department: 'marketing', via: { kind: 'cold-to-marketing' } });
    expect(result.teamId).toBeUndefined();
  });

  it('given a lead two rules match, when classified, then the first rule wins', () => {
    const result = classifyLead(lead({ source: 'ads', product: 'erp', country: 'DE' }, { fields: { segment: 'Enterprise' } }), routing);
    expect(result).toMatchObject({ tier: 'hot', department: 'sales', teamId: 'enterprise', via: { kind: 'rule', index: 0, name: 'Enterprise deals' } });
  });

  it('given a rule conditioned on tier, when the lead is only warm, then the next rule is tried', () => {
    const result = classifyLead(lead({ product: 'ERP', country: 'AT' }, { fields: { segment: 'enterprise' } }), routing);
    expect(result).toMatchObject({ tier: 'warm', teamId: 'enterprise', via: { kind: 'rule', index: 1 } });
  });

  it('given no rule matches and a franchisee covers the postcode, when classified, then that franchisee gets it', () => {
    const result = classifyLead(lead({ country: 'DE', postalCode: '80331' }), routing);
    expect(result).toMatchObject({ teamId: 'south', via: { kind: 'franchise-territory', franchiseeId: 'south', specificity: 101 } });
  });

  it.each([
    ['a postcode no franchisee covers', { country: 'DE', postalCode: '50667' }],
    ['a country no franchisee covers', { country: 'FR', postalCode: '75001' }],
    ['no location at all', {}],
  ])('given %s, when classified, then the default team gets it', (_name, contact) => {
    expect(classifyLead(lead(contact), routing)).toMatchObject({ teamId: 'inside-sales', via: { kind: 'default-team' } });
  });

  it('given no default team configured, when nothing claims a lead, then the first plain team (not a franchisee) gets it', () => {
    const [, , north, south] = exampleConfig.teams;
    const routingWithoutDefault = config({ teams: [north!, south!, { id: 'hq', name: 'HQ', managerEmail: 'hq@acme.example' }] });
    expect(classifyLead(lead({ country: 'FR' }), routingWithoutDefault)).toMatchObject({ teamId: 'hq', via: { kind: 'default-team' } });
  });

  const teams = [
    { id: 'hit', name: 'Hit', managerEmail: 'hit@acme.example' },
    { id: 'miss', name: 'Miss', managerEmail: 'miss@acme.example' },
  ];
  const hotLead = lead(
    { source: 'Ads', product: 'ERP', country: 'AT', region: 'TIROL', postalCode: '6020' },
    { fields: { segment: 'enterprise', budget: '50k' } },
  );
  it.each<{ condition: string; when: RuleConditions; matches: boolean }>([
    { condition: 'products (any case)', when: { products: ['crm', 'erp'] }, matches: true },
    { condition: 'products', when: { products: ['CRM'] }, matches: false },
    { condition: 'countries', when: { countries: ['AT'] }, matches: true },
    { condition: 'countries', when: { countries: ['DE'] }, matches: false },
    { condition: 'regions (any case)', when: { regions: ['Tirol'] }, matches: true },
    { condition: 'regions', when: { regions: ['Wien'] }, matches: false },
    { condition: 'postal prefixes', when: { postalPrefixes: ['60'] }, matches: true },
    { condition: 'postal prefixes', when: { postalPrefixes: ['50'] }, matches: false },
    { condition: 'tiers', when: { tiers: ['hot'] }, matches: true },
    { condition: 'tiers', when: { tiers: ['warm'] }, matches: false },
    { condition: 'sources (any case)', when: { sources: ['ADS'] }, matches: true },
    { condition: 'sources', when: { sources: ['web'] }, matches: false },
    { condition: 'custom fields (any case)', when: { fields: { segment: ['Enterprise'], budget: ['50K'] } }, matches: true },
    { condition: 'custom fields, one of two failing', when: { fields: { segment: ['enterprise'], budget: ['10k'] } }, matches: false },
    { condition: 'a custom field the lead lacks', when: { fields: { industry: ['retail'] } }, matches: false },
    { condition: 'several kinds, all holding', when: { products: ['ERP'], countries: ['AT'], tiers: ['hot'] }, matches: true },
    { condition: 'several kinds, one failing', when: { products: ['ERP'], countries: ['DE'], tiers: ['hot'] }, matches: false },
    { condition: 'nothing (a catch-all)', when: {}, matches: true },
  ])('given a rule on $condition, then matches=$matches', ({ when, matches }) => {
    const routing = config({
      teams,
      defaultTeam: 'miss',
      rules: [{ name: 'r', when, team: 'hit' }],
      scoring: { sourcePoints: { ads: 50 }, tiers: { hot: 50, warm: 0 } },
    });
    expect(classifyLead(hotLead, routing).teamId).toBe(matches ? 'hit' : 'miss');
  });

  it('given a lead without a product, when a rule requires products, then the rule does not match', () => {
    const routing = config({ teams, defaultTeam: 'miss', rules: [{ name: 'r', when: { products: ['ERP'] }, team: 'hit' }] });
    expect(classifyLead(lead(), routing).teamId).toBe('miss');
  });
});

describe('rankCandidates', () => {
  const team = { id: 'sales', strategy: 'round-robin' as const };

  it('given a mixed roster, when ranked, then every rep appears once: eligible ones by rank, skipped ones by id with a reason', () => {
    const roster = [
      rep('zed', { lastOfferedAt: '2026-03-02T09:00:00Z' }),
      rep('cid', { active: false }),
      rep('amy', { lastOfferedAt: '2026-03-02T08:00:00Z' }),
      rep('bob', { openLeads: 5 }),
      rep('eve'),
    ];
    const ranking = rankCandidates(lead({}, { excludedReps: ['eve'] }), team, roster, MONDAY_10_UTC);
    expect(ranking.order).toEqual(['amy', 'zed']);
    expect(ranking.candidates).toEqual([
      { repId: 'amy', name: 'amy', eligible: true, rank: 1 },
      { repId: 'zed', name: 'zed', eligible: true, rank: 2 },
      { repId: 'bob', name: 'bob', eligible: false, reason: 'at-capacity' },
      { repId: 'cid', name: 'cid', eligible: false, reason: 'inactive' },
      { repId: 'eve', name: 'eve', eligible: false, reason: 'passed-before' },
    ]);
  });

  it('given best match, when ranked, then the rep with the narrowest territory is offered first', () => {
    const roster = [rep('country', { territory: { countries: ['DE'] } }), rep('postal', { territory: { countries: ['DE'], postalPrefixes: ['80'] } })];
    const ranking = rankCandidates(lead({ country: 'DE', postalCode: '80331' }), { id: 'sales', strategy: 'best-match' }, roster, MONDAY_10_UTC);
    expect(ranking.order).toEqual(['postal', 'country']);
  });

  it('given an empty roster, when ranked, then nobody is in line', () => {
    expect(rankCandidates(lead(), team, [], MONDAY_10_UTC)).toEqual({ order: [], candidates: [] });
  });
});

describe('explain', () => {
  const routing = config(exampleConfig);

  it('given a routed decision, when explained, then it reads tier, route and each candidate', () => {
    const facts = lead({ source: 'ads', product: 'ERP', country: 'DE' });
    const classification = classifyLead(facts, routing);
    const roster = [
      rep('ana', { name: 'Ana', workingHours: { sun: [['09:00', '17:00']] } }),
      rep('ben', { name: 'Ben' }),
      rep('cem', { name: 'Cem', lastOfferedAt: '2026-03-02T09:00:00Z' }),
    ];
    const ranking = rankCandidates(facts, { id: 'enterprise', strategy: 'best-match' }, roster, MONDAY_10_UTC);
    expect(explain({ classification, ranking, offeredTo: 'ben' })).toEqual([
      'tier hot (score 60: +50 source ads, +10 email given)',
      "rule 2 'DACH ERP' → team enterprise",
      'Ben: offered',
      'Cem: eligible, #2 in line',
      'Ana: skipped (outside working hours)',
    ]);
  });

  it('given a cold lead, when explained, then it says marketing and lists no candidates', () => {
    const classification = classifyLead(lead({ email: undefined }), routing);
    expect(explain({ classification })).toEqual(['tier cold (score 0: no points)', 'cold → marketing']);
  });

  it('given a large roster where nobody is eligible, when explained, then the rest is summed up by reason', () => {
    const classification = classifyLead(lead({ country: 'DE', postalCode: '10115' }), routing);
    const roster = Array.from({ length: 5 }, (_, i) => rep(`r${i}`, { active: i % 2 === 0 ? false : true, openLeads: 5 }));
    const ranking = rankCandidates(lead(), { id: 'north', strategy: 'weighted-round-robin' }, roster, MONDAY_10_UTC);
    expect(explain({ classification, ranking }, { maxCandidates: 2 })).toEqual([
      'tier warm (score 10: +10 email given)',
      'territory of franchisee north covers the lead → team north',
      'r0: skipped (inactive)',
      'r1: skipped (at capacity)',
      '… and 3 more: 2 inactive, 1 at capacity',
      'nobody eligible → waits in the team queue',
    ]);
  });
});
