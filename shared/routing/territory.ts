import type { Territory } from './config-schema.ts';
import { fold, leadLocation, normalizePostal, postalPrefixLength, sameText, type LeadFacts, type LeadLocation } from './lead-facts.ts';

/**
 * How precisely a territory claims a lead. Larger is more specific, so best-match and the
 * franchise lookup can prefer the narrowest claim:
 *   postal prefix of n characters → 100 + n (a longer prefix beats a shorter one)
 *   region                         → 50
 *   whole country                  → 10
 *   anywhere (no territory)        → 0
 */
export const Specificity = { anywhere: 0, country: 10, region: 50, postalBase: 100 } as const;

export interface Coverage {
  readonly covers: boolean;
  readonly specificity: number;
}

const NOT_COVERED: Coverage = { covers: false, specificity: 0 };
const ANYWHERE: Coverage = { covers: true, specificity: Specificity.anywhere };
const WHOLE_COUNTRY: Coverage = { covers: true, specificity: Specificity.country };

/** ISO codes compared case-insensitively; `upper` is already upper case. */
const sameCountry = (code: string, upper: string): boolean =>
  code === upper || (code.length === 2 && (code.charCodeAt(0) & ~32) === upper.charCodeAt(0) && (code.charCodeAt(1) & ~32) === upper.charCodeAt(1));

const isEmpty = (list: readonly string[] | undefined): list is undefined => list === undefined || list.length === 0;

export function isAnywhere(territory: Territory | undefined): boolean {
  return territory === undefined || (isEmpty(territory.countries) && isEmpty(territory.regions) && isEmpty(territory.postalPrefixes));
}

/**
 * Whether a territory covers a lead's location, and how specifically.
 * Countries, when listed, bound everything else: regions and postal prefixes then only apply
 * inside those countries. Regions and prefixes are alternatives (any one of them covers).
 * A lead without a location is only covered by a territory that claims anywhere, because an
 * exclusive territory cannot be proven to include it.
 */
export function coverage(territory: Territory | undefined, lead: LeadLocation | Pick<LeadFacts, 'contact' | 'fields'>): Coverage {
  if (territory === undefined) return ANYWHERE;
  const where = 'contact' in lead ? leadLocation(lead) : lead;
  const { countries, regions, postalPrefixes } = territory;
  // Plain loops rather than .some(): this runs for every rep of a 10,000-rep roster.
  if (!isEmpty(countries)) {
    const country = where.country;
    if (country === undefined) return NOT_COVERED;
    let listed = false;
    for (let i = 0; !listed && i < countries.length; i++) listed = sameCountry(countries[i]!, country);
    if (!listed) return NOT_COVERED;
  }
  if (isEmpty(regions) && isEmpty(postalPrefixes)) return isEmpty(countries) ? ANYWHERE : WHOLE_COUNTRY;

  let best = -1;
  const postal = where.postalCode;
  if (postal !== undefined && postalPrefixes !== undefined) {
    for (const prefix of postalPrefixes) {
      const length = postalPrefixLength(postal, prefix);
      if (length > 0) best = Math.max(best, Specificity.postalBase + length);
    }
  }
  const region = where.region;
  if (best < 0 && region !== undefined && regions !== undefined) {
    for (const r of regions) if (sameText(r, region)) best = Specificity.region;
  }
  return best < 0 ? NOT_COVERED : { covers: true, specificity: best };
}

/** One piece of a territory, for overlap checks: a country, or a region or prefix within one. */
interface Area {
  /** Undefined: the territory lists no countries, so this region or prefix applies in any. */
  readonly country: string | undefined;
  readonly kind: 'anywhere' | 'country' | 'region' | 'postal';
  readonly value: string;
  readonly path: readonly (string | number)[];
}

function areas(territory: Territory | undefined): Area[] {
  if (territory === undefined || isAnywhere(territory)) return [{ country: undefined, kind: 'anywhere', value: '', path: [] }];
  const countries: { code: string | undefined; index: number }[] = isEmpty(territory.countries)
    ? [{ code: undefined, index: -1 }]
    : territory.countries.map((code, index) => ({ code: code.toUpperCase(), index }));
  if (isEmpty(territory.regions) && isEmpty(territory.postalPrefixes)) {
    return countries.map(({ code, index }) => ({ country: code, kind: 'country', value: code ?? '', path: ['countries', index] }));
  }
  const out: Area[] = [];
  for (const { code } of countries) {
    (territory.regions ?? []).forEach((r, i) => out.push({ country: code, kind: 'region', value: fold(r), path: ['regions', i] }));
    (territory.postalPrefixes ?? []).forEach((p, i) =>
      out.push({ country: code, kind: 'postal', value: normalizePostal(p), path: ['postalPrefixes', i] }),
    );
  }
  return out;
}

function areasOverlap(a: Area, b: Area): boolean {
  if (a.kind === 'anywhere' || b.kind === 'anywhere') return true;
  if (a.country !== undefined && b.country !== undefined && a.country !== b.country) return false;
  if (a.kind === 'country' || b.kind === 'country') return true;
  if (a.kind === 'region' && b.kind === 'region') return a.value === b.value;
  if (a.kind === 'postal' && b.kind === 'postal') return a.value.startsWith(b.value) || b.value.startsWith(a.value);
  // A region and a postal prefix may or may not intersect; without a postal map that cannot be
  // decided here, so it is allowed and the more specific claim (the prefix) wins at run time.
  return false;
}

export interface TerritoryOverlap {
  /** Path of the offending element inside the second territory, e.g. `['postalPrefixes', 0]`. */
  readonly path: readonly (string | number)[];
  /** Path of the element of the first territory it collides with. */
  readonly otherPath: readonly (string | number)[];
  readonly description: string;
}

const describeArea = (area: Area): string =>
  area.kind === 'anywhere'
    ? 'anywhere'
    : area.kind === 'country'
      ? `all of ${area.value}`
      : `${area.kind === 'region' ? 'region' : 'postal prefix'} "${area.value}"${area.country ? ` in ${area.country}` : ''}`;

/** Elements of `b` that claim ground `a` already claims; one entry per offending element of `b`. */
export function territoryOverlaps(a: Territory | undefined, b: Territory | undefined): TerritoryOverlap[] {
  const mine = areas(a);
  const seen = new Set<string>();
  const out: TerritoryOverlap[] = [];
  for (const area of areas(b)) {
    const key = area.path.join('.');
    if (seen.has(key)) continue;
    const other = mine.find((m) => areasOverlap(m, area));
    if (other === undefined) continue;
    seen.add(key);
    out.push({ path: area.path, otherPath: other.path, description: `${describeArea(area)} overlaps ${describeArea(other)}` });
  }
  return out;
}
