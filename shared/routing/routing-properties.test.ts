import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Strategies, type Strategy } from './config-schema.ts';
import { checkEligibility, type RepProfile } from './eligibility.ts';
import { rankCandidates } from './engine.ts';
import type { LeadFacts } from './lead-facts.ts';
import { nextVirtualTime } from './strategies.ts';
import { lead, rep } from './test-fixtures.ts';
import type { WorkingHours } from './working-hours.ts';

const START = Date.parse('2026-03-02T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const arbStrategy = fc.constantFrom<Strategy>(...Strategies);
const arbHours = fc.constantFrom<WorkingHours | undefined>(
  undefined,
  { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] },
  { mon: [['22:00', '06:00']], sun: [['00:00', '24:00']] },
);
const arbRep = (id: string) =>
  fc
    .record({
      active: fc.boolean(),
      capacity: fc.integer({ min: 0, max: 5 }),
      load: fc.integer({ min: 0, max: 5 }),
      weight: fc.integer({ min: 1, max: 5 }),
      products: fc.subarray(['crm', 'erp']),
      languages: fc.subarray(['de', 'en']),
      countries: fc.subarray(['DE', 'AT']),
      postalPrefixes: fc.subarray(['1', '80', '803']),
      timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'),
      workingHours: arbHours,
      away: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
      dailyCap: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      lastOffered: fc.integer({ min: 0, max: 3600 }),
      virtualTime: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    })
    .map(
      (r): RepProfile =>
        rep(id, {
          active: r.active,
          capacity: r.capacity,
          openLeads: Math.min(r.load, r.capacity),
          weight: r.weight,
          products: r.products,
          languages: r.languages,
          ...(r.countries.length || r.postalPrefixes.length ? { territory: { countries: r.countries, postalPrefixes: r.postalPrefixes } } : {}),
          timeZone: r.timeZone,
          ...(r.workingHours ? { workingHours: r.workingHours } : {}),
          ...(r.away !== undefined ? { outOfOfficeUntil: iso(START + r.away * 3_600_000) } : {}),
          ...(r.dailyCap !== undefined ? { dailyCap: r.dailyCap, dayKey: '2026-03-02', dayCount: 1 } : {}),
          lastOfferedAt: iso(START - r.lastOffered * 1000),
          ...(r.virtualTime !== undefined ? { virtualTime: r.virtualTime } : {}),
        }),
    );
const arbRoster = fc
  .uniqueArray(fc.constantFrom('ana', 'ben', 'cem', 'dia', 'eli', 'fay', 'gus', 'hal', 'ida', 'jon'), { maxLength: 10 })
  .chain((ids) => fc.tuple(...ids.map(arbRep)));
const arbLead = fc
  .record({
    product: fc.constantFrom(undefined, 'CRM', 'erp'),
    country: fc.constantFrom(undefined, 'DE', 'AT', 'FR'),
    postalCode: fc.constantFrom(undefined, '10115', '80331', '1010'),
    language: fc.constantFrom(undefined, 'de', 'en-GB'),
    excluded: fc.subarray(['ana', 'cem', 'eli']),
  })
  .map(({ excluded, ...contact }): LeadFacts => {
    const defined = Object.fromEntries(Object.entries(contact).filter(([, v]) => v !== undefined));
    return lead(defined, { excludedReps: excluded });
  });
const arbNow = fc.integer({ min: 0, max: 7 * 24 * 60 }).map((minutes) => new Date(START + minutes * 60_000));

/** Hands out `leads` leads one by one, writing each offer back to the roster as the store would. */
function simulate(roster: RepProfile[], strategy: Strategy, leads: number, from = 0, facts: LeadFacts = lead()): RepProfile[] {
  let current = roster;
  for (let i = 0; i < leads; i++) {
    const now = new Date(START + (from + i) * 1000);
    const [first] = rankCandidates(facts, { id: 'sales', strategy }, current, now).order;
    if (first === undefined) continue;
    current = current.map((r) =>
      r.id === first
        ? { ...r, openLeads: r.openLeads + 1, lastOfferedAt: now.toISOString(), virtualTime: nextVirtualTime(r, current) }
        : r,
    );
  }
  return current;
}

const countsOf = (before: RepProfile[], after: RepProfile[]) =>
  new Map(after.map((r) => [r.id, r.openLeads - (before.find((b) => b.id === r.id)?.openLeads ?? 0)]));

describe('routing properties', () => {
  it('given any roster, lead, time and strategy, when ranked, then only eligible reps are in line and everyone is accounted for', () => {
    fc.assert(
      fc.property(arbRoster, arbLead, arbNow, arbStrategy, (roster, facts, now, strategy) => {
        const ranking = rankCandidates(facts, { id: 'sales', strategy }, roster, now);
        const eligibleIds = roster.filter((r) => checkEligibility(r, facts, now).eligible).map((r) => r.id);
        expect([...ranking.order].sort()).toEqual(eligibleIds.sort());
        expect(ranking.candidates.map((c) => c.repId).sort()).toEqual(roster.map((r) => r.id).sort());
        for (const c of ranking.candidates) expect(c.eligible).toBe(ranking.order.includes(c.repId));
      }),
    );
  });

  it('given any roster and strategy, when the same input is ranked again or in another order, then the order is the same', () => {
    fc.assert(
      fc.property(arbRoster, arbLead, arbNow, arbStrategy, (roster, facts, now, strategy) => {
        const team = { id: 'sales', strategy };
        const once = rankCandidates(facts, team, roster, now);
        expect(rankCandidates(facts, team, roster, now)).toEqual(once);
        expect(rankCandidates(facts, team, [...roster].reverse(), now)).toEqual(once);
      }),
    );
  });

  it('given sequential assignments written back to the roster, then no rep ever exceeds capacity', () => {
    fc.assert(
      fc.property(arbRoster, arbStrategy, fc.integer({ min: 1, max: 60 }), (roster, strategy, leads) => {
        const after = simulate(roster, strategy, leads);
        for (const r of after) expect(r.openLeads).toBeLessThanOrEqual(r.capacity);
      }),
    );
  });

  it('given k equal reps under round robin, when N leads are handed out, then counts differ by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 100 }), fc.boolean(), (k, leads, weighted) => {
        const roster = Array.from({ length: k }, (_, i) => rep(`r${i}`, { capacity: 1000 }));
        const counts = [...countsOf(roster, simulate(roster, weighted ? 'weighted-round-robin' : 'round-robin', leads)).values()];
        expect(counts.reduce((a, b) => a + b, 0)).toBe(leads);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('given weights 1, 2 and 3, when 600 leads are handed out by weighted round robin, then shares match the weights within 2%', () => {
    const roster = [1, 2, 3].map((weight) => rep(`w${weight}`, { weight, capacity: 1000 }));
    const counts = countsOf(roster, simulate(roster, 'weighted-round-robin', 600));
    for (const r of roster) expect(Math.abs((counts.get(r.id) ?? 0) / 600 - r.weight / 6)).toBeLessThanOrEqual(0.02);
  });

  it('given any weights, when weighted round robin hands out 100 leads per unit of weight, then shares converge within 2%', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }), (weights) => {
        const roster = weights.map((weight, i) => rep(`r${i}`, { weight, capacity: 10_000 }));
        const total = weights.reduce((a, b) => a + b, 0);
        const counts = countsOf(roster, simulate(roster, 'weighted-round-robin', 100 * total));
        for (const r of roster) expect(Math.abs((counts.get(r.id) ?? 0) / (100 * total) - r.weight / total)).toBeLessThanOrEqual(0.02);
      }),
      { numRuns: 30 },
    );
  });

  it('given a rotation under way, when a rep joins mid-way, then they get at most one lead more than anyone else afterwards', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Strategy>('round-robin', 'weighted-round-robin', 'best-match'),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        (strategy, k, before, after) => {
          const team = simulate(Array.from({ length: k }, (_, i) => rep(`r${i}`, { capacity: 1000 })), strategy, before);
          const joined = [...team, rep('new', { capacity: 1000 })];
          const counts = countsOf(joined, simulate(joined, strategy, after, before));
          const newcomer = counts.get('new') ?? 0;
          for (const [id, n] of counts) if (id !== 'new') expect(newcomer).toBeLessThanOrEqual(n + 1);
        },
      ),
    );
  });

  it('given a rep away while the others rotated, when they come back, then they take a normal turn and no catch-up flood', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Strategy>('round-robin', 'weighted-round-robin'),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (strategy, k, warmUp, away, after) => {
          const all = Array.from({ length: k + 1 }, (_, i) => rep(`r${i}`, { capacity: 1000 }));
          const warmed = simulate(all, strategy, warmUp);
          const leave = simulate(warmed.map((r) => (r.id === 'r0' ? { ...r, active: false } : r)), strategy, away, warmUp);
          const back = leave.map((r) => (r.id === 'r0' ? { ...r, active: true } : r));
          const counts = countsOf(back, simulate(back, strategy, after, warmUp + away));
          const returner = counts.get('r0') ?? 0;
          for (const [id, n] of counts) if (id !== 'r0') expect(returner).toBeLessThanOrEqual(n + 1);
        },
      ),
    );
  });
});
