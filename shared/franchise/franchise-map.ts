import type { LeadLocation } from '../routing/lead-facts.ts';

/**
 * A franchise's franchisees and their territories as data: what a franchise admin keeps in a
 * spreadsheet (`franchisee,name,managerEmail,country,region,postalPrefix`, one territory per
 * row), imported with `npm run admin -- territories import <file.csv>` or named by a stack
 * config (`routing.territoriesFile`), and changed on a running stack without a deploy.
 *
 * A lead belongs to the franchisee whose territory covers it most specifically: the longest
 * postal prefix in the lead's country, else its region, else its whole country. Two franchisees
 * may never hold the same area (the same prefix, region or country); a longer prefix inside
 * another franchisee's shorter one is a narrower claim and wins there.
 */

/** A franchisee: a team of kind franchisee, whose field agents are the reps of team `id`. */
export interface Franchisee {
  /** Lowercase letters, digits and dashes, at most 40 (a team id). */
  readonly id: string;
  readonly name: string;
  readonly managerEmail: string;
}

/** One exclusive area. `country` is ISO 3166-1 alpha-2 in upper case. */
export type TerritoryArea =
  /** `prefix` normalized as lead postal codes are (`normalizePostal`: no spaces or dashes, upper case). */
  | { readonly kind: 'postal'; readonly country: string; readonly prefix: string }
  /** `region` as written (trimmed); compared without regard to case, as rules and reps compare regions. */
  | { readonly kind: 'region'; readonly country: string; readonly region: string }
  | { readonly kind: 'country'; readonly country: string };

export interface TerritoryRow {
  readonly franchisee: string;
  readonly area: TerritoryArea;
}

export interface FranchiseMap {
  readonly franchisees: readonly Franchisee[];
  readonly territories: readonly TerritoryRow[];
}

/** The franchisee a lead's location belongs to, and the area that decided it. */
export interface TerritoryMatch {
  readonly franchiseeId: string;
  readonly area: TerritoryArea;
  /** As `Specificity` in shared/routing/territory.ts: 100 + prefix length, 50 a region, 10 a country. */
  readonly specificity: number;
}

/** A loaded franchise map as routing reads it: keyed lookups, never a scan of its rows. */
export interface FranchiseLookup {
  lookup(where: LeadLocation): TerritoryMatch | undefined;
  /** One line: who holds this location and why, or why nobody does. */
  explain(where: LeadLocation): string;
  franchisee(id: string): Franchisee | undefined;
  franchisees(): readonly Franchisee[];
}
