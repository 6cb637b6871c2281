import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from '../zod.ts';
import type { Franchisee, FranchiseMap, TerritoryRow } from './franchise-map.ts';
import { areaKey } from './territory-area.ts';

/**
 * A franchise map as the bytes a running stack loads on a cold start: each franchisee written
 * once, territories grouped by country and naming their franchisee by its index, a
 * franchisee's postal prefixes in one sorted, space-separated string (normalized prefixes hold
 * no spaces), then gzip. A thousand franchisees of a hundred ZIP codes each are 0.25 MB
 * instead of the 7.2 MB of their CSV (`npm run bench -- franchise-lookup`).
 *
 * `version` is written first and checked before anything else, so a stack running older code
 * refuses a newer map with a reason instead of misreading it.
 */
export const FRANCHISE_MAP_FORMAT_VERSION = 1;

const Index = z.number().check(z.int(), z.minimum(0));
const EncodedV1 = z.strictObject({
  version: z.literal(1),
  /** [id, name, managerEmail] */
  franchisees: z.array(z.tuple([z.string(), z.string(), z.string()])),
  countries: z.array(
    z.strictObject({
      country: z.string(),
      /** Index of the franchisee holding the whole country. */
      whole: z.optional(Index),
      /** [franchisee index, region] */
      regions: z.optional(z.array(z.tuple([Index, z.string()]))),
      /** [franchisee index, its prefixes separated by spaces] */
      postal: z.optional(z.array(z.tuple([Index, z.string()]))),
    }),
  ),
});
type EncodedV1 = z.infer<typeof EncodedV1>;
type EncodedCountry = EncodedV1['countries'][number];

export function encodeFranchiseMap(map: FranchiseMap): Uint8Array {
  const indexOf = new Map(map.franchisees.map((franchisee, i) => [franchisee.id, i]));
  const countries = new Map<string, { whole?: number; regions: [number, string][]; postal: Map<number, string[]> }>();
  const seen = new Set<string>();
  for (const { franchisee, area } of map.territories) {
    const index = indexOf.get(franchisee);
    if (index === undefined) throw new Error(`a territory names franchisee "${franchisee}", which the map does not list`);
    const key = areaKey(area);
    if (seen.has(key)) continue;
    seen.add(key);
    let country = countries.get(area.country);
    if (country === undefined) countries.set(area.country, (country = { regions: [], postal: new Map() }));
    if (area.kind === 'country') country.whole = index;
    else if (area.kind === 'region') country.regions.push([index, area.region]);
    else {
      if (area.prefix === '' || area.prefix.includes(' ')) throw new Error(`postal prefix "${area.prefix}" in ${area.country} is not normalized`);
      const prefixes = country.postal.get(index);
      if (prefixes === undefined) country.postal.set(index, [area.prefix]);
      else prefixes.push(area.prefix);
    }
  }
  const encoded: EncodedV1 = {
    version: FRANCHISE_MAP_FORMAT_VERSION,
    franchisees: map.franchisees.map(({ id, name, managerEmail }) => [id, name, managerEmail]),
    countries: [...countries].map(([code, { whole, regions, postal }]): EncodedCountry => ({
      country: code,
      ...(whole !== undefined ? { whole } : {}),
      ...(regions.length > 0 ? { regions } : {}),
      // Sorted, neighbouring codes share their leading digits, which gzip stores once.
      ...(postal.size > 0 ? { postal: [...postal].map(([index, prefixes]): [number, string] => [index, prefixes.sort().join(' ')]) } : {}),
    })),
  };
  return gzipSync(JSON.stringify(encoded));
}

/** Throws with a reason on bytes that are not a franchise map of a version this code reads. */
export function decodeFranchiseMap(bytes: Uint8Array): FranchiseMap {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (error) {
    throw new Error(`not an encoded franchise map: ${(error as Error).message}`, { cause: error });
  }
  const version = typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  if (version !== FRANCHISE_MAP_FORMAT_VERSION) {
    throw new Error(`franchise map format version ${JSON.stringify(version)} is not one this code reads (it reads version ${FRANCHISE_MAP_FORMAT_VERSION})`);
  }
  const parsed = EncodedV1.safeParse(json);
  if (!parsed.success) throw new Error(`not an encoded franchise map: ${z.prettifyError(parsed.error)}`);
  const { franchisees: listed, countries } = parsed.data;

  const franchisees: Franchisee[] = listed.map(([id, name, managerEmail]) => ({ id, name, managerEmail }));
  const idAt = (index: number): string => {
    const franchisee = franchisees[index];
    if (franchisee === undefined) throw new Error(`not an encoded franchise map: franchisee index ${index} of ${franchisees.length}`);
    return franchisee.id;
  };
  const territories: TerritoryRow[] = [];
  for (const { country, whole, regions = [], postal = [] } of countries) {
    if (whole !== undefined) territories.push({ franchisee: idAt(whole), area: { kind: 'country', country } });
    for (const [index, region] of regions) territories.push({ franchisee: idAt(index), area: { kind: 'region', country, region } });
    for (const [index, prefixes] of postal) {
      const franchisee = idAt(index);
      for (const prefix of prefixes.split(' ')) territories.push({ franchisee, area: { kind: 'postal', country, prefix } });
    }
  }
  return { franchisees, territories };
}
