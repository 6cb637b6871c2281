import { describe, expect, it } from 'vitest';
import { describeDiff, diffFranchiseMaps } from './franchise-diff.ts';
import type { FranchiseMap } from './franchise-map.ts';

const before: FranchiseMap = {
  franchisees: [
    { id: 'austin-solar', name: 'Sunridge Austin', managerEmail: 'a@x.example.com' },
    { id: 'dallas-solar', name: 'Sunridge Dallas', managerEmail: 'd@x.example.com' },
    { id: 'houston', name: 'Sunridge Houston', managerEmail: 'h@x.example.com' },
  ],
  territories: [
    { franchisee: 'austin-solar', area: { kind: 'postal', country: 'US', prefix: '787' } },
    { franchisee: 'austin-solar', area: { kind: 'postal', country: 'US', prefix: '786' } },
    { franchisee: 'dallas-solar', area: { kind: 'region', country: 'US', region: 'Texas' } },
    { franchisee: 'houston', area: { kind: 'postal', country: 'US', prefix: '770' } },
  ],
};

const after: FranchiseMap = {
  franchisees: [
    { id: 'austin-solar', name: 'Sunridge Austin', managerEmail: 'a@x.example.com' },
    { id: 'dallas-solar', name: 'Sunridge Dallas & Fort Worth', managerEmail: 'dfw@x.example.com' },
    { id: 'san-antonio', name: 'Sunridge San Antonio', managerEmail: 's@x.example.com' },
  ],
  territories: [
    { franchisee: 'dallas-solar', area: { kind: 'postal', country: 'US', prefix: '787' } },
    { franchisee: 'austin-solar', area: { kind: 'postal', country: 'US', prefix: '786' } },
    { franchisee: 'dallas-solar', area: { kind: 'region', country: 'US', region: 'texas' } },
    { franchisee: 'san-antonio', area: { kind: 'postal', country: 'US', prefix: '782' } },
    { franchisee: 'san-antonio', area: { kind: 'country', country: 'MX' } },
  ],
};

describe('diffFranchiseMaps', () => {
  it('given an area changing hands, one new, one gone and franchisees renamed, added and removed, when diffed, then each is named once', () => {
    expect(diffFranchiseMaps(before, after)).toEqual({
      moved: [{ area: { kind: 'postal', country: 'US', prefix: '787' }, from: 'austin-solar', to: 'dallas-solar' }],
      added: [
        { area: { kind: 'postal', country: 'US', prefix: '782' }, to: 'san-antonio' },
        { area: { kind: 'country', country: 'MX' }, to: 'san-antonio' },
      ],
      removed: [{ area: { kind: 'postal', country: 'US', prefix: '770' }, from: 'houston' }],
      franchisees: { added: ['san-antonio'], removed: ['houston'], changed: [{ id: 'dallas-solar', fields: ['name', 'managerEmail'] }] },
    });
  });

  it('given nothing imported before, when diffed, then every area and franchisee is added', () => {
    const diff = diffFranchiseMaps(undefined, before);

    expect(diff.added).toHaveLength(4);
    expect(diff.moved).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.franchisees).toEqual({ added: ['austin-solar', 'dallas-solar', 'houston'], removed: [], changed: [] });
  });

  it('given the same map, when diffed and described, then nothing changes', () => {
    expect(describeDiff(diffFranchiseMaps(before, before))).toEqual(['no changes']);
  });
});

describe('describeDiff', () => {
  it('given a diff, when described, then franchisees come first, then each area from holder to holder, then the counts', () => {
    expect(describeDiff(diffFranchiseMaps(before, after))).toEqual([
      'franchisee san-antonio: new',
      'franchisee houston: removed',
      'franchisee dallas-solar: name and managerEmail changed',
      'postal prefix 787 in US: austin-solar → dallas-solar',
      'postal prefix 782 in US: none → san-antonio',
      'all of MX: none → san-antonio',
      'postal prefix 770 in US: houston → none',
      'territories: 1 moved, 2 added, 1 removed; franchisees: 1 added, 1 removed, 1 changed',
    ]);
  });

  it('given more changes than the limit, when described, then the rest are counted', () => {
    const lines = describeDiff(diffFranchiseMaps(before, after), 2);

    expect(lines).toEqual([
      'franchisee san-antonio: new',
      'franchisee houston: removed',
      '… and 5 more',
      'territories: 1 moved, 2 added, 1 removed; franchisees: 1 added, 1 removed, 1 changed',
    ]);
  });
});
