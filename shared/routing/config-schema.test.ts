import { describe, expect, it } from 'vitest';
import { RoutingConfigSchema, type RoutingConfigInput } from './config-schema.ts';
import { scoreLead } from './scoring.ts';
import { exampleConfig, lead } from './test-fixtures.ts';

const team = (id: string, over: Record<string, unknown> = {}) => ({ id, name: id, managerEmail: `${id}@acme.example`, ...over });
const franchisee = (id: string, territory: Record<string, unknown>) => team(id, { kind: 'franchisee', territory });

const issues = (input: unknown) => {
  const result = RoutingConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('RoutingConfigSchema', () => {
  it('given the example company and franchise, when parsed, then it is valid', () => {
    expect(issues(exampleConfig)).toEqual([]);
  });

  it('given only a team, when parsed, then every default is filled in', () => {
    const parsed = RoutingConfigSchema.parse({ teams: [team('sales')] });
    expect(parsed.teams[0]).toMatchObject({ kind: 'team', strategy: 'round-robin' });
    expect(parsed).toMatchObject({
      rules: [],
      maxAttempts: 3,
      tiers: {
        hot: { acceptMinutes: 5, contactMinutes: 30 },
        warm: { acceptMinutes: 15, contactMinutes: 120 },
        cold: { acceptMinutes: 60, contactMinutes: 1440 },
      },
    });
  });

  it('given no scoring section, when a lead with an email or a phone is scored, then it is warm', () => {
    const { scoring } = RoutingConfigSchema.parse({ teams: [team('sales')] });
    expect(scoreLead(lead(), scoring).tier).toBe('warm');
    expect(scoreLead(lead({ email: undefined, phone: '+4930123456' }), scoring).tier).toBe('warm');
    expect(scoreLead(lead({ email: undefined }), scoring).tier).toBe('cold');
  });

  it('given one tier window partly set, when parsed, then the rest keeps that tier default', () => {
    const parsed = RoutingConfigSchema.parse({ teams: [team('sales')], tiers: { warm: { acceptMinutes: 10 } } });
    expect(parsed.tiers.warm).toEqual({ acceptMinutes: 10, contactMinutes: 120, remindMinutesBefore: 30 });
  });

  it.each<{ name: string; input: Partial<RoutingConfigInput> & Record<string, unknown>; expected: string }>([
    { name: 'no teams', input: { teams: [] }, expected: 'teams: Too small: expected array to have >=1 items' },
    { name: 'a duplicate team id', input: { teams: [team('a'), team('a')] }, expected: 'teams.1.id: duplicate team id "a"' },
    { name: 'an unknown default team', input: { teams: [team('a')], defaultTeam: 'b' }, expected: 'defaultTeam: no team with id "b"' },
    {
      name: 'a rule to an unknown team',
      input: { teams: [team('a')], rules: [{ name: 'x', when: {}, team: 'b' }] },
      expected: 'rules.0.team: no team with id "b"',
    },
    {
      name: 'a misspelt rule condition',
      input: { teams: [team('a')], rules: [{ name: 'x', when: { product: ['ERP'] } as never, team: 'a' }] },
      expected: 'rules.0.when: Unrecognized key: "product"',
    },
    {
      name: 'a bad country in a rule',
      input: { teams: [team('a')], rules: [{ name: 'x', when: { countries: ['Germany'] }, team: 'a' }] },
      expected: 'rules.0.when.countries.0: a two-letter ISO 3166 country code such as DE',
    },
    {
      name: 'a rule on cold leads',
      input: { teams: [team('a')], rules: [{ name: 'x', when: { tiers: ['warm', 'cold'] }, team: 'a' }] },
      expected: 'rules.0.when.tiers.1: cold leads always go to marketing and never reach the rules',
    },
    {
      name: 'a hot threshold below the warm one',
      input: { teams: [team('a')], scoring: { tiers: { hot: 10, warm: 20 } } },
      expected: 'scoring.tiers.hot: the hot threshold must be above the warm threshold',
    },
    {
      name: 'scoring values equal but for case',
      input: { teams: [team('a')], scoring: { sourcePoints: { Ads: 1, ads: 2 }, tiers: { hot: 2, warm: 1 } } },
      expected: 'scoring.sourcePoints.ads: same value as "Ads" when case is ignored',
    },
    {
      name: 'an accept window longer than the contact SLA',
      input: { teams: [team('a')], tiers: { hot: { acceptMinutes: 45 } } },
      expected: 'tiers.hot.acceptMinutes: the accept window cannot be longer than the contact SLA',
    },
    {
      name: 'a reminder as early as the lead arrives',
      input: { teams: [team('a')], tiers: { warm: { contactMinutes: 20, remindMinutesBefore: 20 } } },
      expected: 'tiers.warm.remindMinutesBefore: the reminder must come after the lead arrives: less than contactMinutes',
    },
    {
      name: 'business hours without a single shift',
      input: { teams: [team('a', { businessHours: { timeZone: 'Europe/Berlin', hours: {} } })] },
      expected: 'teams.0.businessHours.hours: business hours need at least one shift',
    },
    {
      name: 'business hours in an unknown zone',
      input: { teams: [team('a', { businessHours: { timeZone: 'Mars/Olympus', hours: { mon: [['09:00', '17:00']] } } })] },
      expected: 'teams.0.businessHours.timeZone: an IANA time zone such as Europe/Berlin',
    },
    {
      name: 'an unknown missed-contact policy',
      input: { teams: [team('a', { onMissedContact: 'drop' as never })] },
      expected: 'teams.0.onMissedContact: Invalid option: expected one of "keep"|"reassign"',
    },
    {
      name: 'a franchisee without a territory',
      input: { teams: [team('hq'), team('f', { kind: 'franchisee' })] },
      expected: 'teams.1.territory: a franchisee needs an exclusive territory',
    },
    {
      name: 'two franchisees with nested postal prefixes',
      input: {
        teams: [team('hq'), franchisee('north', { countries: ['DE'], postalPrefixes: ['1', '2'] }), team('x'), franchisee('berlin', { countries: ['DE'], postalPrefixes: ['10'] })],
      },
      expected: 'teams.3.territory.postalPrefixes.0: postal prefix "10" in DE overlaps postal prefix "1" in DE of franchisee "north" (teams.1.territory.postalPrefixes.0)',
    },
    {
      name: 'two franchisees claiming the same whole country',
      input: { teams: [franchisee('de', { countries: ['DE'] }), franchisee('dach', { countries: ['AT', 'DE', 'CH'] })] },
      expected: 'teams.1.territory.countries.1: all of DE overlaps all of DE of franchisee "de" (teams.0.territory.countries.0)',
    },
    {
      name: 'a region inside another franchisee whole country',
      input: { teams: [franchisee('at', { countries: ['AT'] }), franchisee('tirol', { countries: ['AT'], regions: ['Tirol'] })] },
      expected: 'teams.1.territory.regions.0: region "tirol" in AT overlaps all of AT of franchisee "at" (teams.0.territory.countries.0)',
    },
  ])('given $name, when parsed, then the issue names the element', ({ input, expected }) => {
    expect(issues(input)).toEqual([expected]);
  });

  it('given franchisees with the same prefix in different countries, when parsed, then they do not overlap', () => {
    const input = { teams: [franchisee('de', { countries: ['DE'], postalPrefixes: ['80'] }), franchisee('at', { countries: ['AT'], postalPrefixes: ['80'] })] };
    expect(issues(input)).toEqual([]);
  });
});
