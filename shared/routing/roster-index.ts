import type { Strategy } from './config-schema.ts';
import { eligibilityFor, type EligibilityCheck, type RepMatch, type RepProfile, type SkipReason } from './eligibility.ts';
import type { CandidateRecord, Ranking } from './engine.ts';
import { fold, leadLocation, leadValue, normalizePostal, type LeadFacts } from './lead-facts.ts';
import { SortedList, type SortedCursor } from './sorted-list.ts';
import type { Candidate } from './strategies.ts';
import { isAnywhere, Specificity } from './territory.ts';

/**
 * A team's roster held for routing lead after lead: the reps who could take any lead at all
 * (not switched off, active, reachable, under capacity) sorted into buckets by the facts a lead
 * filters on (territory down to the postal prefix, and product), each bucket keeping its reps in
 * every strategy's order. A decision then walks only the buckets the lead's location and
 * product name, in the strategy's order, checking each rep it meets in full (`eligibilityFor`:
 * leave, hours, caps and everything else), and stops at the first eligible one; the next is
 * found only when asked for (the offer to the first was refused). How many reps it meets
 * depends on how many of the matching reps are available right now, not on the roster's size.
 *
 * The buckets only narrow the walk: every rep met is checked in full, so a bucket may hold reps
 * the lead turns out not to match. What must hold is that each rep the lead does match is in a
 * bucket it looks at, under an order key no later than the rep's own (see `OfferLine`).
 *
 * One index per roster a warm router holds, changed one rep at a time (`put`, `remove`) as the
 * roster cache learns of changes; never rebuilt per lead. The orders a strategy needs are built
 * the first time a lead of that strategy is ranked, so a team pays only for its own.
 */

/** A rep as the index holds them, with the keys every order compares computed once. */
interface Entry {
  readonly rep: RepProfile;
  readonly id: string;
  /** Last offer, epoch ms (an unparsable time counts as never, as in strategies.ts). */
  readonly last: number;
  /** Open leads relative to capacity, least-loaded's order; finite for an available rep. */
  readonly load: number;
  readonly virtualTime: number | undefined;
  /** Could take some lead now or later without a change to their item. */
  readonly available: boolean;
  /** Buckets the rep is in, as [territory key, product and language part] (none when not available). */
  readonly buckets: readonly BucketKey[];
}

type OrderKind = 'rotation' | 'load' | 'virtual' | 'match';
type BucketKey = readonly [territory: string, rest: string];

interface Bucket {
  readonly territory: string;
  /** How specifically a lead this bucket is looked up for is covered (an upper bound for `overflow`). */
  readonly specificity: number;
  /** The reps here name products (so they name the lead's, the bucket being looked up by it). */
  readonly namesProduct: boolean;
  /** Last offer, then id: round robin, and the set of members. */
  readonly rotation: SortedList<Entry>;
  /** Best match: the members who name languages, and those who do not (a skill point apart), by rotation. */
  naming?: SortedList<Entry>;
  notNaming?: SortedList<Entry>;
  load?: SortedList<Entry>;
  /** Weighted round robin: reps whose virtual start is the team clock (by rotation) … */
  atClock?: SortedList<Entry>;
  /** … and those ahead of it (by virtual time, then rotation). */
  ahead?: SortedList<Entry>;
}

const SEP = '\u0001';
/** Reps whose territory and products would put them in more buckets than this share one that every lead looks at. */
const MAX_BUCKETS_PER_REP = 256;
const OVERFLOW = 'overflow';
/** Above every real specificity, so best match meets the overflow bucket's reps before anyone else. */
const OVERFLOW_SPECIFICITY = 1e9;

const byId = (a: Entry, b: Entry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byRotation = (a: Entry, b: Entry) => a.last - b.last || byId(a, b);
const byLoad = (a: Entry, b: Entry) => a.load - b.load || byRotation(a, b);
const byVirtualTime = (a: Entry, b: Entry) => a.virtualTime! - b.virtualTime! || byRotation(a, b);

const offeredAt = (rep: RepProfile): number => {
  const ms = Date.parse(rep.lastOfferedAt);
  return Number.isNaN(ms) ? 0 : ms;
};

/**
 * A country code as a bucket key. `coverage` compares a two-letter code to the lead's by its
 * first two characters with the case bit cleared; anything else must be equal.
 */
const fold2 = (code: string) => String.fromCharCode(code.charCodeAt(0) & ~32, code.charCodeAt(1) & ~32);
const countryKey = (code: string) => (code.length === 2 ? `~${fold2(code)}` : `=${code}`);

/** A configured postal prefix as `postalPrefixLength` reads it. */
function prefixKey(prefix: string): string {
  let out = '';
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (c >= 128) return normalizePostal(prefix);
    if (c === 32 || c === 45 || c === 9) continue;
    out += String.fromCharCode(c >= 97 && c <= 122 ? c - 32 : c);
  }
  return out;
}

/** The territory buckets of a rep, each with the specificity a lead found through it is covered with. */
function territoryKeys(rep: RepProfile): string[] {
  const territory = rep.territory;
  if (isAnywhere(territory)) return ['any'];
  const { countries, regions, postalPrefixes } = territory!;
  const places = countries === undefined || countries.length === 0 ? ['*'] : [...new Set(countries.map(countryKey))];
  if ((regions?.length ?? 0) === 0 && (postalPrefixes?.length ?? 0) === 0) return places.map((place) => `c${place}`);
  const keys = new Set<string>();
  const prefixes = [...new Set((postalPrefixes ?? []).map(prefixKey))].filter((p) => p.length > 0);
  const folded = [...new Set((regions ?? []).map(fold))];
  for (const place of places) {
    for (const region of folded) keys.add(`r${place}${SEP}${region}`);
    for (const prefix of prefixes) keys.add(`p${place}${SEP}${prefix}`);
  }
  return [...keys];
}

function specificityOf(territory: string): number {
  switch (territory[0]) {
    case 'a':
      return Specificity.anywhere;
    case 'c':
      return Specificity.country;
    case 'r':
      return Specificity.region;
    case 'p':
      return Specificity.postalBase + territory.length - territory.indexOf(SEP) - 1;
    default:
      return OVERFLOW_SPECIFICITY;
  }
}

function bucketKeys(rep: RepProfile): BucketKey[] {
  const products = rep.products.length === 0 ? ['*'] : [...new Set(rep.products.map(fold))].map((p) => `=${p}`);
  const territories = territoryKeys(rep);
  if (territories.length * products.length > MAX_BUCKETS_PER_REP) return [[OVERFLOW, '#']];
  const keys: BucketKey[] = [];
  for (const territory of territories) for (const product of products) keys.push([territory, product]);
  return keys;
}

/** Places (countries, or `*` for none) a lead in this country may be covered in. */
function leadPlaces(country: string | undefined): string[] {
  if (country === undefined) return ['*'];
  const places = [`=${country}`];
  if (country.length >= 2) {
    const raw = `~${country.slice(0, 2)}`;
    const folded = `~${fold2(country)}`;
    places.push(raw);
    if (folded !== raw) places.push(folded);
  }
  places.push('*');
  return places;
}

/** `r<place>` and `p<place>`: whose regions and postal prefixes a territory key names. */
const scopeOf = (territory: string) => territory.slice(0, territory.indexOf(SEP));

export class RosterIndex {
  readonly #entries = new Map<string, Entry>();
  readonly #byId = new SortedList<Entry>(byId);
  /** Territory key → the buckets under it, by product and language part. */
  readonly #buckets = new Map<string, Map<string, Bucket>>();
  /** Available reps with a virtual time, by it: whose side of the team clock they are on changes with it. */
  readonly #byVirtualTime = new SortedList<Entry>(byVirtualTime);
  /** virtualTime − 1/weight of every active rep that has one: the team clock is the largest. */
  readonly #clockTerms = new SortedList<{ readonly value: number; readonly id: string }>((a, b) => a.value - b.value || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  readonly #clockTermOf = new Map<string, { readonly value: number; readonly id: string }>();
  readonly #built = new Set<OrderKind>(['rotation']);
  /**
   * How many territory keys there are per region or prefix scope (`r~DE`, `p*`) and per postal
   * prefix length: a lead is looked up only under the places and prefix lengths some rep has.
   */
  readonly #scopes = new Map<string, number>();
  readonly #prefixLengths = new Map<number, number>();
  #clock = 0;
  #version = 0;
  #list: readonly RepProfile[] | undefined;

  constructor(reps: Iterable<RepProfile> = []) {
    for (const rep of reps) this.put(rep);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Changes with every `put` and `remove`: a walk begun before a change starts over. */
  get version(): number {
    return this.#version;
  }

  get(id: string): RepProfile | undefined {
    return this.#entries.get(id)?.rep;
  }

  /** The roster as a list, by id. */
  reps(): readonly RepProfile[] {
    return (this.#list ??= [...this.#byId.values()].map((entry) => entry.rep));
  }

  /** Every rep, by id, without building a list. */
  *values(): IterableIterator<RepProfile> {
    for (const entry of this.#byId.values()) yield entry.rep;
  }

  /** Weighted round robin's team clock (`teamVirtualTime` of the roster), kept as reps change. */
  get virtualClock(): number {
    return this.#clock;
  }

  /** Adds the rep, or puts this copy in place of the one held. */
  put(rep: RepProfile): void {
    const old = this.#entries.get(rep.id);
    if (old !== undefined) this.#detach(old);
    this.#setClockTerm(rep.id, rep.active && rep.virtualTime !== undefined ? rep.virtualTime - 1 / rep.weight : undefined);
    this.#attach(this.#entryOf(rep));
  }

  remove(id: string): void {
    const old = this.#entries.get(id);
    if (old === undefined) return;
    this.#detach(old);
    this.#setClockTerm(id, undefined);
  }

  #entryOf(rep: RepProfile): Entry {
    const available = rep.disabled !== true && rep.active && rep.unreachable === undefined && rep.openLeads < rep.capacity;
    return {
      rep,
      id: rep.id,
      last: offeredAt(rep),
      load: available ? rep.openLeads / rep.capacity : 0,
      virtualTime: rep.virtualTime,
      available,
      buckets: available ? bucketKeys(rep) : [],
    };
  }

  #atClock(entry: Entry): boolean {
    return entry.virtualTime === undefined || entry.virtualTime <= this.#clock;
  }

  #attach(entry: Entry): void {
    this.#version++;
    this.#list = undefined;
    this.#entries.set(entry.id, entry);
    this.#byId.add(entry);
    if (!entry.available) return;
    if (entry.virtualTime !== undefined) this.#byVirtualTime.add(entry);
    for (const [territory, rest] of entry.buckets) {
      let under = this.#buckets.get(territory);
      if (under === undefined) {
        this.#buckets.set(territory, (under = new Map()));
        this.#countTerritory(territory, 1);
      }
      let bucket = under.get(rest);
      if (bucket === undefined) under.set(rest, (bucket = this.#newBucket(territory, rest)));
      this.#addTo(bucket, entry);
    }
  }

  #detach(entry: Entry): void {
    this.#version++;
    this.#list = undefined;
    this.#entries.delete(entry.id);
    this.#byId.delete(entry);
    if (!entry.available) return;
    if (entry.virtualTime !== undefined) this.#byVirtualTime.delete(entry);
    for (const [territory, rest] of entry.buckets) {
      const under = this.#buckets.get(territory)!;
      const bucket = under.get(rest)!;
      bucket.rotation.delete(entry);
      bucket.load?.delete(entry);
      (entry.rep.languages.length > 0 ? bucket.naming : bucket.notNaming)?.delete(entry);
      (this.#atClock(entry) ? bucket.atClock : bucket.ahead)?.delete(entry);
      if (bucket.rotation.size === 0) {
        under.delete(rest);
        if (under.size === 0) {
          this.#buckets.delete(territory);
          this.#countTerritory(territory, -1);
        }
      }
    }
  }

  #countTerritory(territory: string, by: 1 | -1): void {
    const kind = territory[0];
    if (kind !== 'r' && kind !== 'p') return;
    const count = (map: Map<string | number, number>, key: string | number) => {
      const n = (map.get(key) ?? 0) + by;
      if (n === 0) map.delete(key);
      else map.set(key, n);
    };
    count(this.#scopes as Map<string | number, number>, scopeOf(territory));
    if (kind === 'p') count(this.#prefixLengths as Map<string | number, number>, territory.length - territory.indexOf(SEP) - 1);
  }

  /** The territory keys a lead at this location may be covered through, of those some rep has. */
  #territoriesFor(lead: Pick<LeadFacts, 'contact' | 'fields'>): string[] {
    const where = leadLocation(lead);
    const keys = ['any', OVERFLOW];
    const places = leadPlaces(where.country);
    for (const place of places) if (place !== '*') keys.push(`c${place}`);
    const region = where.region;
    const postal = where.postalCode;
    for (const place of places) {
      if (region !== undefined && this.#scopes.has(`r${place}`)) keys.push(`r${place}${SEP}${region}`);
      if (postal !== undefined && this.#scopes.has(`p${place}`)) {
        for (const length of this.#prefixLengths.keys()) if (length <= postal.length) keys.push(`p${place}${SEP}${postal.slice(0, length)}`);
      }
    }
    return keys;
  }

  #newBucket(territory: string, rest: string): Bucket {
    const bucket: Bucket = {
      territory,
      specificity: specificityOf(territory),
      namesProduct: rest[0] !== '*' && rest[0] !== '#',
      rotation: new SortedList(byRotation),
    };
    if (this.#built.has('match')) {
      bucket.naming = new SortedList(byRotation);
      bucket.notNaming = new SortedList(byRotation);
    }
    if (this.#built.has('load')) bucket.load = new SortedList(byLoad);
    if (this.#built.has('virtual')) {
      bucket.atClock = new SortedList(byRotation);
      bucket.ahead = new SortedList(byVirtualTime);
    }
    return bucket;
  }

  #addTo(bucket: Bucket, entry: Entry): void {
    bucket.rotation.add(entry);
    bucket.load?.add(entry);
    (entry.rep.languages.length > 0 ? bucket.naming : bucket.notNaming)?.add(entry);
    (this.#atClock(entry) ? bucket.atClock : bucket.ahead)?.add(entry);
  }

  #setClockTerm(id: string, value: number | undefined): void {
    const old = this.#clockTermOf.get(id);
    if (old !== undefined) {
      this.#clockTerms.delete(old);
      this.#clockTermOf.delete(id);
    }
    if (value !== undefined) {
      const term = { value, id };
      this.#clockTerms.add(term);
      this.#clockTermOf.set(id, term);
    }
    const clock = Math.max(0, this.#clockTerms.last()?.value ?? 0);
    if (clock !== this.#clock) this.#moveClock(clock);
  }

  /** The team clock moved: reps whose virtual time lies between the old and the new one change side. */
  #moveClock(clock: number): void {
    const from = this.#clock;
    const [low, high] = from < clock ? [from, clock] : [clock, from];
    const moving: Entry[] = [];
    if (this.#built.has('virtual')) {
      for (const entry of this.#byVirtualTime.values({ virtualTime: low, id: '', last: -Infinity } as Entry)) {
        if (entry.virtualTime! > high) break;
        if (entry.virtualTime! > low) moving.push(entry);
      }
    }
    for (const entry of moving) this.#eachBucket(entry, (bucket) => (this.#atClock(entry) ? bucket.atClock : bucket.ahead)!.delete(entry));
    this.#clock = clock;
    for (const entry of moving) this.#eachBucket(entry, (bucket) => (this.#atClock(entry) ? bucket.atClock : bucket.ahead)!.add(entry));
  }

  #eachBucket(entry: Entry, f: (bucket: Bucket) => void): void {
    for (const [territory, rest] of entry.buckets) {
      f(this.#buckets.get(territory)!.get(rest)!);
    }
  }

  /** Builds the orders of a strategy in every bucket, the first time one of its leads is ranked. */
  #ensure(kind: OrderKind): void {
    if (this.#built.has(kind)) return;
    this.#built.add(kind);
    for (const under of this.#buckets.values()) {
      for (const bucket of under.values()) {
        const members = [...bucket.rotation.values()];
        if (kind === 'load') bucket.load = new SortedList(byLoad, members);
        else if (kind === 'match') {
          bucket.naming = new SortedList(byRotation, members.filter((entry) => entry.rep.languages.length > 0));
          bucket.notNaming = new SortedList(byRotation, members.filter((entry) => entry.rep.languages.length === 0));
        } else {
          bucket.atClock = new SortedList(
            byRotation,
            members.filter((entry) => this.#atClock(entry)),
          );
          bucket.ahead = new SortedList(
            byVirtualTime,
            members.filter((entry) => !this.#atClock(entry)),
          );
        }
      }
    }
  }

  /** The buckets a lead is looked up in: its location's territory keys, then its product. */
  bucketsFor(lead: Pick<LeadFacts, 'contact' | 'fields'>): Bucket[] {
    const raw = leadValue(lead, 'product');
    const wanted = raw === undefined ? undefined : [`=${fold(raw)}`, '*'];
    const found: Bucket[] = [];
    for (const territory of this.#territoriesFor(lead)) {
      const under = this.#buckets.get(territory);
      if (under === undefined) continue;
      if (wanted === undefined || territory === OVERFLOW) {
        for (const bucket of under.values()) found.push(bucket);
      } else {
        for (const rest of wanted) {
          const bucket = under.get(rest);
          if (bucket !== undefined) found.push(bucket);
        }
      }
    }
    return found;
  }

  /** The lists to walk for a strategy, each with the bucket it belongs to. */
  listsFor(buckets: readonly Bucket[], strategy: Strategy): Walked[] {
    const kind: OrderKind = strategy === 'least-loaded' ? 'load' : strategy === 'weighted-round-robin' ? 'virtual' : strategy === 'best-match' ? 'match' : 'rotation';
    this.#ensure(kind);
    const lists: Walked[] = [];
    const add = (bucket: Bucket, list: SortedList<Entry>, namesLanguage = false) => {
      if (list.size > 0) lists.push({ bucket, list, namesLanguage });
    };
    for (const bucket of buckets) {
      if (kind === 'rotation') add(bucket, bucket.rotation);
      else if (kind === 'load') add(bucket, bucket.load!);
      else if (kind === 'match') {
        add(bucket, bucket.naming!, true);
        add(bucket, bucket.notNaming!);
      } else {
        add(bucket, bucket.atClock!);
        add(bucket, bucket.ahead!);
      }
    }
    return lists;
  }
}

/** A list to walk: a bucket's, in one strategy's order (best match: its reps naming languages, or not). */
interface Walked {
  readonly bucket: Bucket;
  readonly list: SortedList<Entry>;
  readonly namesLanguage: boolean;
}

/** One bucket's list being walked, at its next rep, with the best-match key the bucket gives. */
interface Stream {
  readonly cursor: SortedCursor<Entry>;
  head: Entry;
  readonly specificity: number;
  readonly skill: number;
}

interface Verified {
  readonly entry: Entry;
  readonly match: RepMatch;
}

/** A binary heap: the few dozen streams of one walk, and best match's checked reps. */
class Heap<T> {
  readonly items: T[] = [];
  readonly before: (a: T, b: T) => number;
  constructor(before: (a: T, b: T) => number) {
    this.before = before;
  }

  get top(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.before(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.siftDown();
    }
    return top;
  }

  /** The top changed its key: move it down to its place. */
  siftDown(): void {
    const items = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < items.length && this.before(items[l]!, items[least]!) < 0) least = l;
      if (r < items.length && this.before(items[r]!, items[least]!) < 0) least = r;
      if (least === i) return;
      [items[i], items[least]] = [items[least]!, items[i]!];
      i = least;
    }
  }
}

/**
 * The eligible reps of a team for one lead at one instant, one at a time in the team's offer
 * order: exactly the order `rankCandidates` gives them, found by walking the lead's buckets.
 *
 * The walk merges the buckets' lists by the strategy's key (each ends in the rep id, so no two
 * reps tie) and checks each rep the first time it is met. Round robin, least loaded and weighted
 * round robin order reps by their own fields, so the first eligible rep met is the next in line.
 * Best match orders by how the rep matches the lead; a bucket's key for that is the specificity
 * and skill a lead found through it has, and a rep found through a more specific bucket too is
 * met there first, at its own key. A checked rep waits until no bucket can still hold one
 * before it (the threshold of merging sorted lists), which also keeps the order right for the
 * overflow bucket, whose key is above all.
 *
 * If the index changes between two `next` calls (a refused offer's rep was read afresh), the walk
 * starts again over the current roster, leaving out the reps it already gave.
 */
export class OfferLine {
  readonly #index: RosterIndex;
  readonly #lead: Pick<LeadFacts, 'contact' | 'fields' | 'excludedReps'>;
  readonly #strategy: Strategy;
  readonly #check: EligibilityCheck;
  readonly #given = new Set<string>();
  /** Reps checked and found not eligible, with why, by id. */
  readonly #skipped = new Map<string, SkipReason>();
  #seen = new Set<string>();
  #streams!: Heap<Stream>;
  #verified!: Heap<Verified>;
  #version = -1;
  #visited = 0;

  constructor(index: RosterIndex, lead: Pick<LeadFacts, 'contact' | 'fields' | 'excludedReps'>, strategy: Strategy, now: Date) {
    this.#index = index;
    this.#lead = lead;
    this.#strategy = strategy;
    this.#check = eligibilityFor(lead, now);
  }

  /** Reps checked so far, eligible or not. */
  get visited(): number {
    return this.#visited;
  }

  #start(): void {
    this.#version = this.#index.version;
    this.#seen = new Set(this.#given);
    const hasProduct = leadValue(this.#lead, 'product') !== undefined;
    const hasLanguage = leadValue(this.#lead, 'language') !== undefined;
    const clock = this.#index.virtualClock;
    const start = (a: Entry) => (a.virtualTime === undefined ? clock : Math.max(a.virtualTime, clock));
    const compare: (a: Stream, b: Stream) => number =
      this.#strategy === 'round-robin'
        ? (a, b) => byRotation(a.head, b.head)
        : this.#strategy === 'least-loaded'
          ? (a, b) => byLoad(a.head, b.head)
          : this.#strategy === 'weighted-round-robin'
            ? (a, b) => start(a.head) - start(b.head) || byRotation(a.head, b.head)
            : (a, b) => b.specificity - a.specificity || b.skill - a.skill || byRotation(a.head, b.head);
    this.#streams = new Heap(compare);
    this.#verified = new Heap((a, b) => b.match.specificity - a.match.specificity || b.match.skill - a.match.skill || byRotation(a.entry, b.entry));
    for (const { bucket, list, namesLanguage } of this.#index.listsFor(this.#index.bucketsFor(this.#lead), this.#strategy)) {
      const cursor = list.cursor();
      this.#streams.push({
        cursor,
        head: cursor.peek()!,
        specificity: bucket.specificity,
        skill: (hasProduct && bucket.namesProduct ? 1 : 0) + (hasLanguage && namesLanguage ? 1 : 0),
      });
    }
  }

  /** The next eligible rep in offer order, or undefined when nobody is left. */
  next(): Candidate | undefined {
    if (this.#version !== this.#index.version) this.#start();
    const bestMatch = this.#strategy === 'best-match';
    for (;;) {
      const waiting = this.#verified.top;
      const stream = this.#streams.top;
      if (waiting !== undefined && (stream === undefined || this.#waitingFirst(waiting, stream))) {
        this.#verified.pop();
        return this.#give(waiting.entry.rep, waiting.match);
      }
      if (stream === undefined) return undefined;
      const entry = stream.head;
      stream.cursor.advance();
      const head = stream.cursor.peek();
      if (head === undefined) this.#streams.pop();
      else {
        stream.head = head;
        this.#streams.siftDown();
      }
      if (this.#seen.has(entry.id)) continue;
      this.#seen.add(entry.id);
      this.#visited++;
      const result = this.#check(entry.rep);
      if (!result.eligible) {
        this.#skipped.set(entry.id, result.reason);
        continue;
      }
      this.#skipped.delete(entry.id);
      if (!bestMatch) return this.#give(entry.rep, result.match);
      this.#verified.push({ entry, match: result.match });
    }
  }

  /**
   * The decision as far as the walk went, as a ranking of the reps it checked: the reps it gave,
   * in the order given, then those it found not eligible, by id, with why; `unchecked` counts the
   * rest of the team, which the walk never needed to look at.
   */
  account(): Ranking {
    const candidates: CandidateRecord[] = [];
    const order = [...this.#given];
    order.forEach((repId, i) => candidates.push({ repId, name: this.#index.get(repId)?.name ?? '', eligible: true, rank: i + 1 }));
    const skipped = [...this.#skipped].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [repId, reason] of skipped) candidates.push({ repId, name: this.#index.get(repId)?.name ?? '', eligible: false, reason });
    return { order, candidates, unchecked: Math.max(0, this.#index.size - order.length - skipped.length) };
  }

  /** Up to `count` more eligible reps, in offer order. */
  take(count: number): Candidate[] {
    const out: Candidate[] = [];
    while (out.length < count) {
      const next = this.next();
      if (next === undefined) break;
      out.push(next);
    }
    return out;
  }

  #waitingFirst(waiting: Verified, stream: Stream): boolean {
    const m = waiting.match;
    return (stream.specificity - m.specificity || stream.skill - m.skill || byRotation(waiting.entry, stream.head)) <= 0;
  }

  #give(rep: RepProfile, match: RepMatch): Candidate {
    this.#given.add(rep.id);
    return { rep, match };
  }
}
