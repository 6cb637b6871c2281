import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Strategies, type Strategy } from './config-schema.ts';
import type { RepProfile } from './eligibility.ts';
import { rankCandidates } from './engine.ts';
import type { LeadFacts } from './lead-facts.ts';
import { OfferLine, RosterIndex } from './roster-index.ts';
import { teamVirtualTime } from './strategies.ts';
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
// Spellings the eligibility check treats alike (case, spaces and dashes in postal prefixes), and
// some it does not, so the index is tried on both.
const PRODUCTS = ['crm', 'CRM', ' erp', 'erp', 'hr'];
const LANGUAGES = ['de', 'DE-at', 'en', 'en_GB', 'fr'];
const COUNTRIES = ['DE', 'de', 'AT', 'FR', 'DEU'];
const REGIONS = ['Bayern', 'bayern ', 'Tirol', 'Wien'];
const PREFIXES = ['1', '80', '803', '8-0', ' 10 1', 'a1', '-', 'É1'];

const arbTerritory = fc.oneof(
  fc.constant(undefined),
  fc.record({
    countries: fc.option(fc.subarray(COUNTRIES), { nil: undefined }),
    regions: fc.option(fc.subarray(REGIONS), { nil: undefined }),
    postalPrefixes: fc.option(fc.subarray(PREFIXES), { nil: undefined }),
  }),
  // More prefixes than the index gives buckets to one rep: such a rep is held apart.
  fc.constant({ countries: ['DE', 'AT', 'FR'], postalPrefixes: Array.from({ length: 100 }, (_, i) => String(i)) }),
);

/** True about `percent` times in a hundred: rosters where most reps can take a lead say more about the order. */
const often = (percent: number) => fc.integer({ min: 0, max: 99 }).map((n) => n < percent);

const arbRep = (id: string) =>
  fc
    .record({
      active: often(85),
      disabled: fc.option(often(30), { nil: undefined, freq: 2 }),
      unreachable: often(10),
      capacity: fc.integer({ min: 0, max: 5 }),
      load: fc.integer({ min: 0, max: 3 }),
      weight: fc.integer({ min: 1, max: 4 }),
      products: fc.subarray(PRODUCTS, { maxLength: 3 }),
      languages: fc.subarray(LANGUAGES, { maxLength: 2 }),
      territory: arbTerritory,
      timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'),
      workingHours: fc.option(arbHours, { nil: undefined, freq: 1 }),
      away: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined, freq: 3 }),
      dailyCap: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined, freq: 3 }),
      lastOffered: fc.integer({ min: 0, max: 20 }),
      badLastOffered: fc.boolean(),
      virtualTime: fc.option(fc.integer({ min: 0, max: 40 }).map((n) => n / 4), { nil: undefined }),
    })
    .map(
      (r): RepProfile =>
        rep(id, {
          active: r.active,
          ...(r.disabled !== undefined ? { disabled: r.disabled } : {}),
          ...(r.unreachable ? { unreachable: { since: iso(START), reason: 'bounce', address: `${id}@example.com`, feedbackId: 'f' } } : {}),
          capacity: r.capacity,
          openLeads: Math.min(r.load, r.capacity),
          weight: r.weight,
          products: r.products,
          languages: r.languages,
          ...(r.territory ? { territory: Object.fromEntries(Object.entries(r.territory).filter(([, v]) => v !== undefined)) } : {}),
          timeZone: r.timeZone,
          ...(r.workingHours ? { workingHours: r.workingHours } : {}),
          ...(r.away !== undefined ? { outOfOfficeUntil: iso(START + r.away * 3_600_000) } : {}),
          ...(r.dailyCap !== undefined ? { dailyCap: r.dailyCap, dayKey: '2026-03-02', dayCount: 1 } : {}),
          // Few distinct times, so ties fall to the rep id.
          lastOfferedAt: r.badLastOffered ? 'not a time' : iso(START - r.lastOffered * 60_000),
          ...(r.virtualTime !== undefined ? { virtualTime: r.virtualTime } : {}),
        }),
    );

const IDS = Array.from({ length: 30 }, (_, i) => `rep-${String(i).padStart(2, '0')}`);
const arbRoster = fc.uniqueArray(fc.constantFrom(...IDS), { maxLength: 30 }).chain((ids) => fc.tuple(...ids.map(arbRep)));
const arbLead = fc
  .record({
    product: fc.constantFrom(undefined, 'CRM', 'erp', 'Hr ', 'pos'),
    country: fc.constantFrom(undefined, 'DE', 'de', 'AT', 'FR', 'DEU'),
    region: fc.constantFrom(undefined, 'Bayern', 'TIROL', 'Hessen'),
    postalCode: fc.constantFrom(undefined, '10115', '80331', '8 03-31', 'A1', 'É12'),
    language: fc.constantFrom(undefined, 'de', 'en-GB', 'fr'),
    excluded: fc.subarray(IDS.slice(0, 6)),
  })
  .map(({ excluded, ...contact }): LeadFacts => {
    const defined = Object.fromEntries(Object.entries(contact).filter(([, v]) => v !== undefined));
    return lead(defined, { excludedReps: excluded });
  });
const arbNow = fc.integer({ min: 0, max: 7 * 24 * 60 }).map((minutes) => new Date(START + minutes * 60_000));

const everyone = (line: OfferLine) => line.take(Number.POSITIVE_INFINITY).map((candidate) => candidate.rep.id);
const naiveOrder = (facts: LeadFacts, strategy: Strategy, roster: readonly RepProfile[], now: Date) =>
  rankCandidates(facts, { id: 'sales', strategy }, roster, now).order;

describe('OfferLine over a RosterIndex', () => {
  it('given any roster, lead, strategy and time, when the line is walked to its end, then it gives exactly the eligible reps in the order checking every rep and sorting gives', () => {
    fc.assert(
      fc.property(arbRoster, arbLead, arbNow, arbStrategy, (roster, facts, now, strategy) => {
        const index = new RosterIndex(roster);
        expect(everyone(new OfferLine(index, facts, strategy, now))).toEqual(naiveOrder(facts, strategy, roster, now));
      }),
      { numRuns: 800 },
    );
  });

  it('given an index changed rep by rep (reps added, changed, taken out), when walked, then it gives what a fresh check of the roster as it is now gives, and keeps the team clock', () => {
    fc.assert(
      fc.property(
        arbRoster,
        fc.array(fc.tuple(fc.constantFrom(...IDS), fc.option(arbRep('x'), { nil: undefined })), { maxLength: 20 }),
        arbLead,
        arbNow,
        arbStrategy,
        (roster, changes, facts, now, strategy) => {
          const index = new RosterIndex(roster);
          // Every order built before the changes, so each change goes through every list.
          for (const s of Strategies) new OfferLine(index, facts, s, now).next();
          const current = new Map(roster.map((r) => [r.id, r]));
          for (const [id, changed] of changes) {
            if (changed === undefined) {
              index.remove(id);
              current.delete(id);
            } else {
              index.put({ ...changed, id, name: id });
              current.set(id, { ...changed, id, name: id });
            }
          }
          const now_ = [...current.values()];
          expect(index.virtualClock).toBe(teamVirtualTime(now_));
          expect(index.reps().map((r) => r.id)).toEqual([...current.keys()].sort());
          expect(everyone(new OfferLine(index, facts, strategy, now))).toEqual(naiveOrder(facts, strategy, now_, now));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('given a walk begun and the first rep read afresh meanwhile, when the walk goes on, then it starts over without the reps it gave and goes on in order', () => {
    fc.assert(
      fc.property(arbRoster, arbLead, arbNow, arbStrategy, arbRep('x'), (roster, facts, now, strategy, fresh) => {
        const index = new RosterIndex(roster);
        const line = new OfferLine(index, facts, strategy, now);
        const first = line.next();
        if (first === undefined) {
          expect(everyone(line)).toEqual([]);
          return;
        }
        const changed = { ...fresh, id: first.rep.id, name: first.rep.id };
        index.put(changed);
        const after = roster.map((r) => (r.id === changed.id ? changed : r));
        const rest = naiveOrder(facts, strategy, after, now).filter((id) => id !== changed.id);
        expect(everyone(line)).toEqual(rest);
      }),
      { numRuns: 300 },
    );
  });

  it('given a large team, when the first rep in line is asked for, then the walk checks a few reps, not the team', () => {
    const roster = Array.from({ length: 5_000 }, (_, i) =>
      rep(`rep-${String(i).padStart(5, '0')}`, {
        products: [['crm', 'erp', 'hr'][i % 3]!],
        territory: { countries: [['DE', 'AT', 'FR', 'GB'][i % 4]!] },
        lastOfferedAt: iso(START - i * 1000),
      }),
    );
    const facts = lead({ product: 'erp', country: 'AT' });
    for (const strategy of Strategies) {
      const line = new OfferLine(new RosterIndex(roster), facts, strategy, new Date(START));
      const first = line.next();
      expect(first?.rep.id).toBe(naiveOrder(facts, strategy, roster, new Date(START))[0]);
      expect(line.visited).toBeLessThan(10);
    }
  });
});
