import { describe, expect, it } from 'vitest';
import { classifyLead } from '../routing/engine.ts';
import { config, lead } from '../routing/test-fixtures.ts';
import { FranchiseIndex } from './franchise-index.ts';
import type { FranchiseMap } from './franchise-map.ts';
import { RoutingConfigSource, type FranchiseMaps } from './routing-config-source.ts';

const austin: FranchiseMap = {
  franchisees: [
    { id: 'austin', name: 'Austin Solar', managerEmail: 'owner@austin.example.com' },
    { id: 'sales', name: 'Clashes with a team of the stack', managerEmail: 'x@example.com' },
  ],
  territories: [
    { franchisee: 'austin', area: { kind: 'postal', country: 'US', prefix: '787' } },
    { franchisee: 'sales', area: { kind: 'postal', country: 'US', prefix: '100' } },
  ],
};


/** A table's current map, as the cache hands it out, with the version under the test's control. */
function maps(initial: { version: number; map: FranchiseMap } | undefined) {
  let current = initial;
  const store: FranchiseMaps & { set(next: typeof current): void } = {
    get: async () => current && { version: current.version, value: FranchiseIndex.of(current.map) },
    forget: () => undefined,
    set: (next) => (current = next),
  };
  return store;
}

const base = config({
  franchiseeDefaults: { strategy: 'least-loaded', onMissedContact: 'reassign' },
  rules: [{ name: 'Referrals to sales', when: { sources: ['referral'] }, team: 'sales' }],
  scoring: { fieldPresentPoints: { phone: 60 }, tiers: { hot: 50, warm: 10 } },
});
const texan = lead({ phone: '+15125550100', country: 'US', postalCode: '78701' });

describe('RoutingConfigSource', () => {
  it('given no franchise map in the table, when refreshed, then the stack config is used as it is', async () => {
    const source = new RoutingConfigSource(base, maps(undefined));

    expect(await source.refresh()).toBe(base);
    expect(classifyLead(texan, source.current)).toMatchObject({ teamId: 'sales', via: { kind: 'default-team' } });
  });

  it('given a map, when refreshed, then its franchisees are teams with the franchisee defaults and a lead goes to the one holding its postal code', async () => {
    const current = await new RoutingConfigSource(base, maps({ version: 1, map: austin })).refresh();

    expect(current.teams.find((team) => team.id === 'austin')).toEqual({
      id: 'austin',
      name: 'Austin Solar',
      managerEmail: 'owner@austin.example.com',
      kind: 'franchisee',
      strategy: 'least-loaded',
      onMissedContact: 'reassign',
      whenAllPass: 'open-to-team',
    });
    expect(classifyLead(texan, current)).toMatchObject({ teamId: 'austin', via: { kind: 'franchise-territory', franchiseeId: 'austin', specificity: 103 } });
    // A team of the stack config keeps its own settings: a franchisee of that id is not added again.
    expect(current.teams.filter((team) => team.id === 'sales')).toEqual([base.teams[0]]);
  });

  it('given a map, when a rule matches the lead, then the rule still decides first', async () => {
    const current = await new RoutingConfigSource(base, maps({ version: 1, map: austin })).refresh();

    expect(classifyLead({ ...texan, fields: { source: 'referral' } }, current)).toMatchObject({ teamId: 'sales', via: { kind: 'rule' } });
  });

  it('given the same version twice, when refreshed, then the config is the same object; given a new version, then a new one routes by it', async () => {
    const table = maps({ version: 1, map: austin });
    const source = new RoutingConfigSource(base, table);
    const first = await source.refresh();
    expect(await source.refresh()).toBe(first);

    table.set({ version: 2, map: { ...austin, territories: [{ franchisee: 'austin', area: { kind: 'postal', country: 'US', prefix: '786' } }] } });
    const second = await source.refresh();
    expect(second).not.toBe(first);
    expect(classifyLead(texan, second)).toMatchObject({ teamId: 'sales', via: { kind: 'default-team' } });
  });
});
