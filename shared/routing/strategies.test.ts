import { describe, expect, it } from 'vitest';
import type { RepMatch, RepProfile } from './eligibility.ts';
import { nextVirtualTime, orderCandidates, teamVirtualTime } from './strategies.ts';
import { rep } from './test-fixtures.ts';

const noMatch: RepMatch = { specificity: 0, skill: 0 };
const candidates = (reps: RepProfile[], matches: Record<string, RepMatch> = {}) => reps.map((r) => ({ rep: r, match: matches[r.id] ?? noMatch }));
const order = (strategy: Parameters<typeof orderCandidates>[0], reps: RepProfile[], matches?: Record<string, RepMatch>) =>
  orderCandidates(strategy, candidates(reps, matches), { roster: reps });

describe('orderCandidates', () => {
  it('given round robin, then the rep offered longest ago comes first and equal times go by id', () => {
    const reps = [
      rep('c', { lastOfferedAt: '2026-03-02T10:00:00Z' }),
      rep('b', { lastOfferedAt: '2026-03-02T09:00:00.000Z' }),
      rep('a', { lastOfferedAt: '2026-03-02T10:00:00.000Z' }),
      rep('d'),
    ];
    expect(order('round-robin', reps)).toEqual(['d', 'b', 'a', 'c']);
  });

  it('given weighted round robin, then the smallest virtual start comes first, then last offer, then id', () => {
    const reps = [
      rep('a', { virtualTime: 3 }),
      rep('b', { virtualTime: 2, lastOfferedAt: '2026-03-02T10:00:00Z' }),
      rep('c', { virtualTime: 2, lastOfferedAt: '2026-03-02T09:00:00Z' }),
      rep('d', { virtualTime: 4, weight: 0.5 }),
    ];
    expect(order('weighted-round-robin', reps)).toEqual(['c', 'b', 'a', 'd']);
  });

  it('given weighted round robin and a rep back from leave with a stale virtual time, then they start at the team clock', () => {
    const reps = [
      rep('a', { virtualTime: 41, lastOfferedAt: '2026-03-02T09:30:00Z' }),
      rep('b', { virtualTime: 40, lastOfferedAt: '2026-03-02T09:00:00Z' }),
      rep('back', { virtualTime: 2, lastOfferedAt: '2026-01-01T00:00:00Z' }),
    ];
    expect(teamVirtualTime(reps)).toBe(40);
    expect(order('weighted-round-robin', reps)).toEqual(['back', 'b', 'a']);
    expect(nextVirtualTime(reps[2]!, reps)).toBe(41);
  });

  it('given weighted round robin, when a rep of weight 4 is offered a lead, then their virtual time advances by a quarter', () => {
    const heavy = rep('h', { weight: 4, virtualTime: 10 });
    expect(nextVirtualTime(heavy, [heavy, rep('l', { virtualTime: 11 })])).toBe(10.25);
  });

  it('given a team that never used weights, then the clock is 0 and everyone starts there', () => {
    const reps = [rep('a'), rep('b')];
    expect(nextVirtualTime(reps[0]!, reps)).toBe(1);
  });

  it('given least loaded, then the lowest share of capacity comes first, and equal shares rotate', () => {
    const reps = [
      rep('half', { openLeads: 2, capacity: 4 }),
      rep('third', { openLeads: 1, capacity: 3 }),
      rep('also-third', { openLeads: 2, capacity: 6, lastOfferedAt: '2026-01-01T00:00:00Z' }),
      rep('empty', { openLeads: 0, capacity: 1 }),
    ];
    expect(order('least-loaded', reps)).toEqual(['empty', 'third', 'also-third', 'half']);
  });

  it('given best match, then the most specific territory leads, then skill, then rotation among equals', () => {
    const reps = [rep('general'), rep('country'), rep('postal-a', { lastOfferedAt: '2026-03-02T09:00:00Z' }), rep('postal-b'), rep('postal-skilled')];
    const matches = {
      country: { specificity: 10, skill: 2 },
      'postal-a': { specificity: 102, skill: 0 },
      'postal-b': { specificity: 102, skill: 0 },
      'postal-skilled': { specificity: 102, skill: 1 },
    };
    expect(order('best-match', reps, matches)).toEqual(['postal-skilled', 'postal-b', 'postal-a', 'country', 'general']);
  });

  it.each(['round-robin', 'weighted-round-robin', 'least-loaded', 'best-match'] as const)(
    'given %s and the same reps in another order, then the offer order is the same',
    (strategy) => {
      const reps = [rep('b'), rep('a', { openLeads: 1 }), rep('c', { virtualTime: 1 })];
      expect(order(strategy, [...reps].reverse())).toEqual(order(strategy, reps));
    },
  );
});
