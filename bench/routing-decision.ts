import { performance } from 'node:perf_hooks';
import { RoutingConfigSchema, Strategies, type RoutingConfig } from '#shared/routing/config-schema.ts';
import type { RepProfile } from '#shared/routing/eligibility.ts';
import { classifyLead, rankCandidates } from '#shared/routing/engine.ts';
import type { LeadFacts } from '#shared/routing/lead-facts.ts';
import { OfferLine, RosterIndex } from '#shared/routing/roster-index.ts';
import type { WorkingHours } from '#shared/routing/working-hours.ts';

/**
 * One routing decision as the router makes it: classify a lead, then find who in the team is
 * offered it first. Two ways, timed side by side on the same lead, strategy and minute: the
 * roster index (walk the lead's buckets in the strategy's order to the first eligible rep) and
 * the plain one it replaced (check every rep, sort the eligible ones: `rankCandidates`).
 * Rosters are generated from a fixed seed so runs are comparable; every iteration uses another
 * lead, strategy and minute, so per-minute clock caching does not flatter the numbers.
 */

/** mulberry32: small, fast, and the same sequence on every machine. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const some = <T>(items: readonly T[], max: number): T[] => [...new Set(Array.from({ length: int(0, max) }, () => pick(items)))];
  return { next, int, pick, some };
}

const ZONES = ['UTC', 'Europe/Berlin', 'Europe/London', 'Europe/Vienna', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo'];
const COUNTRIES = ['DE', 'AT', 'CH', 'FR', 'GB', 'US', 'NL', 'IT', 'ES', 'PL'];
const REGIONS = ['Bayern', 'Berlin', 'Hessen', 'Tirol', 'Wien', 'Zürich', 'California', 'Texas'];
const PRODUCTS = ['crm', 'erp', 'hr', 'payroll', 'pos', 'analytics', 'cloud', 'support'];
const LANGUAGES = ['de', 'en', 'fr', 'it', 'es', 'pl', 'nl'];
const HOURS: (WorkingHours | undefined)[] = [
  undefined,
  { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '15:00']] },
  { mon: [['08:00', '12:00'], ['13:00', '18:00']], wed: [['08:00', '12:00']], fri: [['08:00', '18:00']] },
  { sun: [['22:00', '06:00']], mon: [['22:00', '06:00']], tue: [['22:00', '06:00']], wed: [['22:00', '06:00']], thu: [['22:00', '06:00']] },
];

export const BENCH_NOW = Date.parse('2026-03-02T10:00:00Z');

export function generateRoster(size: number, seed = 42): RepProfile[] {
  const r = seeded(seed + size);
  return Array.from({ length: size }, (_, i): RepProfile => {
    const territoryKind = r.int(0, 3);
    const capacity = r.int(3, 20);
    return {
      id: `rep-${String(i).padStart(5, '0')}`,
      name: `Rep ${i}`,
      email: `rep${i}@example.com`,
      teamId: 'sales',
      role: 'rep',
      active: r.next() < 0.95,
      capacity,
      openLeads: r.int(0, capacity),
      weight: r.int(1, 3),
      products: r.some(PRODUCTS, 3),
      languages: r.some(LANGUAGES, 2),
      ...(territoryKind === 0
        ? {}
        : {
            territory: {
              countries: r.some(COUNTRIES, 3),
              ...(territoryKind === 2 ? { regions: r.some(REGIONS, 2) } : {}),
              ...(territoryKind === 3 ? { postalPrefixes: Array.from({ length: r.int(1, 4) }, () => String(r.int(1, 99))) } : {}),
            },
          }),
      timeZone: r.pick(ZONES),
      ...((h) => (h ? { workingHours: h } : {}))(r.pick(HOURS)),
      ...(r.next() < 0.05 ? { outOfOfficeUntil: new Date(BENCH_NOW + r.int(-48, 48) * 3_600_000).toISOString() } : {}),
      ...(r.next() < 0.3 ? { dailyCap: r.int(5, 15), dayKey: '2026-03-02', dayCount: r.int(0, 15) } : {}),
      ...(r.next() < 0.2 ? { weeklyCap: r.int(20, 60), weekKey: '2026-W10', weekCount: r.int(0, 60) } : {}),
      lastOfferedAt: new Date(BENCH_NOW - r.int(0, 7 * 24 * 3600) * 1000).toISOString(),
      ...(r.next() < 0.8 ? { virtualTime: r.int(0, 5000) / 10 } : {}),
    };
  });
}

export function generateLeads(count: number, seed = 7): LeadFacts[] {
  const r = seeded(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `lead-${i}`,
    contact: {
      email: `lead${i}@example.com`,
      product: r.pick(PRODUCTS),
      country: r.pick(COUNTRIES),
      region: r.pick(REGIONS),
      postalCode: String(r.int(10000, 99999)),
      language: r.pick(LANGUAGES),
      source: r.pick(['ads', 'web', 'partner']),
    },
    fields: { employees: String(r.int(1, 5000)) },
    receivedAt: new Date(BENCH_NOW).toISOString(),
    excludedReps: Array.from({ length: r.int(0, 2) }, () => `rep-${String(r.int(0, 99)).padStart(5, '0')}`),
  }));
}

export const benchConfig: RoutingConfig = RoutingConfigSchema.parse({
  teams: [
    { id: 'sales', name: 'Sales', managerEmail: 'sales@example.com' },
    { id: 'enterprise', name: 'Enterprise', managerEmail: 'ent@example.com', strategy: 'best-match' },
  ],
  rules: [
    { name: 'Enterprise', when: { tiers: ['hot'], countries: ['DE', 'AT', 'CH'] }, team: 'enterprise' },
    { name: 'Payroll UK', when: { products: ['payroll'], countries: ['GB'] }, team: 'sales' },
  ],
  scoring: {
    sourcePoints: { ads: 30, partner: 20, web: 10 },
    fieldPresentPoints: { email: 10, phone: 10 },
    companySize: { field: 'employees', bands: [{ min: 0, points: 0 }, { min: 100, points: 10 }, { min: 1000, points: 25 }] },
    tiers: { hot: 50, warm: 15 },
  },
});

export interface Timing {
  readonly medianUs: number;
  readonly p95Us: number;
}

export interface DecisionTiming {
  readonly reps: number;
  readonly iterations: number;
  readonly indexedIterations: number;
  /** Classify, then the first rep in line from the roster index. */
  readonly indexed: Timing & { readonly meanVisited: number };
  /** Classify, then check every rep and sort the eligible ones. */
  readonly naive: Timing & { readonly meanEligible: number };
  /** Building the index from the roster (round robin's and best match's order) … */
  readonly indexBuildMs: number;
  /** … and then the orders of least loaded and weighted round robin, the first time a lead of each is ranked. */
  readonly otherOrdersBuildMs: number;
  /** Heap the index holds with every order built (needs --expose-gc). */
  readonly indexHeapMB: number | null;
  /** Decisions where the index's first rep differed from the plain ranking's (must be 0). */
  readonly mismatches: number;
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const timing = (samples: number[]): Timing => {
  samples.sort((a, b) => a - b);
  return { medianUs: Math.round(quantile(samples, 0.5) * 10) / 10, p95Us: Math.round(quantile(samples, 0.95) * 10) / 10 };
};
const gc = (globalThis as { gc?: () => void }).gc;
const heapMB = () => process.memoryUsage().heapUsed / 1024 / 1024;

/** `iterations` decisions each way; the index, cheap at any size, is timed on `indexedIterations` for a steadier median. */
export function measureDecisions(size: number, iterations: number, indexedIterations = iterations, warmUp = 50): DecisionTiming {
  const roster = generateRoster(size);
  const leads = generateLeads(97);
  gc?.();
  const heapBefore = heapMB();
  let started = performance.now();
  const index = new RosterIndex(roster);
  const indexBuildMs = performance.now() - started;
  started = performance.now();
  for (const strategy of ['least-loaded', 'weighted-round-robin'] as const) new OfferLine(index, leads[0]!, strategy, new Date(BENCH_NOW)).next();
  const otherOrdersBuildMs = performance.now() - started;
  gc?.();
  const indexHeapMB = gc ? Math.round((heapMB() - heapBefore) * 10) / 10 : null;

  // The same leads, strategies and minutes for both, each way in its own loop: timed in turns, the
  // plain way's 100,000 records per decision would leave the index's walk on a collected heap
  // and cold caches, which measures the neighbour rather than the walk.
  const decisions = Array.from({ length: warmUp + Math.max(iterations, indexedIterations) }, (_, i) => ({
    lead: leads[i % leads.length]!,
    strategy: Strategies[i % Strategies.length]!,
    now: new Date(BENCH_NOW + i * 61_000),
  }));
  const indexed: number[] = [];
  const firstIndexed: (string | undefined)[] = [];
  let visited = 0;
  for (const [i, { lead, strategy, now }] of decisions.slice(0, warmUp + indexedIterations).entries()) {
    const start = performance.now();
    const classification = classifyLead(lead, benchConfig);
    const line = new OfferLine(index, lead, strategy, now);
    const first = line.next();
    const elapsed = performance.now() - start;
    if (classification.tier === undefined || i < warmUp) continue;
    indexed.push(elapsed * 1000);
    firstIndexed.push(first?.rep.id);
    visited += line.visited;
  }
  gc?.();
  const naive: number[] = [];
  let eligible = 0;
  let mismatches = 0;
  for (const [i, { lead, strategy, now }] of decisions.slice(0, warmUp + iterations).entries()) {
    const start = performance.now();
    const classification = classifyLead(lead, benchConfig);
    const ranking = rankCandidates(lead, { id: classification.teamId ?? 'sales', strategy }, roster, now);
    const elapsed = performance.now() - start;
    if (i < warmUp) continue;
    naive.push(elapsed * 1000);
    eligible += ranking.order.length;
    if (ranking.order[0] !== firstIndexed[i - warmUp]) mismatches++;
  }
  return {
    reps: size,
    iterations,
    indexedIterations,
    indexed: { ...timing(indexed), meanVisited: Math.round(visited / indexedIterations) },
    naive: { ...timing(naive), meanEligible: Math.round(eligible / iterations) },
    indexBuildMs: Math.round(indexBuildMs * 10) / 10,
    otherOrdersBuildMs: Math.round(otherOrdersBuildMs * 10) / 10,
    indexHeapMB,
    mismatches,
  };
}
