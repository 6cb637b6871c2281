import { performance } from 'node:perf_hooks';
import { decodeFranchiseMap, encodeFranchiseMap } from '#shared/franchise/franchise-codec.ts';
import { diffFranchiseMaps } from '#shared/franchise/franchise-diff.ts';
import { FranchiseIndex } from '#shared/franchise/franchise-index.ts';
import type { Franchisee, FranchiseMap, TerritoryRow } from '#shared/franchise/franchise-map.ts';
import { parseTerritoriesCsv, toTerritoriesCsv } from '#shared/franchise/territories-csv.ts';
import type { LeadLocation } from '#shared/routing/lead-facts.ts';
import { franchiseAtScale } from './franchise-example.ts';
import { seeded } from './routing-decision.ts';

/**
 * Which franchisee a lead belongs to, for franchises of 100 to 100,000 postal codes: the time
 * of one lookup (which should not grow with the map), the heap the loaded index keeps, and what
 * a cold start pays to turn the stored bytes into an index. Maps and leads come from a fixed
 * seed so runs are comparable.
 */

const CODES_PER_FRANCHISEE = 100;
const REGIONS = ['texas', 'california', 'new york', 'florida'];

/**
 * `postalCodes` territories in the US: about one in ten a three-digit prefix (at most 500),
 * the rest five-digit ZIP codes, some of them inside another franchisee's prefix; plus a few
 * states, so a code no prefix holds may still fall to a region.
 */
export function generateFranchise(postalCodes: number, seed = 11): FranchiseMap {
  const r = seeded(seed + postalCodes);
  const franchisees: Franchisee[] = Array.from({ length: Math.max(1, Math.round(postalCodes / CODES_PER_FRANCHISEE)) }, (_, i) => {
    const id = `f${String(i + 1).padStart(4, '0')}`;
    return { id, name: `Franchise ${i + 1}`, managerEmail: `owner@${id}.franchise.example.com` };
  });
  const holder = () => r.pick(franchisees).id;
  const territories: TerritoryRow[] = REGIONS.slice(0, 2).map((region) => ({ franchisee: holder(), area: { kind: 'region', country: 'US', region } }));
  const prefixes = Math.min(500, Math.round(postalCodes / 10));
  for (const prefix of shuffled(1_000, r).slice(0, prefixes)) {
    territories.push({ franchisee: holder(), area: { kind: 'postal', country: 'US', prefix: String(prefix).padStart(3, '0') } });
  }
  for (const zip of shuffled(100_000, r).slice(0, postalCodes - prefixes)) {
    territories.push({ franchisee: holder(), area: { kind: 'postal', country: 'US', prefix: String(zip).padStart(5, '0') } });
  }
  return { franchisees, territories };
}

/** 0 … n-1 in a seeded order: distinct codes without retrying the ones already drawn. */
function shuffled(n: number, r: ReturnType<typeof seeded>): number[] {
  const values = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(0, i);
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

/** Half the leads at a code the map holds (or under one of its prefixes), half anywhere; a few abroad. */
export function generateLocations(map: FranchiseMap, count: number, seed = 5): LeadLocation[] {
  const r = seeded(seed);
  const held = map.territories.flatMap(({ area }) => (area.kind === 'postal' ? [area.prefix] : []));
  return Array.from({ length: count }, (): LeadLocation => {
    const code = r.next() < 0.5 ? r.pick(held).padEnd(5, String(r.int(0, 9))) : String(r.int(0, 99_999)).padStart(5, '0');
    return {
      country: r.next() < 0.05 ? 'DE' : 'US',
      postalCode: code,
      ...(r.next() < 0.5 ? { region: r.pick(REGIONS) } : {}),
    };
  });
}

export interface FranchiseLookupTiming {
  readonly postalCodes: number;
  readonly franchisees: number;
  readonly territories: number;
  readonly distinctPrefixLengths: number;
  readonly lookups: number;
  /** Per lookup, from batches of `batch` lookups timed together (a single lookup is near the timer's resolution). */
  readonly medianUs: number;
  readonly p95Us: number;
  readonly hitRate: number;
  /** Retained by the index built from decoded bytes, after a full GC; null without `--expose-gc`. */
  readonly indexHeapMB: number | null;
  readonly encodedBytes: number;
  /** Decode the bytes and build the index: the first time in the process, and the median of the next five. */
  readonly firstLoadMs: number;
  readonly loadMs: number;
}

const BATCH = 100;
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const collect = (globalThis as { gc?: () => void }).gc;

export function measureFranchiseLookup(postalCodes: number, batches = 2_000, warmUp = 50): FranchiseLookupTiming {
  const map = generateFranchise(postalCodes);
  const bytes = encodeFranchiseMap(map);
  const locations = generateLocations(map, 10_007);

  const load = () => {
    const start = performance.now();
    const index = FranchiseIndex.of(decodeFranchiseMap(bytes));
    return { index, ms: performance.now() - start };
  };
  const firstMs = load().ms;
  const loads = Array.from({ length: 5 }, () => load().ms).sort((a, b) => a - b);

  collect?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const { index } = load();
  collect?.();
  const indexHeapMB = collect ? round((process.memoryUsage().heapUsed - heapBefore) / 1024 ** 2, 2) : null;

  const samples: number[] = [];
  let hits = 0;
  let at = 0;
  for (let b = -warmUp; b < batches; b++) {
    if (b === 0) hits = 0;
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) {
      if (index.lookup(locations[at]!) !== undefined) hits++;
      at = at + 1 === locations.length ? 0 : at + 1;
    }
    const elapsed = performance.now() - start;
    if (b >= 0) samples.push((elapsed * 1000) / BATCH);
  }
  samples.sort((a, b) => a - b);
  return {
    postalCodes,
    franchisees: map.franchisees.length,
    territories: index.size,
    distinctPrefixLengths: new Set(map.territories.flatMap(({ area }) => (area.kind === 'postal' ? [area.prefix.length] : []))).size,
    lookups: batches * BATCH,
    medianUs: round(quantile(samples, 0.5), 3),
    p95Us: round(quantile(samples, 0.95), 3),
    hitRate: round(hits / (batches * BATCH), 3),
    indexHeapMB,
    encodedBytes: bytes.length,
    firstLoadMs: round(firstMs, 1),
    loadMs: round(quantile(loads, 0.5), 1),
  };
}

/**
 * What `territories import` of the example at scale (100,000 rows) does before its one write:
 * parse and check every row, compare with the map it replaces, and pack it. Median of five, in ms.
 */
export function measureImportCheck(): number {
  const map = franchiseAtScale();
  const csv = toTerritoriesCsv(map);
  const previous = generateFranchise(100_000, 3);
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const parsed = parseTerritoriesCsv(csv);
    if ('errors' in parsed) throw new Error(`the example does not parse: ${parsed.errors[0]?.message}`);
    diffFranchiseMaps(previous, parsed.map);
    encodeFranchiseMap(parsed.map);
    runs.push(performance.now() - start);
  }
  return round(quantile(runs.sort((a, b) => a - b), 0.5), 0);
}
