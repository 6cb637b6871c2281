import { Specificity } from '../routing/territory.ts';
import { fold, normalizePostal, type LeadLocation } from '../routing/lead-facts.ts';
import type { Franchisee, FranchiseMap, TerritoryArea, TerritoryMatch } from './franchise-map.ts';
import { areaKey, describeArea } from './territory-area.ts';

/** One country's territories, keyed so a lookup costs the same for 10 territories as for 100,000. */
interface CountryTerritories {
  /** Normalized prefix → its match. */
  readonly prefixes: Map<string, TerritoryMatch>;
  /** The distinct prefix lengths held, longest first: one `Map.get` each, at most. */
  lengths: number[];
  /** Folded region → its match. */
  readonly regions: Map<string, TerritoryMatch>;
  whole: TerritoryMatch | undefined;
}

/**
 * Which franchisee a lead belongs to, answered from maps rather than a scan, so a franchise of
 * a thousand franchisees and a hundred thousand postal codes routes as fast as a small one:
 * the longest postal prefix the lead's postal code starts with, else its region, else its
 * whole country. Locations are as `leadLocation` gives them (country upper case, region
 * folded, postal code normalized).
 */
export class FranchiseIndex {
  private readonly byId: ReadonlyMap<string, Franchisee>;
  private readonly countries: ReadonlyMap<string, CountryTerritories>;
  /** Distinct territories held. */
  readonly size: number;

  private constructor(byId: ReadonlyMap<string, Franchisee>, countries: ReadonlyMap<string, CountryTerritories>, size: number) {
    this.byId = byId;
    this.countries = countries;
    this.size = size;
  }

  /**
   * Throws on a map that is not one a franchise can run on: a territory of a franchisee the map
   * does not list, or one area held by two franchisees (which the import refuses, so only a map
   * built by other means can carry it).
   */
  static of(map: FranchiseMap): FranchiseIndex {
    const byId = new Map<string, Franchisee>();
    for (const franchisee of map.franchisees) {
      if (byId.has(franchisee.id)) throw new Error(`franchisee "${franchisee.id}" is listed twice`);
      byId.set(franchisee.id, franchisee);
    }
    const countries = new Map<string, CountryTerritories>();
    const holders = new Map<string, string>();
    for (const { franchisee, area: given } of map.territories) {
      if (!byId.has(franchisee)) throw new Error(`${describeArea(given)} is held by franchisee "${franchisee}", which the map does not list`);
      const area = normalized(given);
      const key = areaKey(area);
      const holder = holders.get(key);
      if (holder === franchisee) continue;
      if (holder !== undefined) throw new Error(`${describeArea(area)} is held by two franchisees, "${holder}" and "${franchisee}"`);
      holders.set(key, franchisee);
      add(countryTerritories(countries, area.country), given, area, franchisee);
    }
    for (const territories of countries.values()) territories.lengths.sort((a, b) => b - a);
    return new FranchiseIndex(byId, countries, holders.size);
  }

  lookup(where: LeadLocation): TerritoryMatch | undefined {
    const country = where.country;
    if (country === undefined) return undefined;
    const territories = this.countries.get(country);
    if (territories === undefined) return undefined;
    const postal = where.postalCode;
    if (postal !== undefined) {
      for (const length of territories.lengths) {
        if (length > postal.length) continue;
        const match = territories.prefixes.get(length === postal.length ? postal : postal.slice(0, length));
        if (match !== undefined) return match;
      }
    }
    if (where.region !== undefined) {
      const match = territories.regions.get(where.region);
      if (match !== undefined) return match;
    }
    return territories.whole;
  }

  franchisee(id: string): Franchisee | undefined {
    return this.byId.get(id);
  }

  franchisees(): readonly Franchisee[] {
    return [...this.byId.values()];
  }

  /**
   * One line for the admin simulator on who gets a location and why, or why nobody does:
   * `postal code 78701 in US: prefix "787" of franchisee austin-solar (Sunridge Austin), the
   * longest of 2 matching prefixes`.
   */
  explain(where: LeadLocation): string {
    const { country, region, postalCode: postal } = where;
    if (country === undefined) return 'no country on the lead: franchise territories lie within a country';
    const territories = this.countries.get(country);
    const prefixes = postal === undefined || territories === undefined ? [] : matchingPrefixes(territories, postal);
    const [longest] = prefixes;
    if (longest !== undefined && longest.area.kind === 'postal') {
      const others = prefixes.length > 1 ? `, the longest of ${prefixes.length} matching prefixes` : '';
      return `postal code ${postal} in ${country}: prefix "${longest.area.prefix}" of ${this.named(longest)}${others}`;
    }
    const notHeld = [...(postal !== undefined ? [postal] : []), ...(region !== undefined ? [`region "${region}"`] : [])];
    const byRegion = region === undefined ? undefined : territories?.regions.get(region);
    if (byRegion !== undefined) {
      return `region "${region}" in ${country}: ${this.named(byRegion)}${postal !== undefined ? `; no franchisee holds a prefix of ${postal}` : ''}`;
    }
    const whole = territories?.whole;
    if (whole !== undefined) {
      return `all of ${country}: ${this.named(whole)}${notHeld.length > 0 ? `; no franchisee holds ${inWords(notHeld)}` : ''}`;
    }
    return `no franchisee holds ${inWords([...notHeld, `all of ${country}`])}`;
  }

  private named(match: TerritoryMatch): string {
    const name = this.byId.get(match.franchiseeId)?.name;
    return `franchisee ${match.franchiseeId}${name !== undefined ? ` (${name})` : ''}`;
  }
}

/** As leads are normalized, so hand-built maps (tests, the simulator) index like imported ones. */
function normalized(area: TerritoryArea): TerritoryArea {
  const country = area.country.toUpperCase();
  switch (area.kind) {
    case 'postal':
      return { kind: 'postal', country, prefix: normalizePostal(area.prefix) };
    case 'region':
      return { kind: 'region', country, region: fold(area.region) };
    case 'country':
      return { kind: 'country', country };
  }
}

function countryTerritories(countries: Map<string, CountryTerritories>, country: string): CountryTerritories {
  let territories = countries.get(country);
  if (territories === undefined) {
    territories = { prefixes: new Map(), lengths: [], regions: new Map(), whole: undefined };
    countries.set(country, territories);
  }
  return territories;
}

/** Indexes `normal` (the key) and answers with `given` (the area as the map wrote it). */
function add(territories: CountryTerritories, given: TerritoryArea, normal: TerritoryArea, franchiseeId: string): void {
  switch (normal.kind) {
    case 'postal': {
      const { prefix } = normal;
      territories.prefixes.set(prefix, { franchiseeId, area: given, specificity: Specificity.postalBase + prefix.length });
      if (!territories.lengths.includes(prefix.length)) territories.lengths.push(prefix.length);
      return;
    }
    case 'region':
      territories.regions.set(normal.region, { franchiseeId, area: given, specificity: Specificity.region });
      return;
    case 'country':
      territories.whole = { franchiseeId, area: given, specificity: Specificity.country };
  }
}

function matchingPrefixes(territories: CountryTerritories, postal: string): TerritoryMatch[] {
  const matches: TerritoryMatch[] = [];
  for (const length of territories.lengths) {
    const match = length <= postal.length ? territories.prefixes.get(postal.slice(0, length)) : undefined;
    if (match !== undefined) matches.push(match);
  }
  return matches;
}

/** `a`, `a or b`, `a, b or c`. */
function inWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
