import { fold } from '../routing/lead-facts.ts';
import type { TerritoryArea } from './franchise-map.ts';

/**
 * One key per area, equal exactly when two areas are the same ground: the import's exclusivity
 * check, the index and the diff all compare areas through it, so they cannot disagree on what
 * "the same region" means. Regions compare folded; prefixes and countries are already normal.
 */
export function areaKey(area: TerritoryArea): string {
  switch (area.kind) {
    case 'postal':
      return `${area.country}:p:${area.prefix}`;
    case 'region':
      return `${area.country}:r:${fold(area.region)}`;
    case 'country':
      return `${area.country}:c`;
  }
}

/** The area in words: `postal prefix "787" in US`, `region "Texas" in US`, `all of US`. */
export function describeArea(area: TerritoryArea, { quoted = true }: { quoted?: boolean } = {}): string {
  const q = (value: string) => (quoted ? `"${value}"` : value);
  switch (area.kind) {
    case 'postal':
      return `postal prefix ${q(area.prefix)} in ${area.country}`;
    case 'region':
      return `region ${q(area.region)} in ${area.country}`;
    case 'country':
      return `all of ${area.country}`;
  }
}

/** Sort order of kinds in exports and listings: the widest claim first. */
export const KIND_ORDER: Readonly<Record<TerritoryArea['kind'], number>> = { country: 0, region: 1, postal: 2 };

/** The region or prefix an area names; empty for a whole country. */
export const areaValue = (area: TerritoryArea): string => (area.kind === 'postal' ? area.prefix : area.kind === 'region' ? area.region : '');
